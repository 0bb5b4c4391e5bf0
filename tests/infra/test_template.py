"""The synthesised prod stack has every resource the application uses, as the
design says (DESIGN.md "Data", "Work after the response", "Security")."""

from __future__ import annotations

import json
from xml.etree import ElementTree

from tests.infra.conftest import ALARM_EMAIL, STAGE, get_att, listed, one, resources

PREFIX = f"ocp-{STAGE}-"


def model_specs():
    from chalicelib import settings
    from chalicelib.store.models import ALL_MODELS
    from infra.tables import table_specs

    return table_specs(ALL_MODELS, settings.get().table_prefix)


# -- tables -------------------------------------------------------------------------


def test_every_model_has_its_table_on_demand_with_recovery_and_protection(synth):
    template = synth.template
    tables = {
        t["Properties"]["TableName"]: t
        for t in resources(template, "AWS::DynamoDB::Table").values()
    }
    # Given the PynamoDB models, Then one table each, named with the stage prefix, and no other
    assert set(tables) == {f"{PREFIX}{spec.name}" for spec in model_specs()}
    for name, table in tables.items():
        properties = table["Properties"]
        assert properties["BillingMode"] == "PAY_PER_REQUEST", name
        assert properties["PointInTimeRecoverySpecification"] == {
            "PointInTimeRecoveryEnabled": True
        }, name
        # prod: a table survives `cdk destroy` and cannot be deleted by accident
        assert properties["DeletionProtectionEnabled"] is True, name
        assert table["DeletionPolicy"] == "Retain", name


def test_table_keys_indexes_and_ttl_come_from_the_models(synth):
    tables = {
        t["Properties"]["TableName"]: t["Properties"]
        for t in resources(synth.template, "AWS::DynamoDB::Table").values()
    }
    for spec in model_specs():
        properties = tables[f"{PREFIX}{spec.name}"]
        keys = {k["KeyType"]: k["AttributeName"] for k in properties["KeySchema"]}
        assert keys.get("HASH") == spec.hash_key.name
        assert keys.get("RANGE") == (spec.range_key.name if spec.range_key else None)
        types = {d["AttributeName"]: d["AttributeType"] for d in properties["AttributeDefinitions"]}
        assert types[spec.hash_key.name] == spec.hash_key.type
        assert {i["IndexName"] for i in properties.get("GlobalSecondaryIndexes", [])} == {
            i.name for i in spec.global_indexes
        }
        assert {i["IndexName"] for i in properties.get("LocalSecondaryIndexes", [])} == {
            i.name for i in spec.local_indexes
        }
        if spec.ttl_attribute:
            assert properties["TimeToLiveSpecification"] == {
                "AttributeName": spec.ttl_attribute,
                "Enabled": True,
            }
        else:
            assert "TimeToLiveSpecification" not in properties


def test_sessions_expire_by_ttl(synth):
    _, sessions = one(synth.template, "AWS::DynamoDB::Table", TableName=f"{PREFIX}Sessions")
    assert sessions["Properties"]["TimeToLiveSpecification"] == {
        "AttributeName": "expires",
        "Enabled": True,
    }


# -- audio bucket ---------------------------------------------------------------------


def audio_bucket(template):
    buckets = {
        k: v
        for k, v in resources(template, "AWS::S3::Bucket").items()
        if k.startswith("AudioBucket")
    }
    assert len(buckets) == 1
    return next(iter(buckets.items()))


def test_the_audio_bucket_is_private_encrypted_and_logged(synth):
    _bucket_id, bucket = audio_bucket(synth.template)
    properties = bucket["Properties"]
    assert properties["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    encryption = properties["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
    assert encryption["ServerSideEncryptionByDefault"]["SSEAlgorithm"] in ("AES256", "aws:kms")
    assert properties["OwnershipControls"]["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    assert "DestinationBucketName" in properties["LoggingConfiguration"]
    assert bucket["DeletionPolicy"] == "Retain"


def test_the_audio_bucket_refuses_plain_http(synth):
    bucket_id, _ = audio_bucket(synth.template)
    policies = [
        p
        for p in resources(synth.template, "AWS::S3::BucketPolicy").values()
        if p["Properties"]["Bucket"] == {"Ref": bucket_id}
    ]
    statements = [s for p in policies for s in p["Properties"]["PolicyDocument"]["Statement"]]
    assert any(
        s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
        for s in statements
    )


def test_synthesised_speech_expires_and_stalled_uploads_are_aborted(synth):
    from infra.access import SPEECH_PREFIX, UPLOADS_PREFIX

    _, bucket = audio_bucket(synth.template)
    rules = bucket["Properties"]["LifecycleConfiguration"]["Rules"]
    speech = [r for r in rules if r.get("Prefix") == SPEECH_PREFIX]
    assert len(speech) == 1 and speech[0]["ExpirationInDays"] >= 1
    # Uploaded blast audio is kept as long as its blast; an upload no blast claimed (still
    # tagged unclaimed, media/storage.py) expires
    from chalicelib.media.storage import UNCLAIMED_DAYS, UNCLAIMED_TAG

    uploads = [r for r in rules if r.get("Prefix") == UPLOADS_PREFIX]
    assert uploads == [
        {
            "Id": "expire-unclaimed-uploads",
            "Prefix": UPLOADS_PREFIX,
            "TagFilters": [{"Key": UNCLAIMED_TAG[0], "Value": UNCLAIMED_TAG[1]}],
            "ExpirationInDays": UNCLAIMED_DAYS,
            "Status": "Enabled",
        }
    ]
    assert any("AbortIncompleteMultipartUpload" in r for r in rules)


# -- queues -------------------------------------------------------------------------


def queue(template, name):
    return one(template, "AWS::SQS::Queue", QueueName=name)


def test_dial_and_fanout_queues_have_dead_letter_queues(synth):
    from infra.access import FUNCTIONS
    from infra.stack import MAX_RECEIVES, VISIBILITY_PER_TIMEOUT

    for label, consumer in (("dial", "dialer"), ("fanout", "blastfanout")):
        _, main = queue(synth.template, f"{PREFIX}{label}")
        dlq_id, dlq = queue(synth.template, f"{PREFIX}{label}-dlq")
        assert main["Properties"]["RedrivePolicy"] == {
            "deadLetterTargetArn": get_att(dlq_id),
            "maxReceiveCount": MAX_RECEIVES,
        }
        # Lambda's SQS event source wants visibility >= 6x the consumer's timeout
        assert (
            main["Properties"]["VisibilityTimeout"]
            == FUNCTIONS[consumer].timeout_seconds * VISIBILITY_PER_TIMEOUT
        )
        for properties in (main["Properties"], dlq["Properties"]):
            assert properties["SqsManagedSseEnabled"] is True


def test_the_callbacks_queue_is_fifo_with_a_fifo_dead_letter_queue(synth):
    from chalicelib import settings
    from infra.access import FUNCTIONS
    from infra.stack import VISIBILITY_PER_TIMEOUT

    _, main = queue(synth.template, f"{PREFIX}callbacks.fifo")
    dlq_id, dlq = queue(synth.template, f"{PREFIX}callbacks-dlq.fifo")
    properties = main["Properties"]
    assert properties["FifoQueue"] is True and dlq["Properties"]["FifoQueue"] is True
    assert (properties["DeduplicationScope"], properties["FifoThroughputLimit"]) == (
        "messageGroup",
        "perMessageGroupId",
    )
    # Every attempt of the retry schedule, then the DLQ (events/delivery.py)
    assert properties["RedrivePolicy"] == {
        "deadLetterTargetArn": get_att(dlq_id),
        "maxReceiveCount": settings.get().callback_attempts,
    }
    assert (
        properties["VisibilityTimeout"]
        == FUNCTIONS["callbacks"].timeout_seconds * VISIBILITY_PER_TIMEOUT
    )
    for function in functions(synth.template).values():
        variables = function["Properties"]["Environment"]["Variables"]
        assert variables["OCP_CALLBACK_ATTEMPTS"] == str(settings.get().callback_attempts)


def test_the_tables_whose_changes_are_events_stream_old_and_new_images(synth):
    tables = {
        t["Properties"]["TableName"]: t["Properties"]
        for t in resources(synth.template, "AWS::DynamoDB::Table").values()
    }
    streamed = {
        name[len(PREFIX) :]
        for name, properties in tables.items()
        if "StreamSpecification" in properties
    }
    assert streamed == {"Calls", "Conferences", "Blasts"}
    for name in streamed:
        assert tables[f"{PREFIX}{name}"]["StreamSpecification"] == {
            "StreamViewType": "NEW_AND_OLD_IMAGES"
        }


def test_each_stream_is_mapped_to_the_events_function_with_retries_and_a_dead_letter_queue(
    synth,
):
    from infra.stack import STREAM_RECORD_AGE

    template = synth.template
    dlq_id, dlq = queue(template, f"{PREFIX}streams-dlq")
    assert "FifoQueue" not in dlq["Properties"]  # a stream's destination is a standard queue
    mappings = resources(template, "AWS::Lambda::EventSourceMapping")
    by_table = {}
    for mapping in mappings.values():
        properties = mapping["Properties"]
        if "StartingPosition" not in properties:
            continue  # an SQS queue's
        table_id = properties["EventSourceArn"]["Fn::GetAtt"][0]
        by_table[template["Resources"][table_id]["Properties"]["TableName"]] = mapping
    assert set(by_table) == {f"{PREFIX}{t}" for t in ("Calls", "Conferences", "Blasts")}
    for mapping in by_table.values():
        properties = mapping["Properties"]
        assert properties["FunctionName"] == f"{PREFIX}events"
        assert properties["EventSourceArn"]["Fn::GetAtt"][1] == "StreamArn"
        assert properties["StartingPosition"] == "TRIM_HORIZON"
        # Retried from the first failed record, bisected, until the record is hours old:
        # an hour without SQS loses no event
        assert properties["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
        assert properties["BisectBatchOnFunctionError"] is True
        assert properties["MaximumRetryAttempts"] == -1
        assert properties["MaximumRecordAgeInSeconds"] == STREAM_RECORD_AGE.to_seconds()
        assert STREAM_RECORD_AGE.to_seconds() >= 3 * 3600
        assert properties["DestinationConfig"] == {"OnFailure": {"Destination": get_att(dlq_id)}}
        assert "Events" in mapping["DependsOn"]
    # The function's role may read the streams and put a failure on the queue, no more
    events_role = functions(template)["Events"]["Properties"]["Role"]["Fn::GetAtt"][0]
    statements = [
        s
        for policy in template["Resources"][events_role]["Properties"]["Policies"]
        for s in policy["PolicyDocument"]["Statement"]
    ]
    [read] = [s for s in statements if "dynamodb:GetRecords" in listed(s["Action"])]
    assert sorted(r["Fn::GetAtt"][0] for r in listed(read["Resource"])) == sorted(
        properties["EventSourceArn"]["Fn::GetAtt"][0]
        for properties in (m["Properties"] for m in by_table.values())
    )
    assert any(
        listed(s["Action"]) == ["sqs:SendMessage"] and listed(s["Resource"]) == [get_att(dlq_id)]
        for s in statements
    )
    # And a consumer falling behind (SQS down) raises an alarm long before records expire
    from infra.monitoring import STREAM_LAG

    [behind] = [
        a["Properties"]
        for a in alarms(template)
        if a["Properties"].get("MetricName") == "IteratorAge"
    ]
    assert behind["Dimensions"] == [{"Name": "FunctionName", "Value": f"{PREFIX}events"}]
    assert behind["Statistic"] == "Maximum"
    assert behind["Threshold"] == STREAM_LAG.to_milliseconds() < STREAM_RECORD_AGE.to_milliseconds()


def test_every_queue_refuses_plain_http(synth):
    queue_ids = set(resources(synth.template, "AWS::SQS::Queue"))
    secured = set()
    for policy in resources(synth.template, "AWS::SQS::QueuePolicy").values():
        statements = policy["Properties"]["PolicyDocument"]["Statement"]
        if any(
            s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
            for s in statements
        ):
            secured |= {q["Ref"] for q in policy["Properties"]["Queues"]}
    assert secured == queue_ids


# -- key ------------------------------------------------------------------------------


def test_the_secrets_key_rotates_and_is_kept(synth):
    key_id, key = next(iter(resources(synth.template, "AWS::KMS::Key").items()))
    assert key["Properties"]["EnableKeyRotation"] is True
    assert key["DeletionPolicy"] == "Retain"
    _, alias = one(synth.template, "AWS::KMS::Alias", AliasName=f"alias/ocp-{STAGE}-secrets")
    assert alias["Properties"]["TargetKeyId"] == get_att(key_id)


# -- state machines -------------------------------------------------------------------


def state_machine(template, stem="call"):
    return one(template, "AWS::StepFunctions::StateMachine", StateMachineName=f"{PREFIX}{stem}")


def test_the_state_machine_definition_is_the_asl_file(synth):
    from infra import workflows

    found = workflows.discover(synth.workflows)
    assert "call" in {w.stem for w in found}
    for workflow in found:
        _, machine = state_machine(synth.template, workflow.stem)
        properties = machine["Properties"]
        # The same file the workflow tests execute, byte for byte
        assert properties["DefinitionString"] == workflow.text
        assert json.loads(properties["DefinitionString"]) == json.loads(workflow.path.read_text())
        assert set(properties.get("DefinitionSubstitutions", {})) == workflow.placeholders()
        assert properties["StateMachineType"] == "STANDARD"
        assert properties["LoggingConfiguration"]["Level"] == "ALL"
        # Execution data holds phone numbers
        assert properties["LoggingConfiguration"]["IncludeExecutionData"] is False
        assert properties["TracingConfiguration"] == {"Enabled": True}


def test_the_dial_queue_placeholder_is_the_dial_queue(synth):
    dial_id, _ = queue(synth.template, f"{PREFIX}dial")
    _, machine = state_machine(synth.template)
    substitutions = machine["Properties"]["DefinitionSubstitutions"]
    assert substitutions["DialQueueUrl"] == {"Ref": dial_id}


def test_the_state_machine_role_may_send_to_the_dial_queue(synth):
    from tests.infra.conftest import role_statements

    dial_id, _ = queue(synth.template, f"{PREFIX}dial")
    _, machine = state_machine(synth.template)
    role_id = machine["Properties"]["RoleArn"]["Fn::GetAtt"][0]
    statements = role_statements(synth.template, role_id)
    assert any(
        listed(s["Action"]) == ["sqs:SendMessage"] and s["Resource"] == get_att(dial_id)
        for s in statements
    )


# -- scheduler --------------------------------------------------------------------------


def test_the_schedule_group_its_role_and_dead_letter_queue(synth):
    from tests.infra.conftest import role_statements

    one(synth.template, "AWS::Scheduler::ScheduleGroup", Name=f"ocp-{STAGE}")
    dlq_id, _ = queue(synth.template, f"{PREFIX}scheduler-dlq")
    roles = {
        k: v
        for k, v in resources(synth.template, "AWS::IAM::Role").items()
        if k.startswith("SchedulerRole")
    }
    assert len(roles) == 1
    role_id, role = next(iter(roles.items()))
    trust = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert trust == [
        {
            "Action": "sts:AssumeRole",
            "Effect": "Allow",
            "Principal": {"Service": "scheduler.amazonaws.com"},
            "Condition": {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}},
        }
    ]
    granted = {
        (a, json.dumps(r, sort_keys=True))
        for s in role_statements(synth.template, role_id)
        for a in listed(s["Action"])
        for r in listed(s["Resource"])
    }
    # Scheduler puts undeliverable events on its DLQ with the schedule's role
    assert ("sqs:SendMessage", json.dumps(get_att(dlq_id), sort_keys=True)) in granted


# -- functions and settings ---------------------------------------------------------------


def functions(template):
    return resources(template, "AWS::Serverless::Function")


def test_the_api_handler_is_named_logged_and_traced(synth):
    template = synth.template
    handler = functions(template)["APIHandler"]
    properties = handler["Properties"]
    assert properties["FunctionName"] == f"{PREFIX}api_handler"
    assert properties["Tracing"] == "Active"
    # API Gateway gives up after 29 s
    assert properties["Timeout"] <= 29
    log_id, log_group = one(
        template, "AWS::Logs::LogGroup", LogGroupName=f"/aws/lambda/{PREFIX}api_handler"
    )
    assert log_group["Properties"]["RetentionInDays"] > 0
    assert log_id in handler["DependsOn"]


def settings_variables() -> set[str]:
    """Every OCP_ variable chalicelib/settings.py reads."""
    import re

    from tests.infra.conftest import ROOT

    return set(
        re.findall(
            r'env\.get\(\s*"(OCP_[A-Z0-9_]+)"', (ROOT / "chalicelib" / "settings.py").read_text()
        )
    )


# Settings whose code defaults are the deployed values (tunings), or that come from
# .chalice/config.json's top level (the log level).
DEFAULTED = {
    # fair telephony's caps between enterprises (docs/limits-pacing.md): deployed stages
    # take their defaults, derived from OCP_CONCURRENT_CALLS
    "OCP_ENTERPRISE_CALLS",
    "OCP_ENTERPRISE_WAITING_DIALS",
    "OCP_PACING_BOARD_WAITING",
    "OCP_SESSION_TTL_SECONDS",
    "OCP_SESSION_CACHE_SECONDS",
    "OCP_CLOCK_SKEW_SECONDS",
    "OCP_LOG_LEVEL",
    "OCP_POLLY_VOICE",
    "OCP_PRESIGN_GET_SECONDS",
    "OCP_PRESIGN_POST_SECONDS",
    "OCP_RING_TIMEOUT_SECONDS",
    "OCP_DIAL_HEARTBEAT_SECONDS",
    "OCP_MAX_CALL_SECONDS",
    "OCP_RECORD_TIMEOUT_SECONDS",
    # blast fan-out tunings (OCP_FANOUT_CONCURRENCY is read when chalice packages
    # the app, into the event source's maximum concurrency)
    "OCP_BLAST_BATCH_SIZE",
    "OCP_BLAST_MAX_RECIPIENTS",
    "OCP_FANOUT_CONCURRENCY",
    # the simulated carrier's behaviour, only read when OCP_CARRIER=simulated
    "OCP_SIMULATED_ANSWER_DELAY_SECONDS",
    "OCP_SIMULATED_TALK_SECONDS",
    # timeouts and retries (tests/unit/test_timeouts.py checks the defaults), metrics on
    "OCP_AWS_CONNECT_TIMEOUT_SECONDS",
    "OCP_AWS_READ_TIMEOUT_SECONDS",
    "OCP_AWS_MAX_ATTEMPTS",
    "OCP_EMAIL_DNS_TIMEOUT_SECONDS",
    "OCP_METRICS",
    # the Chime carrier's tunings (calls a second, ring time, media region: the stage's
    # region) and, local only, the fake PSTN's URL
    "OCP_CHIME_CALLS_PER_SECOND",
    "OCP_CHIME_RING_SECONDS",
    "OCP_CHIME_MEDIA_REGION",
    "OCP_CHIME_ENDPOINT_URL",
    # the SIP media application and the account's numbers: set by infra/ with the SIP
    # media application (issue 11, its infrastructure half); until then the Chime carrier
    # refuses to dial (CarrierError) and the simulated one ignores them
    "OCP_CHIME_SMA_ID",
    "OCP_CHIME_NUMBERS",
    # texts' tunings (docs/sms.md: time to live, MaxPrice, the receipt window, a batch's
    # time, the identity's pace, which defaults by its kind) and, local only, the fake's URL
    "OCP_SMS_TIME_TO_LIVE_SECONDS",
    "OCP_SMS_MAX_PRICE",
    "OCP_SMS_UNKNOWN_AFTER_SECONDS",
    "OCP_SMS_BATCH_SECONDS",
    "OCP_SMS_MESSAGES_PER_SECOND",
    "OCP_SMS_ENDPOINT_URL",
    # Idempotency-Key tunings (the lease outlasts the API function's 29 s)
    "OCP_IDEMPOTENCY_TTL_SECONDS",
    "OCP_IDEMPOTENCY_LEASE_SECONDS",
    "OCP_IDEMPOTENCY_WAIT_SECONDS",
    # the carrier account's limits and the pacing tunings: set by infra/ for a real
    # carrier (--calls-per-second, --concurrent-calls; tests/infra/test_twilio.py), the
    # code's defaults otherwise (no pacing with the simulated carrier)
    "OCP_PACING",
    "OCP_CALLS_PER_SECOND",
    "OCP_CONCURRENT_CALLS",
    "OCP_INTERACTIVE_CALLS",
    "OCP_BLAST_DIAL_SECONDS",
    # the twilio carrier's account: set by infra/twilio.py in a --carrier twilio stage
    # (tests/infra/test_twilio.py); the ring time and the secret's cache lifetime are
    # tunings
    "OCP_TWILIO_API_BASE",
    "OCP_TWILIO_ACCOUNT_SID",
    "OCP_TWILIO_SECRET_NAME",
    "OCP_TWILIO_NUMBERS",
    "OCP_TWILIO_SIGNATURE",
    "OCP_TWILIO_MESSAGING_SERVICE_SID",
    "OCP_PUBLIC_BASE_URL",
    "OCP_TWILIO_RING_SECONDS",
    "OCP_CARRIER_SECRET_TTL_SECONDS",
    # status callback tunings; no network is exempt from the public-address rule deployed
    "OCP_CALLBACK_RETRY_SECONDS",
    "OCP_CALLBACK_TIMEOUT_SECONDS",
    "OCP_CALLBACK_ALLOWED_NETWORKS",
    # GET /usage's price table: domain/prices.py's defaults unless an operator sets one
    "OCP_USAGE_PRICES",
    # the operators' pool keys: Cognito's JWKS URL of the pool, derived from its id
    "OCP_COGNITO_JWKS_URL",
    # per-enterprise limits: on everywhere (off only in tests and the bench), and how long
    # a container keeps an enterprise's policy, a tuning
    "OCP_RATE_LIMITS",
    "OCP_TENANT_CACHE_SECONDS",
}


def test_every_function_gets_every_setting_the_code_reads(synth):
    expected = settings_variables() - DEFAULTED
    for function_id, function in functions(synth.template).items():
        variables = function["Properties"]["Environment"]["Variables"]
        set_here = {name for name in variables if name.startswith("OCP_")} - DEFAULTED
        assert set_here == expected, (
            f"{function_id}: settings.py reads {sorted(expected - set_here)} that infra/stack.py "
            f"settings_environment does not set, or infra sets {sorted(set_here - expected)} that "
            f"settings.py does not read (or list it in DEFAULTED with why)"
        )
        assert "AWS_ENDPOINT_URL" not in variables
        assert variables["OCP_STAGE"] == STAGE
        assert variables["OCP_TABLE_PREFIX"] == PREFIX
        assert variables["OCP_EMAIL_DNS_CHECK"] == "1"
        assert variables["OCP_DIAL_QUEUE_NAME"] == f"{PREFIX}dial"


def test_settings_name_the_resources_of_the_stack(synth):
    template = synth.template
    variables = functions(template)["APIHandler"]["Properties"]["Environment"]["Variables"]
    key_id = next(iter(resources(template, "AWS::KMS::Key")))
    dial_id, _ = queue(template, f"{PREFIX}dial")
    machine_id, _ = state_machine(template)
    assert variables["OCP_SECRETS_KEY_ID"] == get_att(key_id)
    assert variables["OCP_DIAL_QUEUE_URL"] == {"Ref": dial_id}
    assert variables["OCP_STATE_MACHINE_ARN"] == {"Ref": machine_id}
    assert variables["OCP_AUDIO_BUCKET"] == {"Ref": audio_bucket(template)[0]}
    assert variables["OCP_SCHEDULE_GROUP"] == f"ocp-{STAGE}"
    assert variables["OCP_STATE_MACHINE_NAME"] == f"{PREFIX}call"
    assert variables["OCP_FIRE_TARGET_ARN"] == {
        "Fn::Join": [
            "",
            [
                "arn:",
                {"Ref": "AWS::Partition"},
                ":lambda:",
                {"Ref": "AWS::Region"},
                ":",
                {"Ref": "AWS::AccountId"},
                f":function:{PREFIX}fire",
            ],
        ]
    }
    assert functions(template)["Fire"]["Properties"]["FunctionName"] == f"{PREFIX}fire"


def test_generated_stages_are_not_committed():
    from tests.infra.conftest import ROOT

    config = json.loads((ROOT / ".chalice" / "config.json").read_text())
    assert config["autogen_policy"] is False
    # The hand-written stages; infra generates `ocp-{stage}` into the packaged copy only.
    assert set(config["stages"]) <= {"local", "test", "dev", "prod"}


# -- API Gateway ------------------------------------------------------------------------


def rest_api(template):
    return resources(template, "AWS::Serverless::Api")["RestAPI"]


def test_the_stage_is_throttled_traced_and_access_logged(synth):
    properties = rest_api(synth.template)["Properties"]
    settings = properties["MethodSettings"]
    assert settings[0]["ResourcePath"] == "/*" and settings[0]["HttpMethod"] == "*"
    assert settings[0]["ThrottlingRateLimit"] > 0 and settings[0]["ThrottlingBurstLimit"] > 0
    assert settings[0]["DataTraceEnabled"] is False
    assert properties["TracingEnabled"] is True
    log_id, _ = one(
        synth.template, "AWS::Logs::LogGroup", LogGroupName=f"/aws/apigateway/ocp-{STAGE}/access"
    )
    assert properties["AccessLogSetting"]["DestinationArn"] == get_att(log_id)
    fields = json.loads(properties["AccessLogSetting"]["Format"])
    assert fields["requestId"] == "$context.requestId"


def test_api_gateway_may_write_its_logs(synth):
    accounts = resources(synth.template, "AWS::ApiGateway::Account")
    assert len(accounts) == 1
    account_id = next(iter(accounts))
    assert account_id in listed(rest_api(synth.template)["DependsOn"])


def test_api_gateway_errors_answer_in_the_ocp_xml_shape(synth):
    responses = rest_api(synth.template)["Properties"]["DefinitionBody"][
        "x-amazon-apigateway-gateway-responses"
    ]
    assert set(responses) >= {
        "MISSING_AUTHENTICATION_TOKEN",
        "THROTTLED",
        "DEFAULT_4XX",
        "DEFAULT_5XX",
    }
    for kind, response in responses.items():
        assert response["responseParameters"]["gatewayresponse.header.Content-Type"].startswith(
            "'text/xml"
        )
        body = response["responseTemplates"]["application/json"]
        assert body.startswith('<?xml version="1.0" ?>')
        errors = ElementTree.fromstring(body).findall("errors/error")
        assert len(errors) == 1 and errors[0].findtext("code").isdigit(), kind
    assert responses["MISSING_AUTHENTICATION_TOKEN"]["statusCode"] == "404"
    assert responses["THROTTLED"]["statusCode"] == "429"


# -- alarms -------------------------------------------------------------------------------


def alarms(template):
    return list(resources(template, "AWS::CloudWatch::Alarm").values())


def test_every_dead_letter_queue_has_a_depth_alarm(synth):
    watched = {
        a["Properties"]["Dimensions"][0]["Value"]["Fn::GetAtt"][0]
        for a in alarms(synth.template)
        if a["Properties"].get("MetricName") == "ApproximateNumberOfMessagesVisible"
    }
    dlqs = {
        queue(synth.template, f"{PREFIX}{name}")[0]
        for name in (
            "dial-dlq",
            "fanout-dlq",
            "scheduler-dlq",
            "callbacks-dlq.fifo",
            "streams-dlq",
        )
    }
    assert watched == dlqs


def test_failed_executions_and_5xx_rates_raise_alarms(synth):
    machine_id, _ = state_machine(synth.template)
    by_metric = {}
    for alarm in alarms(synth.template):
        by_metric.setdefault(alarm["Properties"]["MetricName"], []).append(alarm["Properties"])
    failed = by_metric["ExecutionsFailed"]
    assert [a["Dimensions"][0]["Value"] for a in failed] == [{"Ref": machine_id}]
    [server_errors] = by_metric["5XXError"]
    assert {d["Name"]: d["Value"] for d in server_errors["Dimensions"]} == {
        "ApiName": f"ocp-{STAGE}",
        "Stage": "api",
    }
    assert (
        rest_api(synth.template)["Properties"]["DefinitionBody"]["info"]["title"] == f"ocp-{STAGE}"
    )


def test_alarms_notify_the_alarm_topic(synth):
    topic_id, _ = one(synth.template, "AWS::SNS::Topic", TopicName=f"{PREFIX}alarms")
    for alarm in alarms(synth.template):
        assert alarm["Properties"]["AlarmActions"] == [{"Ref": topic_id}]
    _, subscription = one(synth.template, "AWS::SNS::Subscription", Endpoint=ALARM_EMAIL)
    assert subscription["Properties"]["TopicArn"] == {"Ref": topic_id}


def test_failed_sign_ins_raise_an_alarm(synth):
    from infra.monitoring import FAILED_SIGN_INS

    (alarm,) = [
        a["Properties"]
        for a in alarms(synth.template)
        if a["Properties"].get("MetricName") == "FailedSignIns"
    ]
    assert alarm["Namespace"] == "OCP"
    assert alarm["Dimensions"] == [{"Name": "Stage", "Value": STAGE}]
    assert (alarm["Statistic"], alarm["Period"]) == ("Sum", 300)
    assert alarm["Threshold"] == FAILED_SIGN_INS


def test_quotas_are_a_table_whose_items_expire(synth):
    _, table = one(synth.template, "AWS::DynamoDB::Table", TableName=f"{PREFIX}Quotas")
    assert table["Properties"]["TimeToLiveSpecification"] == {
        "AttributeName": "expires",
        "Enabled": True,
    }
