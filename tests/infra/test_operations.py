"""Running it: every function on arm64 and the Python its bytecode was compiled for, and
the stage's dashboard with the alarms and the application's metrics."""

from __future__ import annotations

import json

from tests.infra.conftest import STAGE, one, resources


def test_every_function_runs_on_arm64_and_the_project_s_python(synth):
    import sys

    from infra.lambda_platform import TARGET

    functions = resources(synth.template, "AWS::Serverless::Function")
    assert functions
    for name, function in functions.items():
        properties = function["Properties"]
        assert properties["Architectures"] == ["arm64"], name
        assert properties["Runtime"] == TARGET.runtime == f"python3.{sys.version_info.minor}", name


def dashboard_body(template) -> str:
    _, dashboard = one(
        template, "AWS::CloudWatch::Dashboard", DashboardName=f"ocp-{STAGE}-operations"
    )
    body = dashboard["Properties"]["DashboardBody"]
    # CloudFormation joins the body from literal parts and references (alarm ARNs)
    return "".join(p if isinstance(p, str) else json.dumps(p) for p in body["Fn::Join"][1])


def test_the_dashboard_shows_the_alarms_and_the_application_s_metrics(synth):
    text = dashboard_body(synth.template)
    for alarm_id in resources(synth.template, "AWS::CloudWatch::Alarm"):
        assert alarm_id in text
    for metric in (
        "Calls",
        "DialAttempts",
        "TimeToAnswer",
        "BlastRecipients",
        "Speech",
        "PollyCharacters",
        "RefusedUrls",
        "CarrierErrors",
        "CarrierThrottles",
    ):
        assert f'["OCP","{metric}",' in text, metric
    assert text.count(f'"Stage","{STAGE}"') >= 9
    assert '"AWS/ApiGateway","5XXError"' in text
