"""The twilio carrier's stage (`python -m infra --carrier twilio`, infra/twilio.py): the
account's settings and limits on every function, the auth token read by the name of its
Secrets Manager secret (never in the template), a grant for that one secret only to the
functions that call Twilio or check its webhooks; cdk-nag and cfn-lint clean."""

from __future__ import annotations

import json

import pytest

from infra.access import FUNCTIONS, Function, Ref, Stage, plan
from infra.stage import Stage as DeployedStage
from infra.stage import TwilioAccount
from tests.infra.conftest import (
    PUBLIC_BASE_URL,
    TWILIO_ACCOUNT_SID,
    TWILIO_CALLS_PER_SECOND,
    TWILIO_CONCURRENT_CALLS,
    TWILIO_NUMBERS,
    TWILIO_SECRET_NAME,
    function_role_id,
    listed,
    resources,
    role_statements,
)

SECRET_ARN = (
    f"arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:"
    f"{TWILIO_SECRET_NAME}-??????"
)
# The functions that call Twilio's REST API or check its webhooks' signatures; the fan-out
# sends texts through Twilio Messages (the stage's messaging follows its carrier).
READERS = {"APIHandler", "Dialer", "Fire", "Blastfanout"}


def functions(template):
    return resources(template, "AWS::Serverless::Function")


def flat(value) -> str:
    from infra.nag import flatten_reference

    return flatten_reference(value)


def secret_statements(template, function_id: str) -> list[dict]:
    role = function_role_id(template, function_id)
    return [
        s
        for s in role_statements(template, role)
        if any(a.startswith("secretsmanager:") for a in listed(s["Action"]))
    ]


def test_every_function_gets_the_account_s_settings_and_limits(twilio_synth):
    for function_id, function in functions(twilio_synth.template).items():
        variables = function["Properties"]["Environment"]["Variables"]
        assert variables["OCP_CARRIER"] == "twilio", function_id
        assert variables["OCP_TWILIO_ACCOUNT_SID"] == TWILIO_ACCOUNT_SID
        assert variables["OCP_TWILIO_NUMBERS"] == ",".join(TWILIO_NUMBERS)
        assert variables["OCP_TWILIO_API_BASE"] == "https://api.twilio.com/2010-04-01"
        assert variables["OCP_TWILIO_SECRET_NAME"] == TWILIO_SECRET_NAME
        assert variables["OCP_TWILIO_SIGNATURE"] == "twilio"
        assert variables["OCP_TWILIO_MESSAGING_SERVICE_SID"] == ""  # texts from the first number
        assert variables["OCP_MESSAGING"] == "twilio"  # texts follow the carrier
        assert variables["OCP_CALLS_PER_SECOND"] == str(TWILIO_CALLS_PER_SECOND)
        assert variables["OCP_CONCURRENT_CALLS"] == str(TWILIO_CONCURRENT_CALLS)


def test_one_deploy_gives_every_function_but_the_api_the_stage_s_own_url(twilio_synth):
    """No custom domain: the functions that give Twilio webhook URLs read the stage's
    execute-api URL from CloudFormation; the API function, which the REST API names, reads
    it off each webhook's request context (chalicelib/api/public_url.py)."""
    for function_id, function in functions(twilio_synth.template).items():
        variables = function["Properties"]["Environment"]["Variables"]
        if function_id == "APIHandler":
            assert "OCP_PUBLIC_BASE_URL" not in variables
            continue
        url = variables["OCP_PUBLIC_BASE_URL"]
        assert flat(url) == ("https://<RestAPI>.execute-api.<AWS::Region>.<AWS::URLSuffix>/api"), (
            function_id
        )


def test_a_custom_domain_is_every_function_s_url():
    from infra import twilio

    stage = DeployedStage.named("dev", carrier="twilio", twilio=account())
    assert twilio.settings(stage)["OCP_PUBLIC_BASE_URL"] == PUBLIC_BASE_URL
    without = DeployedStage.named("dev", carrier="twilio", twilio=account(public_base_url=""))
    assert "OCP_PUBLIC_BASE_URL" not in twilio.settings(without)


def test_the_auth_token_is_nowhere_in_the_template(twilio_synth):
    text = json.dumps(twilio_synth.template)
    assert "authToken" not in text and "AUTH_TOKEN" not in text
    assert not resources(twilio_synth.template, "AWS::SecretsManager::Secret")
    for function in functions(twilio_synth.template).values():
        variables = function["Properties"]["Environment"]["Variables"]
        assert not [n for n in variables if "TOKEN" in n or "SIGNING_KEY" in n]


def test_only_the_functions_that_talk_to_twilio_read_its_one_secret(twilio_synth):
    template = twilio_synth.template
    for function_id in functions(template):
        statements = secret_statements(template, function_id)
        if function_id in READERS:
            assert len(statements) == 1, function_id
            (statement,) = statements
            assert statement["Effect"] == "Allow"
            assert listed(statement["Action"]) == ["secretsmanager:GetSecretValue"]
            assert [flat(r) for r in listed(statement["Resource"])] == [SECRET_ARN]
        else:
            assert statements == [], function_id


def test_the_pacing_board_is_the_dialer_s_with_a_real_carrier(twilio_synth):
    template = twilio_synth.template
    role = function_role_id(template, "Dialer")
    tables = [
        flat(r)
        for s in role_statements(template, role)
        if "dynamodb:UpdateItem" in listed(s["Action"])
        for r in listed(s["Resource"])
    ]
    assert any("Counters" in t for t in tables)


def test_cfn_lint_and_cdk_nag_pass_on_the_twilio_stage(twilio_synth):
    from cfnlint.api import ManualArgs, lint_file

    from tests.infra.test_checks import CFN_LINT_IGNORED

    assert any(
        "cdk_nag" in r.get("Metadata", {}) for r in twilio_synth.template["Resources"].values()
    )
    matches = lint_file(twilio_synth.template_path, config=ManualArgs(regions=["us-east-1"]))
    assert [f"{m.rule.id} {m.message}" for m in matches if m.rule.id not in CFN_LINT_IGNORED] == []


# -- the plan and the stage, without synthesis ----------------------------------------------

PLAN_STAGE = Stage(
    tables=dict.fromkeys(
        (
            "Users",
            "Uniques",
            "Groups",
            "Calls",
            "Counters",
            "Accounts",
            "Conferences",
            "Blasts",
            "Enterprises",
            "Quotas",
            "Sessions",
            "Quotas",
            "Compliance",
            "Quotas",
            "Usage",
            "Alerts",
        ),
        False,
    ),
    workflows=frozenset({"call"}),
    queues={"dial": "ocp-dev-dial", "fanout": "ocp-dev-fanout", "callbacks": "c.fifo"},
    twilio=True,
)


def test_the_secret_grant_follows_the_stage_s_carrier():
    import dataclasses

    secret = Ref("carrier-secret")
    for name, access in FUNCTIONS.items():
        function = Function(name, None)
        with_twilio = [s for s in plan(function, PLAN_STAGE) if secret in s.resources]
        without = plan(function, dataclasses.replace(PLAN_STAGE, twilio=False))
        assert len(with_twilio) == (1 if access.carrier_secret else 0), name
        assert not [s for s in without if secret in s.resources]
    assert {n for n, a in FUNCTIONS.items() if a.carrier_secret} == {
        "api_handler",
        "dialer",
        "fire",
    }


def test_the_webhooks_report_task_tokens_only_in_a_twilio_stage():
    import dataclasses

    from infra.access import ANY, TASK_REPORT_ACTIONS

    api = Function("api_handler", None)
    report = {a for s in plan(api, PLAN_STAGE) if ANY in s.resources for a in s.actions}
    assert set(TASK_REPORT_ACTIONS) <= report
    without = plan(api, dataclasses.replace(PLAN_STAGE, twilio=False))
    assert not [s for s in without if set(TASK_REPORT_ACTIONS) & set(s.actions)]


def test_the_dialer_speaks_mp3_in_speech_only_in_a_twilio_stage():
    import dataclasses

    from infra.access import SPEECH_PREFIX

    dialer = Function("dialer", None)
    speech = Ref("objects", SPEECH_PREFIX)
    granted = {a for s in plan(dialer, PLAN_STAGE) if speech in s.resources for a in s.actions}
    assert granted == {"s3:GetObject", "s3:PutObject"}
    assert "polly:SynthesizeSpeech" in {a for s in plan(dialer, PLAN_STAGE) for a in s.actions}
    without = plan(dialer, dataclasses.replace(PLAN_STAGE, twilio=False))
    assert not [
        s for s in without if speech in s.resources or "polly:SynthesizeSpeech" in s.actions
    ]


def account(**changes) -> TwilioAccount:
    fields = {
        "account_sid": TWILIO_ACCOUNT_SID,
        "numbers": TWILIO_NUMBERS,
        "public_base_url": PUBLIC_BASE_URL,
        "secret_name": TWILIO_SECRET_NAME,
        **changes,
    }
    return TwilioAccount(**fields)


def test_a_twilio_stage_needs_its_account_numbers_and_public_url():
    with pytest.raises(ValueError, match="carrier 'twilio' needs"):
        DeployedStage.named("dev", carrier="twilio")
    with pytest.raises(ValueError, match="--twilio-numbers"):
        DeployedStage.named("dev", carrier="twilio", twilio=account(numbers=()))
    with pytest.raises(ValueError, match="--twilio-numbers"):
        DeployedStage.named("dev", carrier="twilio", twilio=account(numbers=("3035550100",)))
    with pytest.raises(ValueError, match="--public-base-url"):
        DeployedStage.named(
            "dev", carrier="twilio", twilio=account(public_base_url="http://x.example.com")
        )
    with pytest.raises(ValueError, match="--twilio-signature"):
        DeployedStage.named("dev", carrier="twilio", twilio=account(signature="plivo"))
    with pytest.raises(ValueError, match="a Twilio account is for --carrier twilio"):
        DeployedStage.named("dev", twilio=account())
    with pytest.raises(ValueError, match="--messaging twilio texts through a Twilio account"):
        DeployedStage.named("dev", messaging="twilio")
    with pytest.raises(ValueError, match="--concurrent-calls"):
        DeployedStage.named("dev", carrier="twilio", twilio=account(), concurrent_calls=0)
    stage = DeployedStage.named(
        "dev",
        carrier="twilio",
        twilio=account(
            api_base="https://example.signalwire.com/api/laml/2010-04-01", signature="signalwire"
        ),
    )
    assert (stage.calls_per_second, stage.concurrent_calls) == (1.0, 3)


def test_the_command_takes_the_twilio_flags(tmp_path, monkeypatch):
    """`make synth INFRA_FLAGS="--carrier twilio ..."`: the flags reach the stage."""
    import infra.__main__ as command

    seen = {}

    def build(stage_name, outdir, **kwargs):
        seen.update(kwargs, stage=stage_name)
        raise ValueError("stop here")

    monkeypatch.setattr(command, "build", build)
    code = command.main(
        [
            "--stage",
            "dev",
            "--outdir",
            str(tmp_path),
            "--carrier",
            "twilio",
            "--twilio-account-sid",
            TWILIO_ACCOUNT_SID,
            "--twilio-numbers",
            " +13035550110, +13035550111",
            "--public-base-url",
            PUBLIC_BASE_URL,
            "--calls-per-second",
            "2",
            "--concurrent-calls",
            "10",
        ]
    )
    assert code == 2
    assert seen["carrier"] == "twilio"
    assert seen["twilio"] == account(secret_name="ocp-dev-twilio")
    assert (seen["chime_calls_per_second"], seen["concurrent_calls"]) == (2.0, 10)


def test_the_dashboard_shows_the_dials_that_waited_for_the_limits(twilio_synth):
    from tests.infra.test_operations import dashboard_body

    text = dashboard_body(twilio_synth.template)
    for kind in ("interactive", "blast"):
        assert f'["OCP","PacedWaits","Kind","{kind}"' in text or (
            '["OCP","PacedWaits"' in text and f'"{kind}"' in text
        )


def test_the_command_takes_messaging_twilio(tmp_path, monkeypatch):
    """`--messaging twilio` is a choice (it was refused), takes the account's flags with any
    carrier, and no --messaging leaves the choice to the carrier (infra/stage.py)."""
    import infra.__main__ as command

    seen = {}

    def build(stage_name, outdir, **kwargs):
        seen.update(kwargs)
        raise ValueError("stop here")

    monkeypatch.setattr(command, "build", build)
    flags = ["--stage", "dev", "--outdir", str(tmp_path)]
    twilio_flags = ["--twilio-account-sid", TWILIO_ACCOUNT_SID, "--twilio-numbers", "+13035550110"]
    assert command.main([*flags, "--messaging", "twilio", *twilio_flags]) == 2
    assert seen["messaging"] == "twilio" and seen["twilio"].account_sid == TWILIO_ACCOUNT_SID
    assert command.main([*flags, "--carrier", "twilio", *twilio_flags]) == 2
    assert seen["messaging"] is None  # Stage.named: the carrier's, Twilio Messages


def test_texting_through_twilio_reads_the_secret_instead_of_end_user_messaging():
    import dataclasses

    secret = Ref("carrier-secret")
    texts = dataclasses.replace(PLAN_STAGE, twilio=False, messaging="twilio")
    readers = {
        name
        for name in FUNCTIONS
        if any(secret in s.resources for s in plan(Function(name, None), texts))
    }
    assert readers == {"api_handler", "blastfanout"}  # status callbacks, sends
    fanout = plan(Function("blastfanout", None), texts)
    assert not [s for s in fanout if "sms-voice:SendTextMessage" in s.actions]
    eum = plan(Function("blastfanout", None), dataclasses.replace(PLAN_STAGE, twilio=False))
    assert [s for s in eum if "sms-voice:SendTextMessage" in s.actions]
    assert not [s for s in eum if secret in s.resources]
