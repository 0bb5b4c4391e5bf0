"""No IAM statement grants "*" on a resource that could be named, and each
function assumes a role of its own (DESIGN.md "Security")."""

from __future__ import annotations

import json

from tests.infra.conftest import STAGE, function_role_id, listed, resources, role_statements

# Actions that take no resource, or none that OCP has: "*" is their only form.
TAKE_NO_RESOURCE = {
    "xray:PutTraceSegments": "trace data is not a resource",
    "xray:PutTelemetryRecords": "trace data is not a resource",
    "xray:GetSamplingRules": "trace data is not a resource",
    "xray:GetSamplingTargets": "trace data is not a resource",
    "polly:SynthesizeSpeech": "its only resource type is a lexicon, and OCP uses none",
    "sns:Publish": "an SMS goes to a phone number, which has no ARN (topics are denied beside it)",
    "states:SendTaskSuccess": "a task token is not a resource",
    "states:SendTaskFailure": "a task token is not a resource",
    "states:SendTaskHeartbeat": "a task token is not a resource",
    # Step Functions' own logging, added by the CDK for LogLevel.ALL
    "logs:CreateLogDelivery": "log deliveries have no ARN",
    "logs:GetLogDelivery": "log deliveries have no ARN",
    "logs:UpdateLogDelivery": "log deliveries have no ARN",
    "logs:DeleteLogDelivery": "log deliveries have no ARN",
    "logs:ListLogDeliveries": "a list",
    "logs:PutResourcePolicy": "account-wide resource policy of CloudWatch Logs",
    "logs:DescribeResourcePolicies": "a list",
    "logs:DescribeLogGroups": "a list",
}
# The one role whose resources are the account's: API Gateway's logging role is
# one setting per account and region, for every API there.
ACCOUNT_WIDE = {"arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:*"}


def all_statements(template):
    """(where, statement) for every identity policy statement in the stack."""
    for role_id, role in resources(template, "AWS::IAM::Role").items():
        for policy in role["Properties"].get("Policies", []):
            for statement in policy["PolicyDocument"]["Statement"]:
                yield role_id, statement
        assert not role["Properties"].get("ManagedPolicyArns"), f"{role_id}: managed policies"
    for policy_id, policy in resources(template, "AWS::IAM::Policy").items():
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            yield policy_id, statement


def test_a_star_resource_only_with_actions_that_take_no_resource(synth):
    for where, statement in all_statements(synth.template):
        if statement["Effect"] != "Allow" or "*" not in listed(statement["Resource"]):
            continue
        named = [a for a in listed(statement["Action"]) if a not in TAKE_NO_RESOURCE]
        assert not named, f"{where}: {named} on '*', but their resources can be named"


def test_no_action_is_a_wildcard(synth):
    for where, statement in all_statements(synth.template):
        wild = [a for a in listed(statement["Action"]) if "*" in a]
        assert not wild, f"{where}: {wild}"


def test_every_other_wildcard_is_inside_one_named_resource(synth):
    """`<Table.Arn>/index/*`, `<Bucket.Arn>/previews/*`, `...:execution:ocp-prod-call:*`,
    `...:schedule/ocp-prod/*`: the children of one resource of this stack."""
    from infra.nag import flatten_reference  # the CDK: Node.js, which `synth` checks for

    for where, statement in all_statements(synth.template):
        if statement["Effect"] != "Allow":
            continue
        for resource in listed(statement["Resource"]):
            flat = flatten_reference(resource)
            if flat == "*" or "*" not in flat or flat in ACCOUNT_WIDE:
                continue
            named_part = flat[: flat.index("*")]
            assert (
                named_part.startswith("<") and ".Arn>/" in named_part
            ) or f"ocp-{STAGE}" in named_part, f"{where}: {flat} is not inside one named resource"


def test_sms_publishing_is_denied_for_topics_wherever_it_is_allowed(synth):
    by_role: dict[str, list] = {}
    for where, statement in all_statements(synth.template):
        by_role.setdefault(where, []).append(statement)
    for where, statements in by_role.items():
        if any("sns:Publish" in listed(s["Action"]) and s["Effect"] == "Allow" for s in statements):
            assert any(
                s["Effect"] == "Deny" and "sns:Publish" in listed(s["Action"]) for s in statements
            ), where


def test_each_function_assumes_a_role_of_its_own(synth):
    template = synth.template
    function_ids = list(resources(template, "AWS::Serverless::Function"))
    roles = [function_role_id(template, f) for f in function_ids]
    assert len(set(roles)) == len(function_ids)
    for role_id in roles:
        trust = template["Resources"][role_id]["Properties"]["AssumeRolePolicyDocument"][
            "Statement"
        ]
        assert [s["Principal"] for s in trust] == [{"Service": "lambda.amazonaws.com"}]


def test_the_api_handler_role_names_its_tables_key_bucket_prefixes_and_workflow(synth):
    from infra.access import SPEECH_PREFIX, UPLOADS_PREFIX
    from infra.nag import flatten_reference

    template = synth.template
    statements = role_statements(template, function_role_id(template, "APIHandler"))
    granted = {}
    for statement in statements:
        if statement["Effect"] == "Allow":
            for action in listed(statement["Action"]):
                granted.setdefault(action, set()).update(
                    flatten_reference(r) for r in listed(statement["Resource"])
                )
    tables = {f"<{t}.Arn>" for t in resources(template, "AWS::DynamoDB::Table")}
    enterprises = {
        f"<{t}.Arn>"
        for t, v in resources(template, "AWS::DynamoDB::Table").items()
        if v["Properties"]["TableName"] == f"ocp-{STAGE}-Enterprises"
    }
    assert len(enterprises) == 1
    # every table but Enterprises, which it only reads
    assert granted["dynamodb:PutItem"] == granted["dynamodb:UpdateItem"] == tables - enterprises
    assert granted["dynamodb:GetItem"] == tables
    assert granted["dynamodb:Query"] == (tables - enterprises) | {
        f"<{t}.Arn>/index/*"
        for t, v in resources(template, "AWS::DynamoDB::Table").items()
        if v["Properties"].get("GlobalSecondaryIndexes")
        or v["Properties"].get("LocalSecondaryIndexes")
    }
    assert "dynamodb:Scan" not in granted and "dynamodb:DeleteTable" not in granted
    key = next(iter(resources(template, "AWS::KMS::Key")))
    # it decrypts login secrets, and makes none
    assert granted["kms:Decrypt"] == {f"<{key}.Arn>"} and "kms:Encrypt" not in granted
    bucket = next(k for k in resources(template, "AWS::S3::Bucket") if k.startswith("AudioBucket"))
    assert granted["s3:PutObject"] == {
        f"<{bucket}.Arn>/{UPLOADS_PREFIX}*",
        f"<{bucket}.Arn>/{SPEECH_PREFIX}*",
    }
    assert granted["s3:ListBucket"] == {f"<{bucket}.Arn>"}
    machine = next(
        k
        for k, v in resources(template, "AWS::StepFunctions::StateMachine").items()
        if v["Properties"]["StateMachineName"] == f"ocp-{STAGE}-call"
    )
    assert granted["states:StartExecution"] == {f"<{machine}>"}
    assert granted["iam:PassRole"] == {
        f"<{r}.Arn>" for r in resources(template, "AWS::IAM::Role") if r.startswith("SchedulerRole")
    }
    assert granted["scheduler:CreateSchedule"] == {
        f"arn:<AWS::Partition>:scheduler:<AWS::Region>:<AWS::AccountId>:schedule/ocp-{STAGE}/*"
    }
    # The API handler sends no SMS and reports no dial outcome: those are event handlers'
    assert "sns:Publish" not in granted and "states:SendTaskSuccess" not in granted


def test_the_secrets_key_is_used_only_with_an_enterprise_context(synth):
    for _where, statement in all_statements(synth.template):
        if any(a.startswith("kms:") for a in listed(statement["Action"])):
            assert statement["Condition"]["ForAllValues:StringEquals"] == {
                "kms:EncryptionContextKeys": ["eid"]
            }
            assert (
                json.dumps(statement["Condition"]["Null"])
                == '{"kms:EncryptionContextKeys": "false"}'
            )
