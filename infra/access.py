"""What each Lambda function of the Chalice app may touch, by name.

`.chalice/config.json` has `autogen_policy: false`: chalice writes no policy.
Each function gets its own role, built from its entry in FUNCTIONS: `plan()`
turns an entry into IAM statements over symbolic resources (`Ref`), which
infra/stack.py resolves to this stage's ARNs. A function in app.py without an
entry here stops synthesis: add one when you add `@app.on_sqs_message` or
`@app.lambda_function`. The entries for functions that do not exist yet are
the design's plan (DESIGN.md "Work after the response") and cost nothing until
the function appears.

An SQS event handler also gets receive/delete on the queue its decorator names,
read from the app: no entry needed for that.

Nothing here imports the CDK: the plan is plain data, unit-tested as such.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from chalicelib.media.storage import SPEECH, UPLOADS, WAV

ALL_TABLES = ("*all*",)
# The function the chime carrier's SIP media application invokes
# (app.lambda_function(name="sma"); infra/chime.py).
CHIME_HANDLER = "sma"
# Audio bucket key prefixes (chalicelib/media/storage.py).
UPLOADS_PREFIX = f"{UPLOADS}/"
SPEECH_PREFIX = f"{SPEECH}/"
WAV_PREFIX = f"{WAV}/"


@dataclass(frozen=True)
class Access:
    # Tables by model name ("Users"); ALL_TABLES for every table of ALL_MODELS.
    tables: tuple[str, ...] = ()
    # Tables only read, item by item (GetItem, also inside TransactGetItems): the
    # Enterprises item's policy, which the spend guards read (chalicelib/workflows/spend.py),
    # and sign-in's secret. Named in `tables` too (ALL_TABLES), a table here is read only.
    read_tables: tuple[str, ...] = ()
    # KMS on the enterprise-secrets key, for one kind of secret (SECRET_KINDS: the
    # encryption context store/secrets.py binds each kind's ciphertexts to).
    encrypt_secrets: bool = False
    decrypt_secrets: bool = False
    secrets_kind: str = ""
    # Audio bucket key prefixes: read (GetObject, and ListBucket so that a missing key
    # is a 404, not a 403: storage.exists() relies on it) and write (PutObject, DeleteObject).
    read_audio: tuple[str, ...] = ()
    write_audio: tuple[str, ...] = ()
    polly: bool = False
    # Sends texts (docs/sms.md): in a stage texting through End User Messaging,
    # SendTextMessage from the stage's origination identity, through its configuration
    # set (and the identity's opt-out list); in one texting through Twilio Messages, the
    # carrier secret (`carrier-secret`), as `text_hooks` below.
    sms: bool = False
    # Checks the signatures of Twilio's text status callbacks (/twilio-sms/*): the carrier
    # secret, in a stage texting through Twilio Messages.
    text_hooks: bool = False
    # Start, describe and stop executions of the named state machines ("call").
    start_workflows: tuple[str, ...] = ()
    # SendTaskSuccess/Failure/Heartbeat: report a dial outcome with its task token.
    report_tasks: bool = False
    # SendMessage to these queues: "dial", "fanout", "callbacks".
    send_to: tuple[str, ...] = ()
    # The tables whose streams this function consumes (infra/stack.py maps each to it):
    # read them, and put what fails past the mapping's retries on the stage's streams
    # dead-letter queue (its on-failure destination).
    streams: tuple[str, ...] = ()
    # Create, update and delete schedules in the stage's group (and pass the scheduler
    # role to EventBridge Scheduler). Reading them (schedule.pending) is the local
    # worker's and `admin watch`'s, with their own credentials.
    schedules: bool = False
    # EventBridge Scheduler may invoke this function as a schedule's target.
    scheduler_target: bool = False
    # Amazon Chime SDK operations, by their API names, granted only in a stage synthesised
    # with the chime carrier (infra/chime.py): chime-sdk-voice operations on the stage's
    # SIP media application ("CreateSipMediaApplicationCall"), chime-sdk-meetings
    # operations on meetings ("CreateMeeting"). IAM names both `chime:{operation}`.
    sma_operations: tuple[str, ...] = ()
    meeting_operations: tuple[str, ...] = ()
    # Also with the chime carrier only: make the WAV it plays (read and write WAV_PREFIX,
    # and synthesise speech as PCM for it).
    chime_wav: bool = False
    # With a real carrier only (chime, twilio: calls are paced, workflows/pacing.py):
    # these tables (the account's pacing board lives on Counters, store/pacing.py).
    chime_tables: tuple[str, ...] = ()
    # With the twilio carrier only: read its one secret, the auth token
    # (secretsmanager:GetSecretValue on OCP_TWILIO_SECRET_NAME, docs/twilio-deploy.md).
    carrier_secret: bool = False
    # Also with the twilio carrier only: its webhooks (routes.webhook, in this function)
    # report dial outcomes with their task tokens (SendTaskSuccess/Failure/Heartbeat).
    carrier_hooks: bool = False
    # Also with the twilio carrier only: speak announcements and prompts as the mp3 it
    # plays (synthesise speech, read and write SPEECH_PREFIX).
    carrier_speech: bool = False
    timeout_seconds: int = 60
    memory_mb: int = 256


# The kinds of enterprise secret (chalicelib/store/secrets.py): each is encrypted with the
# encryption context {"eid": "7"} (the login secret) or {"eid": "7:signing"} (a status
# callbacks signing secret), so a grant names the one kind a function may use.
LOGIN = "login"
SIGNING = "signing"
SECRET_KINDS = {
    LOGIN: {"StringNotLike": {"kms:EncryptionContext:eid": "*:*"}},
    SIGNING: {"StringLike": {"kms:EncryptionContext:eid": f"*:{SIGNING}"}},
}

FUNCTIONS: dict[str, Access] = {
    # Every route. API Gateway gives up on an integration after 29 s; the function stops
    # a second before (its log then says so), and one stalled AWS call gives up long before
    # that (settings.aws_call_budget_seconds, tests/unit/test_timeouts.py).
    # It reads enterprises (sign-in: the login secret, decrypted) and never writes them:
    # enterprises are made, rotated and suspended by the operator's admin commands.
    "api_handler": Access(
        tables=ALL_TABLES,
        read_tables=("Enterprises",),
        decrypt_secrets=True,
        secrets_kind=LOGIN,
        read_audio=(UPLOADS_PREFIX, SPEECH_PREFIX),
        write_audio=(UPLOADS_PREFIX, SPEECH_PREFIX),
        polly=True,
        start_workflows=("call",),
        send_to=("fanout",),
        schedules=True,
        # the /twilio/* webhooks check each request's signature with the auth token,
        # report dial outcomes with their task tokens and redirect or end calls (REST)
        carrier_secret=True,
        text_hooks=True,  # /twilio-sms/*
        carrier_hooks=True,
        timeout_seconds=28,
        memory_mb=512,
    ),
    # The dial-queue consumer (workflows/dialer.py): writes the Calls item, adds billed
    # minutes to Accounts in the same transaction, reports with the task token. Ending a
    # conference leg counts it on its Conference in that transaction (what follows from
    # its writes, events, counts and closing, is the `events` function's). With the chime
    # carrier it dials (a call per number rung), pushes actions into a live call (bridge,
    # hang up) and speaks announcements as WAV; conference rooms are the sma function's.
    "dialer": Access(
        # Quotas: an ended call's billed minutes count towards its enterprise's day;
        # Alerts: a carrier that refused a dial (store/alerts.py)
        tables=("Calls", "Accounts", "Conferences", "Quotas", "Alerts"),
        chime_tables=("Counters",),
        report_tasks=True,
        chime_wav=True,
        sma_operations=("CreateSipMediaApplicationCall", "UpdateSipMediaApplicationCall"),
        carrier_secret=True,  # Twilio's REST API: create, redirect and end calls
        carrier_speech=True,  # the dial's announcement and prompts, as mp3 in speech/
        timeout_seconds=60,
    ),
    # The SIP media application's handler (chime carrier only): answers each call event
    # with actions within the service's 5 s, reports dial outcomes with their task tokens,
    # hangs up the losers of a try-all race, joins conference legs to their meeting.
    # Its state lives on Calls (races, the watch) and Conferences (the room's meeting),
    # store.rendezvous; the room's meeting is made when its first leg joins (and ended by
    # `fire` when the reservation closes).
    "sma": Access(
        # Compliance: a recipient who pressed its blast's opt-out digit (issue 27)
        tables=("Calls", "Conferences", "Compliance"),
        chime_tables=("Counters",),  # a leg's outcome frees or keeps its pacing slot
        report_tasks=True,
        sma_operations=("UpdateSipMediaApplicationCall",),
        meeting_operations=("CreateMeeting", "CreateAttendee"),
        timeout_seconds=5,
        memory_mb=1024,  # more memory is more CPU: a faster cold start inside the 5 s
    ),
    # What a fired schedule does (workflows/fire.py): start an autoconference (resolve
    # its destinations, create its calls, start dialing), close a conference whose
    # reservation ended (charging its moderator), or queue a blast's start on the fan-out
    # queue (blastfanout starts it: speech, audio and pacing need its grants, not these).
    "fire": Access(
        tables=(
            "Users",
            "Uniques",
            "Groups",
            "Calls",
            "Counters",
            "Accounts",
            "Conferences",
            "Blasts",
            "Alerts",  # work that failed to fire
        ),
        # an autoconference rings only numbers in its enterprise's countries
        read_tables=("Enterprises",),
        start_workflows=("call",),
        send_to=("fanout",),
        scheduler_target=True,
        # a conference whose reservation ended: its room (a Chime SDK meeting, a Twilio
        # conference through the REST API) ends too
        meeting_operations=("DeleteMeeting",),
        carrier_secret=True,
        timeout_seconds=60,
    ),
    # Blast fan-out (workflows/fanout.py, `blastfanout`): recipients in batches, one dial
    # execution each; voice text synthesised, or uploaded audio transcoded to WAV for the
    # chime carrier, once per blast; SMS through End User Messaging, paced on Counters,
    # and the blast's receipt window as a schedule (smsreceipts-{blastId}).
    "blastfanout": Access(
        # Compliance: the do-not-call list, settings and daily counts (issue 27)
        # Usage: the text-to-speech characters of a blast; Alerts: SMS throttling that lasted
        tables=(
            "Users",
            "Uniques",
            "Groups",
            "Blasts",
            "Calls",
            "Counters",
            "Accounts",
            "Compliance",
            "Usage",
            "Alerts",
        ),
        # a recipient is reached only on numbers in its enterprise's countries
        read_tables=("Enterprises",),
        read_audio=(UPLOADS_PREFIX, SPEECH_PREFIX),
        write_audio=(SPEECH_PREFIX,),
        chime_wav=True,
        polly=True,
        sms=True,
        start_workflows=("call",),
        send_to=("fanout",),
        schedules=True,
        timeout_seconds=300,
    ),
    # End User Messaging's delivery events, through the configuration set's SNS topic
    # (workflows/texting.py): a text's result, and its recipient's end (`calls.finish`);
    # the status event and the count on its Blast follow from the Calls stream (`events`).
    "smsreceipts": Access(
        tables=("Calls",),
        timeout_seconds=30,
    ),
    # Committed changes (chalicelib/events/stream.py, `events`): reads the streams of
    # Calls, Conferences and Blasts, queues the status events they make, counts an
    # ended blast recipient on its Blast (marking its Calls item counted), and closes a
    # conference whose last leg ended, charging its moderator (reading its legs' Calls);
    # counts what each change billed on Usage (and a recipient's outcome on its Blast),
    # and raises an alert for a text refused.
    "events": Access(
        tables=("Calls", "Blasts", "Conferences", "Accounts", "Usage", "Alerts"),
        send_to=("callbacks",),
        streams=("Calls", "Conferences", "Blasts"),
        timeout_seconds=60,
    ),
    # Status callbacks (chalicelib/events/delivery.py): reads the enterprise's signing
    # secrets (and makes the first of an enterprise older than callbacks), POSTs with
    # short timeouts. One delivery attempt per invocation.
    "callbacks": Access(
        tables=("Enterprises", "Alerts"),  # Alerts: a delivery that failed or gave up
        encrypt_secrets=True,
        decrypt_secrets=True,
        secrets_kind=SIGNING,
        timeout_seconds=30,
    ),
}

TABLE_ACTIONS = (
    "dynamodb:GetItem",
    "dynamodb:BatchGetItem",
    "dynamodb:Query",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:BatchWriteItem",
    "dynamodb:ConditionCheckItem",
)
STREAM_ACTIONS = (
    "dynamodb:DescribeStream",
    "dynamodb:GetRecords",
    "dynamodb:GetShardIterator",
    "dynamodb:ListStreams",
)
# The dead-letter queue of what the stream consumers could not handle (infra/stack.py).
STREAMS_DLQ = "streams"
CONSUME_ACTIONS = (
    "sqs:ReceiveMessage",
    "sqs:DeleteMessage",
    "sqs:GetQueueAttributes",
    "sqs:ChangeMessageVisibility",
)
SCHEDULE_ACTIONS = (
    "scheduler:CreateSchedule",
    "scheduler:UpdateSchedule",
    "scheduler:DeleteSchedule",
)
# The API each Access field's operations belong to (botocore service names).
CHIME_SERVICES = {"sma_operations": "chime-sdk-voice", "meeting_operations": "chime-sdk-meetings"}
TASK_REPORT_ACTIONS = (
    "states:SendTaskSuccess",
    "states:SendTaskFailure",
    "states:SendTaskHeartbeat",
)


@dataclass(frozen=True)
class Function:
    """A Lambda function of the Chalice app."""

    name: str  # chalice's: "api_handler", "dialer"
    consumes: str | None  # the SQS queue name its decorator names

    @property
    def logical_id(self) -> str:
        """Its resource in the SAM template `chalice package` writes."""
        if self.name == "api_handler":
            return "APIHandler"
        from chalice.utils import to_cfn_resource_name

        return to_cfn_resource_name(self.name)

    @property
    def access(self) -> Access:
        try:
            return FUNCTIONS[self.name]
        except KeyError:
            raise ValueError(
                f"Lambda function {self.name!r} has no entry in infra/access.py "
                f"FUNCTIONS: say what it may touch there"
            ) from None


@dataclass(frozen=True)
class Ref:
    """A resource of the stage, by kind and name; infra/stack.py knows its ARN.

    kinds: table, table-indexes, table-stream, secrets-key, bucket, objects (a key
    prefix), queue (a label: dial, fanout, callbacks), dead-letter-queue (a label:
    streams), log-group (a function), state-machine, executions (a workflow stem),
    schedules, scheduler-role, any-topic, sms-identity, sms-configuration-set,
    sms-opt-out-list (End User Messaging), sip-media-application (the stage's), meetings
    (the account's Chime SDK meetings in the stage's region), carrier-secret (the twilio
    carrier's auth token in Secrets Manager), and "*" for actions that take no resource.
    """

    kind: str
    name: str = ""


ANY = Ref("*")


@dataclass(frozen=True)
class Statement:
    actions: tuple[str, ...]
    resources: tuple[Ref, ...]
    deny: bool = False
    conditions: dict[str, Any] | None = field(default=None, compare=True, hash=False)

    @property
    def chime(self) -> bool:
        """On the carrier's resources (infra/chime.py puts these in a policy of their own)."""
        return any(r.kind in ("sip-media-application", "meetings") for r in self.resources)


@dataclass(frozen=True)
class Stage:
    """What `plan` needs to know of the stage's resources."""

    tables: dict[str, bool]  # table name -> has secondary indexes
    workflows: frozenset[str]  # state machine stems
    queues: dict[str, str]  # label -> queue name
    chime: bool = False  # the stage has a SIP media application (infra/chime.py)
    twilio: bool = False  # the stage calls through a Twilio-compatible carrier (infra/twilio.py)
    # The texts' adapter (infra/stage.py MESSAGING): eum, twilio or simulated.
    messaging: str = "eum"

    @property
    def paced(self) -> bool:
        """New calls are paced on the account's limits (a real carrier)."""
        return self.chime or self.twilio


def app_functions(chalice_app: Any) -> dict[str, Function]:
    """The Lambda functions `chalice package` will make of the app."""
    from chalice.app import SNSEventConfig, SQSEventConfig

    found: dict[str, Function] = {}
    if chalice_app.routes:
        found["api_handler"] = Function("api_handler", None)
    for source in chalice_app.event_sources:
        if isinstance(source, SNSEventConfig):
            # Its topic is the stack's (infra/stack.py `_sms`), subscribed by chalice.
            found[source.name] = Function(source.name, None)
            continue
        if not isinstance(source, SQSEventConfig):
            raise ValueError(
                f"{source.name}: {type(source).__name__} handlers are not wired by "
                f"infra/ yet (infra/access.py app_functions)"
            )
        if not source.queue:
            raise ValueError(
                f"{source.name}: name the queue, on_sqs_message(queue="
                f"settings.get().dial_queue_name), not its ARN"
            )
        found[source.name] = Function(source.name, source.queue)
    for function in chalice_app.pure_lambda_functions:
        found[function.name] = Function(function.name, None)
    if chalice_app.websocket_handlers or chalice_app.builtin_auth_handlers:
        raise ValueError("websocket and authorizer handlers are not wired by infra/ yet")
    for function in found.values():
        function.access  # noqa: B018 - fails early for a function with no entry
    return found


def plan(function: Function, stage: Stage) -> list[Statement]:
    """One function's IAM statements: its log group, tracing, its queue, then
    its Access entry. Only workflows that exist are granted (a state machine
    appears with its ASL file); every table named must exist."""
    grant = function.access
    statements = [
        Statement(
            ("logs:CreateLogStream", "logs:PutLogEvents"), (Ref("log-group", function.name),)
        ),
        # X-Ray's API has no resources to name.
        Statement(("xray:PutTraceSegments", "xray:PutTelemetryRecords"), (ANY,)),
    ]
    if function.consumes:
        labels = [label for label, name in stage.queues.items() if name == function.consumes]
        if not labels:
            raise ValueError(
                f"{function.name} consumes {function.consumes!r}, which is not one of "
                f"this stage's queues {sorted(stage.queues.values())}"
            )
        statements.append(Statement(CONSUME_ACTIONS, (Ref("queue", labels[0]),)))
    extra = [t for t in grant.chime_tables if t not in grant.tables] if stage.paced else []
    if grant.tables or extra:
        names = sorted(stage.tables) if grant.tables == ALL_TABLES else list(grant.tables)
        names += [t for t in extra if t not in names]
        missing = [n for n in names if n not in stage.tables]
        if missing:
            raise ValueError(
                f"{function.name}: infra/access.py names tables {missing} that no "
                f"model in ALL_MODELS has (tables: {sorted(stage.tables)})"
            )
        names = [n for n in names if n not in grant.read_tables]  # those it only reads
        if names:
            statements.append(Statement(TABLE_ACTIONS, tuple(Ref("table", n) for n in names)))
        indexed = [n for n in names if stage.tables[n]]
        if indexed:
            # An index is only ever queried.
            statements.append(
                Statement(("dynamodb:Query",), tuple(Ref("table-indexes", n) for n in indexed))
            )
    read_only = list(grant.read_tables)
    if read_only:
        missing = [n for n in read_only if n not in stage.tables]
        if missing:
            raise ValueError(f"{function.name}: infra/access.py names unknown tables {missing}")
        statements.append(
            Statement(("dynamodb:GetItem",), tuple(Ref("table", n) for n in read_only))
        )
    kms_actions = (("kms:Encrypt",) if grant.encrypt_secrets else ()) + (
        ("kms:Decrypt",) if grant.decrypt_secrets else ()
    )
    if kms_actions:
        if grant.secrets_kind not in SECRET_KINDS:
            raise ValueError(
                f"{function.name}: secrets_kind {grant.secrets_kind!r}, one of "
                f"{sorted(SECRET_KINDS)}: the one kind of secret it may use"
            )
        # Every secret is bound to its enterprise (store/secrets.py): no other use; and
        # to its kind, so a function decrypts (or makes) only the kind it needs.
        statements.append(
            Statement(
                kms_actions,
                (Ref("secrets-key"),),
                conditions={
                    "ForAllValues:StringEquals": {"kms:EncryptionContextKeys": ["eid"]},
                    "Null": {"kms:EncryptionContextKeys": "false"},
                    **SECRET_KINDS[grant.secrets_kind],
                },
            )
        )
    if grant.read_audio:
        statements.append(
            Statement(("s3:GetObject",), tuple(Ref("objects", p) for p in grant.read_audio))
        )
        statements.append(Statement(("s3:ListBucket",), (Ref("bucket"),)))
    if grant.write_audio:
        statements.append(
            Statement(
                ("s3:PutObject", "s3:DeleteObject"),
                tuple(Ref("objects", p) for p in grant.write_audio),
            )
        )
    if UPLOADS_PREFIX in grant.write_audio:
        # Presigned POSTs tag an upload unclaimed (the form's signer needs PutObjectTagging);
        # claiming it removes the tag (media/storage.py, the bucket's lifecycle rule).
        statements.append(
            Statement(
                ("s3:PutObjectTagging", "s3:DeleteObjectTagging"),
                (Ref("objects", UPLOADS_PREFIX),),
            )
        )
    if grant.polly:
        # SynthesizeSpeech names no resource (only lexicons, which OCP does not use).
        statements.append(Statement(("polly:SynthesizeSpeech",), (ANY,)))
    if grant.sms and stage.messaging == "eum":
        # IAM checks SendTextMessage against every resource it names: the origination
        # identity, the configuration set and the identity's opt-out list.
        statements.append(
            Statement(
                ("sms-voice:SendTextMessage",),
                (Ref("sms-identity"), Ref("sms-configuration-set"), Ref("sms-opt-out-list")),
            )
        )
    stems = [stem for stem in grant.start_workflows if stem in stage.workflows]
    if stems:
        statements.append(
            Statement(("states:StartExecution",), tuple(Ref("state-machine", s) for s in stems))
        )
        statements.append(
            Statement(
                ("states:DescribeExecution", "states:StopExecution"),
                tuple(Ref("executions", s) for s in stems),
            )
        )
    if grant.report_tasks:
        # Task tokens are not resources: these actions take none.
        statements.append(Statement(TASK_REPORT_ACTIONS, (ANY,)))
    if grant.send_to:
        statements.append(
            Statement(("sqs:SendMessage",), tuple(Ref("queue", q) for q in grant.send_to))
        )
    if grant.streams:
        missing = [n for n in grant.streams if n not in stage.tables]
        if missing:
            raise ValueError(f"{function.name}: streams of {missing}, tables no model has")
        statements.append(
            Statement(STREAM_ACTIONS, tuple(Ref("table-stream", n) for n in grant.streams))
        )
        statements.append(Statement(("sqs:SendMessage",), (Ref("dead-letter-queue", STREAMS_DLQ),)))
    if stage.chime and grant.chime_wav:
        wav = (Ref("objects", WAV_PREFIX),)
        statements.append(Statement(("s3:GetObject", "s3:PutObject"), wav))
        if not grant.read_audio:  # a missing key is then a 404, not a 403
            statements.append(Statement(("s3:ListBucket",), (Ref("bucket"),)))
        if not grant.polly:
            statements.append(Statement(("polly:SynthesizeSpeech",), (ANY,)))
    if stage.chime and grant.sma_operations:
        statements.append(
            Statement(chime_actions(grant.sma_operations), (Ref("sip-media-application"),))
        )
    if stage.chime and grant.meeting_operations:
        # A meeting is made per conference room at run time, its id chosen by the service.
        statements.append(Statement(chime_actions(grant.meeting_operations), (Ref("meetings"),)))
    if stage.twilio and grant.carrier_hooks and not grant.report_tasks:
        statements.append(Statement(TASK_REPORT_ACTIONS, (ANY,)))
    if stage.twilio and grant.carrier_speech:
        speech = (Ref("objects", SPEECH_PREFIX),)
        if SPEECH_PREFIX not in grant.read_audio:
            statements.append(Statement(("s3:GetObject",), speech))
            if not grant.read_audio:  # a missing key is then a 404, not a 403
                statements.append(Statement(("s3:ListBucket",), (Ref("bucket"),)))
        if SPEECH_PREFIX not in grant.write_audio:
            statements.append(Statement(("s3:PutObject",), speech))
        if not grant.polly:
            statements.append(Statement(("polly:SynthesizeSpeech",), (ANY,)))
    texts_secret = stage.messaging == "twilio" and (grant.sms or grant.text_hooks)
    if (stage.twilio and grant.carrier_secret) or texts_secret:
        # The one secret, by name: its ARN ends in six characters of the service's choosing.
        statements.append(Statement(("secretsmanager:GetSecretValue",), (Ref("carrier-secret"),)))
    if grant.schedules:
        statements.append(Statement(SCHEDULE_ACTIONS, (Ref("schedules"),)))
        statements.append(
            Statement(
                ("iam:PassRole",),
                (Ref("scheduler-role"),),
                conditions={"StringEquals": {"iam:PassedToService": "scheduler.amazonaws.com"}},
            )
        )
    return statements


def chime_actions(operations: tuple[str, ...]) -> tuple[str, ...]:
    """IAM's names: chime-sdk-voice and chime-sdk-meetings both sign as `chime`."""
    return tuple(f"chime:{operation}" for operation in operations)
