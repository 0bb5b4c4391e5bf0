"""The chime carrier's stage (`python -m infra --carrier chime`, infra/chime.py): the SIP
media application and its handler's permission, the audio bucket statement that lets the
service read WAV and nothing else, least-privilege `chime:` statements, the settings; and
a stage with the simulated carrier has none of it."""

from __future__ import annotations

import dataclasses

import pytest

from infra.access import (
    CHIME_SERVICES,
    FUNCTIONS,
    WAV_PREFIX,
    Function,
    Ref,
    Stage,
    plan,
)
from infra.stage import Stage as DeployedStage
from tests.infra.conftest import (
    CHIME_CALLS_PER_SECOND,
    CHIME_NUMBERS,
    function_role_id,
    get_att,
    listed,
    one,
    resources,
    role_statements,
)
from tests.infra.test_least_privilege import all_statements


def flatten_reference(reference: object) -> str:
    # infra.nag imports the CDK, which needs Node.js: imported when a test runs (the synth
    # fixtures skip first without it), so that collecting this file needs no Node.js.
    from infra.nag import flatten_reference as flat

    return flat(reference)


SERVICE = "voiceconnector.chime.amazonaws.com"
SMA = "SipMediaApplication"
SMA_ARN = f"<{SMA}.SipMediaApplicationArn>"
MEETINGS = "arn:<AWS::Partition>:chime:<AWS::Region>:<AWS::AccountId>:meeting/*"
HANDLER_ARN = "arn:<AWS::Partition>:lambda:<AWS::Region>:<AWS::AccountId>:function:ocp-prod-sma"


def functions(template):
    return resources(template, "AWS::Serverless::Function")


# -- the SIP media application and its handler -------------------------------------------


def test_the_application_invokes_the_sma_function(chime_synth):
    template = chime_synth.template
    logical_id, sma = one(template, "AWS::Chime::SipMediaApplication")
    assert logical_id == SMA
    properties = sma["Properties"]
    assert [flatten_reference(e["LambdaArn"]) for e in properties["Endpoints"]] == [HANDLER_ARN]
    assert properties["Name"] == "ocp-prod-sma"
    assert properties["AwsRegion"] == {"Ref": "AWS::Region"}  # the functions' region
    assert functions(template)["Sma"]["Properties"]["FunctionName"] == "ocp-prod-sma"
    # made after its handler (its creation checks it)
    assert set(sma["DependsOn"]) == {"Sma"}
    output = template["Outputs"]["SipMediaApplicationId"]["Value"]
    assert output == get_att(SMA, "SipMediaApplicationId")


def test_the_voice_connector_service_may_invoke_the_handler_for_this_application_only(
    chime_synth,
):
    _, permission = one(chime_synth.template, "AWS::Lambda::Permission", Principal=SERVICE)
    assert permission["Properties"] == {
        "Action": "lambda:InvokeFunction",
        "FunctionName": "ocp-prod-sma",
        "Principal": SERVICE,
        "SourceAccount": {"Ref": "AWS::AccountId"},
        # the application's own ARN, not any of the account's
        "SourceArn": get_att(SMA, "SipMediaApplicationArn"),
    }
    assert permission["DependsOn"] == ["Sma"]


def test_the_handler_answers_within_the_service_s_five_seconds(chime_synth):
    properties = functions(chime_synth.template)["Sma"]["Properties"]
    assert properties["Timeout"] == 5
    assert properties["MemorySize"] >= 1024


# -- the audio the service plays ---------------------------------------------------------------


def test_the_service_reads_the_wav_prefix_only_and_only_for_this_application(chime_synth):
    bucket = audio_bucket(chime_synth.template)
    _, policy = one(chime_synth.template, "AWS::S3::BucketPolicy", Bucket={"Ref": bucket})
    for_service = [
        s
        for s in policy["Properties"]["PolicyDocument"]["Statement"]
        if s.get("Principal") == {"Service": SERVICE}
    ]
    assert len(for_service) == 1
    statement = for_service[0]
    assert statement["Effect"] == "Allow"
    assert listed(statement["Action"]) == ["s3:GetObject"]
    assert [flatten_reference(r) for r in listed(statement["Resource"])] == [
        f"<{bucket}.Arn>/{WAV_PREFIX}*"
    ]
    assert statement["Condition"] == {
        "StringEquals": {
            "aws:SourceAccount": {"Ref": "AWS::AccountId"},
            "aws:SourceArn": get_att(SMA, "SipMediaApplicationArn"),
        }
    }


def audio_bucket(template) -> str:
    return template["Outputs"]["AudioBucketName"]["Value"]["Ref"]


def test_wav_expires_like_the_speech_cache(chime_synth):
    buckets = resources(chime_synth.template, "AWS::S3::Bucket")
    rules = buckets[audio_bucket(chime_synth.template)]["Properties"]["LifecycleConfiguration"][
        "Rules"
    ]
    assert {
        "Id": "expire-wav",
        "Prefix": WAV_PREFIX,
        "ExpirationInDays": 30,
        "Status": "Enabled",
    } in (rules)


# -- least privilege ------------------------------------------------------------------------------


def test_no_chime_action_on_a_star_resource(chime_synth):
    for where, statement in all_statements(chime_synth.template):
        chime = [a for a in listed(statement["Action"]) if a.startswith("chime:")]
        if chime:
            resources_named = [flatten_reference(r) for r in listed(statement["Resource"])]
            assert "*" not in resources_named, f"{where}: {chime} on '*'"
            assert statement["Effect"] == "Allow"


def chime_grants(template, function_id: str) -> dict[str, set[str]]:
    granted: dict[str, set[str]] = {}
    for statement in role_statements(template, function_role_id(template, function_id)):
        for action in listed(statement["Action"]):
            if action.startswith("chime:"):
                granted.setdefault(action, set()).update(
                    flatten_reference(r) for r in listed(statement["Resource"])
                )
    return granted


def test_calls_are_made_on_this_stage_s_application_and_meetings_in_its_region(chime_synth):
    template = chime_synth.template
    assert chime_grants(template, "Dialer") == {
        "chime:CreateSipMediaApplicationCall": {SMA_ARN},
        "chime:UpdateSipMediaApplicationCall": {SMA_ARN},
    }
    # The SIP media application's handler joins answered legs to the room's meeting
    # (made then); `fire` ends it with the reservation (the code's calls: issue 11's notes)
    assert chime_grants(template, "Sma") == {
        "chime:UpdateSipMediaApplicationCall": {SMA_ARN},
        "chime:CreateMeeting": {MEETINGS},
        "chime:CreateAttendee": {MEETINGS},
    }
    assert chime_grants(template, "Fire") == {"chime:DeleteMeeting": {MEETINGS}}
    assert chime_grants(template, "APIHandler") == {}


def test_the_chime_statements_are_apart_so_no_function_waits_for_the_application(chime_synth):
    template = chime_synth.template
    for role_id, role in resources(template, "AWS::IAM::Role").items():
        inline = [
            s
            for p in role["Properties"].get("Policies", [])
            for s in p["PolicyDocument"]["Statement"]
        ]
        assert not [s for s in inline if SMA in str(s)], role_id
    for function_id, function in functions(template).items():
        if function_id == "Sma":
            assert SMA not in str(function), "the handler cannot name the application it serves"


def test_the_wav_the_service_plays_is_written_by_the_dialer_and_the_blast_fan_out(chime_synth):
    template = chime_synth.template
    wav = f"<{audio_bucket(template)}.Arn>/{WAV_PREFIX}*"
    for function_id in ("Dialer", "Blastfanout"):
        puts = set()
        for statement in role_statements(template, function_role_id(template, function_id)):
            if "s3:PutObject" in listed(statement["Action"]):
                puts |= {flatten_reference(r) for r in listed(statement["Resource"])}
        assert wav in puts, function_id


# -- settings ------------------------------------------------------------------------------------


def test_every_function_gets_the_carrier_s_settings(chime_synth):
    for function_id, function in functions(chime_synth.template).items():
        variables = function["Properties"]["Environment"]["Variables"]
        assert variables["OCP_CARRIER"] == "chime", function_id
        assert variables["OCP_CHIME_NUMBERS"] == ",".join(CHIME_NUMBERS)
        assert variables["OCP_CHIME_CALLS_PER_SECOND"] == str(CHIME_CALLS_PER_SECOND)
        if function_id == "Sma":  # its events carry the application's id
            assert "OCP_CHIME_SMA_ID" not in variables
        else:
            assert variables["OCP_CHIME_SMA_ID"] == get_att(SMA, "SipMediaApplicationId")


# -- checks ---------------------------------------------------------------------------------------


def test_cfn_lint_and_cdk_nag_pass_on_the_chime_stage(chime_synth):
    from cfnlint.api import ManualArgs, lint_file

    from tests.infra.conftest import can_unshare_network
    from tests.infra.test_checks import CFN_LINT_IGNORED

    # cdk-nag ran during synthesis (which fails on an unacknowledged finding), offline
    assert any(
        "cdk_nag" in r.get("Metadata", {}) for r in chime_synth.template["Resources"].values()
    )
    assert chime_synth.network_isolated == can_unshare_network()
    matches = lint_file(chime_synth.template_path, config=ManualArgs(regions=["us-east-1"]))
    assert [f"{m.rule.id} {m.message}" for m in matches if m.rule.id not in CFN_LINT_IGNORED] == []


def test_a_simulated_stage_has_no_chime_resource_statement_or_setting(synth):
    template = synth.template
    assert not [r for r in template["Resources"].values() if r["Type"].startswith("AWS::Chime::")]
    assert not resources(template, "AWS::Lambda::Permission") or all(
        p["Properties"]["Principal"] != SERVICE
        for p in resources(template, "AWS::Lambda::Permission").values()
    )
    assert SERVICE not in str(template)
    for _, statement in all_statements(template):
        assert not [a for a in listed(statement["Action"]) if a.startswith("chime:")]
    for function in functions(template).values():
        variables = function["Properties"]["Environment"]["Variables"]
        assert variables["OCP_CARRIER"] == "simulated"
        assert not [n for n in variables if n.startswith("OCP_CHIME_")]


# -- the plan, the stage and the command, without synthesis ------------------------------------

PLAN_STAGE = Stage(
    # Counters: the pacing board, which the sma function's reports free or keep slots on
    tables={
        "Calls": True,
        "Accounts": False,
        "Conferences": False,
        "Counters": False,
        "Compliance": False,  # the sma function's opt-outs (issue 27)
    },
    workflows=frozenset({"call"}),
    queues={"dial": "ocp-dev-dial", "fanout": "ocp-dev-fanout"},
    chime=True,
)


def test_the_chime_grants_follow_the_stage_s_carrier():
    with_chime = plan(Function("sma", None), PLAN_STAGE)
    without = plan(Function("sma", None), dataclasses.replace(PLAN_STAGE, chime=False))
    assert [s for s in with_chime if s.chime]
    assert not [s for s in without if s.chime]
    assert not [s for s in without if any(a.startswith("chime:") for a in s.actions)]
    assert {r for s in with_chime if s.chime for r in s.resources} == {
        Ref("sip-media-application"),
        Ref("meetings"),
    }


def test_every_declared_chime_operation_is_one_of_the_service_s():
    import botocore.session

    models = {
        field: set(botocore.session.get_session().get_service_model(service).operation_names)
        for field, service in CHIME_SERVICES.items()
    }
    for name, access in FUNCTIONS.items():
        for field, operations in models.items():
            unknown = set(getattr(access, field)) - operations
            assert not unknown, f"{name}: {unknown} are not {CHIME_SERVICES[field]} operations"


def test_a_chime_stage_needs_its_numbers():
    with pytest.raises(ValueError, match="--chime-numbers"):
        DeployedStage.named("dev", carrier="chime")
    with pytest.raises(ValueError, match=r"E\.164"):
        DeployedStage.named("dev", carrier="chime", chime_numbers=("3035550100",))
    with pytest.raises(ValueError, match=r"E\.164"):
        DeployedStage.named("dev", carrier="chime", chime_numbers=("+13035550100",) * 2)
    with pytest.raises(ValueError, match="carrier 'twilio'"):
        DeployedStage.named("dev", carrier="twilio")
    stage = DeployedStage.named("dev", carrier="chime", chime_numbers=CHIME_NUMBERS)
    assert (stage.chime_numbers, stage.chime_calls_per_second) == (CHIME_NUMBERS, 1.0)


def test_a_chime_stage_of_an_app_without_the_handler_is_refused():
    from local import prerequisites

    if not (node := prerequisites.node()).ok:
        pytest.skip(f"Node.js is needed to load the CDK: {node.detail}")
    from infra import chime

    # Given an app whose functions do not include the SIP media application's handler
    functions = {name: object() for name in ("api", "dialer", "blastfanout")}
    # Then the chime stage is refused before anything is defined (`python -m infra` turns
    # the ValueError into exit code 2 and this message)
    with pytest.raises(chime.ChimeConfigurationError, match=r"app\.lambda_function\(name='sma'\)"):
        chime.define(None, functions, "", "", None)  # type: ignore[arg-type]
