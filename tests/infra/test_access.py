"""Each function's IAM plan names its own resources (no synthesis)."""

from __future__ import annotations

import pytest

from infra.access import (
    ALL_TABLES,
    ANY,
    CONSUME_ACTIONS,
    SPEECH_PREFIX,
    TABLE_ACTIONS,
    TASK_REPORT_ACTIONS,
    UPLOADS_PREFIX,
    Function,
    Ref,
    Stage,
    Statement,
    app_functions,
    plan,
)

STAGE = Stage(
    tables={
        "Users": False,
        "Uniques": False,
        "Groups": True,
        "Calls": True,
        "Accounts": False,
        "Blasts": True,
        "Counters": False,
        "Conferences": False,
        "Enterprises": False,
        "Quotas": False,
        "Compliance": False,
        "Usage": True,
        "Alerts": False,
    },
    workflows=frozenset({"call"}),
    queues={
        "dial": "ocp-dev-dial",
        "fanout": "ocp-dev-fanout",
        "callbacks": "ocp-dev-callbacks.fifo",
    },
)


def granted(statements: list[Statement]) -> dict[str, set[Ref]]:
    out: dict[str, set[Ref]] = {}
    for statement in statements:
        if not statement.deny:
            for action in statement.actions:
                out.setdefault(action, set()).update(statement.resources)
    return out


def test_the_api_handler_gets_every_table_with_its_indexes_and_no_event_work():
    actions = granted(plan(Function("api_handler", None), STAGE))
    # enterprises it only reads (the operator's admin commands make and change them)
    written = {Ref("table", n) for n in STAGE.tables if n != "Enterprises"}
    for action in ("dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"):
        assert actions[action] == written
    assert actions["dynamodb:GetItem"] == {Ref("table", n) for n in STAGE.tables}
    assert actions["dynamodb:Query"] == written | {
        Ref("table-indexes", "Groups"),
        Ref("table-indexes", "Calls"),
        Ref("table-indexes", "Blasts"),
        Ref("table-indexes", "Usage"),
    }
    assert actions["kms:Decrypt"] == {Ref("secrets-key")}
    assert "kms:Encrypt" not in actions  # it makes no secret
    # presigned uploads are tagged unclaimed, and untagged when claimed
    assert (
        actions["s3:PutObjectTagging"]
        == actions["s3:DeleteObjectTagging"]
        == {Ref("objects", UPLOADS_PREFIX)}
    )
    assert actions["s3:PutObject"] == {
        Ref("objects", UPLOADS_PREFIX),
        Ref("objects", SPEECH_PREFIX),
    }
    # HEAD on a missing key answers 404 only with ListBucket (media/storage.py exists())
    assert actions["s3:ListBucket"] == {Ref("bucket")}
    assert actions["states:StartExecution"] == {Ref("state-machine", "call")}
    assert actions["states:StopExecution"] == {Ref("executions", "call")}
    # status events are the `events` function's, from the tables' streams
    assert actions["sqs:SendMessage"] == {Ref("queue", "fanout")}
    assert actions["iam:PassRole"] == {Ref("scheduler-role")}
    assert actions["logs:PutLogEvents"] == {Ref("log-group", "api_handler")}
    for action in (*TASK_REPORT_ACTIONS, "sns:Publish", "sqs:ReceiveMessage"):
        assert action not in actions


def test_the_dialer_consumes_its_queue_and_reports_task_outcomes():
    actions = granted(plan(Function("dialer", "ocp-dev-dial"), STAGE))
    for action in CONSUME_ACTIONS:
        assert actions[action] == {Ref("queue", "dial")}
    for action in TASK_REPORT_ACTIONS:
        assert actions[action] == {ANY}
    # Quotas: an ended call's billed minutes count towards its enterprise's day
    assert actions["dynamodb:UpdateItem"] == {
        Ref("table", name) for name in ("Calls", "Accounts", "Conferences", "Quotas", "Alerts")
    }
    # what follows from its writes (events, blast counts) is the `events` function's
    assert "sqs:SendMessage" not in actions
    assert "kms:Decrypt" not in actions and "s3:PutObject" not in actions
    assert "states:StartExecution" not in actions


def test_the_events_function_reads_the_streams_and_queues_events_and_nothing_else():
    actions = granted(plan(Function("events", None), STAGE))
    streamed = {Ref("table-stream", n) for n in ("Calls", "Conferences", "Blasts")}
    for action in ("dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:DescribeStream"):
        assert actions[action] == streamed
    assert actions["sqs:SendMessage"] == {
        Ref("queue", "callbacks"),
        Ref("dead-letter-queue", "streams"),
    }
    assert actions["dynamodb:UpdateItem"] == {
        Ref("table", n) for n in ("Calls", "Blasts", "Conferences", "Accounts", "Usage", "Alerts")
    }
    for action in (*CONSUME_ACTIONS, *TASK_REPORT_ACTIONS, "kms:Decrypt", "states:StartExecution"):
        assert action not in actions


def test_the_callbacks_consumer_reads_signing_secrets_and_nothing_else():
    actions = granted(plan(Function("callbacks", "ocp-dev-callbacks.fifo"), STAGE))
    for action in CONSUME_ACTIONS:
        assert actions[action] == {Ref("queue", "callbacks")}
    assert actions["dynamodb:GetItem"] == {Ref("table", "Enterprises"), Ref("table", "Alerts")}
    assert actions["kms:Decrypt"] == {Ref("secrets-key")}
    assert "sqs:SendMessage" not in actions and "s3:GetObject" not in actions


def test_texts_go_only_from_the_stages_identity_through_its_configuration_set():
    # SNS Publish(PhoneNumber=...) is gone (issue 21): End User Messaging's SendTextMessage,
    # on the origination identity, the configuration set and the opt-out list only.
    statements = plan(Function("blastfanout", "ocp-dev-fanout"), STAGE)
    actions = granted(statements)
    assert actions["sms-voice:SendTextMessage"] == {
        Ref("sms-identity"),
        Ref("sms-configuration-set"),
        Ref("sms-opt-out-list"),
    }
    assert not any(a.startswith("sns:") for a in actions)
    assert actions["polly:SynthesizeSpeech"] == {ANY}
    # It reads the enterprise's countries (spend guards), and never writes the enterprise.
    assert Ref("table", "Enterprises") in actions["dynamodb:GetItem"]
    assert Ref("table", "Enterprises") not in actions["dynamodb:UpdateItem"]


def test_the_receipts_consumer_writes_recipients_only():
    # Its recipients' status events and their count on the Blast come from the Calls
    # stream (the `events` function), not from it.
    actions = granted(plan(Function("smsreceipts", None), STAGE))
    assert actions["dynamodb:UpdateItem"] == {Ref("table", "Calls")}
    assert "sqs:SendMessage" not in actions
    assert "sms-voice:SendTextMessage" not in actions


def kms_statement(function: Function) -> Statement:
    [kms] = [s for s in plan(function, STAGE) if s.actions[0].startswith("kms:")]
    return kms


def test_the_secrets_key_only_with_an_enterprise_context():
    kms = kms_statement(Function("api_handler", None))
    assert kms.conditions["ForAllValues:StringEquals"] == {"kms:EncryptionContextKeys": ["eid"]}


def test_the_api_decrypts_login_secrets_only_and_callbacks_signing_secrets_only():
    # store/secrets.py: a login secret's context is {"eid": "7"}, a signing secret's
    # {"eid": "7:signing"}
    api = kms_statement(Function("api_handler", None))
    assert api.actions == ("kms:Decrypt",)
    assert api.conditions["StringNotLike"] == {"kms:EncryptionContext:eid": "*:*"}
    callbacks = kms_statement(Function("callbacks", "ocp-dev-callbacks.fifo"))
    # it makes an enterprise's first signing secret
    assert callbacks.actions == ("kms:Encrypt", "kms:Decrypt")
    assert callbacks.conditions["StringLike"] == {"kms:EncryptionContext:eid": "*:signing"}
    assert "StringNotLike" not in callbacks.conditions


def test_a_kms_grant_names_its_kind_of_secret():
    from infra import access

    access.FUNCTIONS["nokind"] = access.Access(decrypt_secrets=True)
    try:
        with pytest.raises(ValueError, match="secrets_kind"):
            plan(Function("nokind", None), STAGE)
    finally:
        del access.FUNCTIONS["nokind"]


def test_a_table_named_among_every_table_and_read_only_is_only_read():
    from infra import access

    access.FUNCTIONS["reader"] = access.Access(tables=ALL_TABLES, read_tables=("Users",))
    try:
        statements = plan(Function("reader", None), STAGE)
    finally:
        del access.FUNCTIONS["reader"]
    users = [s for s in statements if Ref("table", "Users") in s.resources]
    assert [s.actions for s in users] == [("dynamodb:GetItem",)]


def test_a_workflow_not_yet_defined_is_not_granted():
    stage = Stage(tables=STAGE.tables, workflows=frozenset(), queues=STAGE.queues)
    actions = granted(plan(Function("api_handler", None), stage))
    assert not [a for a in actions if a.startswith("states:")]


def test_a_table_no_model_has_is_an_error():
    stage = Stage(tables={"Users": False}, workflows=frozenset(), queues=STAGE.queues)
    with pytest.raises(
        ValueError, match=r"names tables \['Calls', 'Accounts', 'Conferences', 'Quotas'"
    ):
        plan(Function("dialer", "ocp-dev-dial"), stage)


def test_a_queue_of_another_stage_is_an_error():
    with pytest.raises(ValueError, match="not one of this stage's queues"):
        plan(Function("dialer", "ocp-prod-dial"), STAGE)


def test_a_function_with_no_entry_is_an_error():
    with pytest.raises(ValueError, match=r"no entry in infra/access\.py"):
        plan(Function("surprise", None), STAGE)


def test_every_table_action_is_an_item_action():
    assert all(a.split(":")[1] not in ("Scan", "DeleteTable", "CreateTable") for a in TABLE_ACTIONS)


def test_the_app_s_functions_are_found_and_each_has_an_entry():
    from chalice import Chalice

    from app import app

    assert "api_handler" in app_functions(app)
    # An SQS handler names its queue; infra reads it for the event source's permissions
    demo = Chalice(app_name="demo")

    @demo.on_sqs_message(queue="ocp-dev-dial")
    def dialer(event):  # pragma: no cover - never invoked
        return None

    assert app_functions(demo) == {"dialer": Function("dialer", "ocp-dev-dial")}
    assert Function("dialer", None).logical_id == "Dialer"
    assert Function("api_handler", None).logical_id == "APIHandler"


def test_an_event_handler_infra_does_not_wire_is_an_error():
    from chalice import Chalice

    demo = Chalice(app_name="demo")

    @demo.schedule("rate(1 minute)")
    def tick(event):  # pragma: no cover - never invoked
        return None

    with pytest.raises(ValueError, match="not wired by infra"):
        app_functions(demo)
