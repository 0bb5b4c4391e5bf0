"""Every environment variable the application reads, read once, typed.

Deployed stages get these from the CDK construct's stage config (infra/stack.py
`settings_environment` sets every one whose default is not right there; tests/infra
checks the two lists agree); `make run` and the tests set them in the environment.
Nothing else reads `os.environ`.
"""

from __future__ import annotations

import os
from functools import lru_cache
from typing import NamedTuple

# The account of the local and test stand-ins (moto's): the ARNs a deployed stage gets from
# infra are made from it here, not looked up on a request.
LOCAL_ACCOUNT = "123456789012"


def _flag(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


# NANP toll-free area codes: a toll-free number sends 3 messages a second by default, a
# 10DLC number 1 (End User Messaging's per-number throughput in the US).
_TOLL_FREE = ("800", "833", "844", "855", "866", "877", "888")


def _toll_free(identity: str) -> bool:
    digits = "".join(c for c in identity if c.isdigit())
    return len(digits) == 11 and digits[0] == "1" and digits[1:4] in _TOLL_FREE


# A NamedTuple rather than a frozen dataclass: as immutable and typed, and made in a
# seventh of the time (a 70-field dataclass costs 3 ms of every cold start).
class Settings(NamedTuple):
    stage: str
    region: str
    # Only set for `make run` (moto's server); None means the AWS default.
    aws_endpoint_url: str | None
    table_prefix: str
    secrets_key_id: str
    email_dns_check: bool
    # The DNS look-up of an email's domain (types.email): one try of each name server,
    # answers cached for the life of the process.
    email_dns_timeout_seconds: float
    session_ttl_seconds: int
    session_cache_seconds: int
    # How long a process keeps an enterprise's policy (active, session epoch, limits:
    # store/enterprises.policy) before reading it again: an operator's suspend,
    # rotate-secret or set-limits reaches every container within it.
    tenant_cache_seconds: float
    # Per-enterprise request limits (protocol/ratelimit.py): off only for benchmarks that
    # measure the routes themselves.
    rate_limits: bool
    clock_skew_seconds: int
    log_level: str
    # CloudWatch metrics in the embedded metric format on stdout (chalicelib/metrics.py).
    metrics: bool
    # Every AWS client (store/aws.py and PynamoDB's): botocore's standard retry mode,
    # aws_max_attempts attempts in all, each waiting at most aws_connect_timeout_seconds
    # to connect and aws_read_timeout_seconds for each read. One call gives up after
    # aws_call_budget_seconds(), well inside API Gateway's 29 s.
    aws_connect_timeout_seconds: float
    aws_read_timeout_seconds: float
    aws_max_attempts: int
    # Private bucket for uploaded blast audio and synthesised speech (infra creates it).
    audio_bucket: str
    polly_voice: str
    # Presigned GET links (ttspreview, blast audio): RULINGS asks for at least an hour.
    presign_get_seconds: int
    # How long a presigned POST upload form (POST /audioupload) may be used.
    presign_post_seconds: int
    # Dialing (DESIGN.md "Work after the response", "Telephony").
    dial_queue_name: str
    # Deployed stages set the URL and the ARN; local runs and tests leave them
    # unset and store/aws.py finds them from the names.
    dial_queue_url: str | None
    state_machine_name: str
    state_machine_arn: str
    carrier: str
    # A dial attempt (ring, announcement, waiting for 1) must report within
    # ring_timeout_seconds, and the dialer or carrier must heartbeat at least every
    # dial_heartbeat_seconds; a missing report becomes "NoAnswer".
    ring_timeout_seconds: int
    dial_heartbeat_seconds: int
    max_call_seconds: int
    record_timeout_seconds: int
    # The simulated carrier: 555-0105 answers after this delay; a connected call
    # is reported as lasting simulated_talk_seconds.
    simulated_answer_delay_seconds: float
    simulated_talk_seconds: int
    # EventBridge Scheduler (workflows/schedule.py): the stage's schedule group, the
    # target its one-time schedules invoke (the `fire` Lambda function), the role they
    # run as and their dead-letter queue. Deployed stages get all four from infra/.
    schedule_group: str
    fire_target_arn: str
    scheduler_role_arn: str
    scheduler_dlq_arn: str | None
    # Blasts (DESIGN.md "Blasts fan out"): recipients travel in batches of
    # blast_batch_size on the fan-out queue, whose consumer runs at most
    # fanout_concurrency at a time (the SQS event source's maximum concurrency, 2..1000),
    # so at most fanout_concurrency * blast_batch_size recipients are being started at once.
    fanout_queue_name: str
    fanout_queue_url: str | None
    blast_batch_size: int
    fanout_concurrency: int
    blast_max_recipients: int
    # The Chime SDK PSTN Audio carrier (OCP_CARRIER=chime; telephony/chime/, README
    # "Real calls"): the SIP media application that places the calls, the account's
    # numbers presented as caller id (E.164, comma-separated), the most new calls a
    # second (the service's default quota is 1), how long a bridged leg rings
    # (CallAndBridge, 1..120 s), the Chime SDK meetings' media region, and, locally,
    # the fake PSTN's URL (make run) in place of the service's endpoints.
    chime_sma_id: str
    chime_numbers: tuple[str, ...]
    chime_calls_per_second: float  # calls_per_second, under the name chime had first
    chime_ring_seconds: int
    chime_media_region: str
    chime_endpoint_url: str | None
    # The carrier account's limits, shared by every dialer (domain/pacing.py,
    # docs/limits-pacing.md): new calls a second (OCP_CALLS_PER_SECOND, or chime's older
    # OCP_CHIME_CALLS_PER_SECOND) and calls at once, interactive_calls of them never
    # taken by blasts; blast_dial_seconds is how long a blast dial typically holds a
    # line (ring, machine detection, message), which spaces a blast's recipients. Off
    # (pacing False) for the simulated carrier, which has no limits.
    pacing: bool
    calls_per_second: float
    concurrent_calls: int
    interactive_calls: int
    blast_dial_seconds: float
    # A Twilio-compatible carrier (OCP_CARRIER=twilio; telephony/twilio/, docs/twilio.md):
    # the REST base (SignalWire: https://{space}.signalwire.com/api/laml/2010-04-01), the
    # account SID (SignalWire: project id), the Secrets Manager secret holding
    # {"authToken", "signingKey"} read by name (store/carrier_secret.py; never the token
    # itself), the numbers presented as caller id (E.164, comma-separated), which
    # signature webhooks carry (twilio: X-Twilio-Signature with the auth token;
    # signalwire: X-SignalWire-Signature with the signing key), how long a number rings,
    # the public base URL the carrier calls (webhooks are signed over it), and how long a
    # container keeps the secret before reading it again (rotation). Its rate and
    # concurrency are the account's limits above (OCP_CALLS_PER_SECOND, ...).
    twilio_api_base: str
    twilio_account_sid: str
    twilio_secret_name: str
    twilio_numbers: tuple[str, ...]
    twilio_signature: str
    twilio_ring_seconds: int
    public_base_url: str
    carrier_secret_ttl_seconds: int
    # Idempotency-Key (protocol/idempotency.py): a stored response is replayed for
    # idempotency_ttl_seconds; a claim whose request never finished (it crashed) is
    # taken over after idempotency_lease_seconds, longer than the API function may run;
    # a second request with a key in progress waits up to idempotency_wait_seconds.
    # Texts (chalicelib/messaging, docs/sms.md): the adapter (simulated, eum, twilio); the
    # origination identity every text is sent from (a phone number, its ARN, a pool or
    # sender id); the End User Messaging configuration set whose event destination
    # carries the delivery receipts, and the SNS topic it publishes them to (the
    # receipts function subscribes to it); messages a second from the identity (default:
    # 3 for a toll-free number, 1 for any other, a 10DLC number's; with twilio, the
    # identity is the first of twilio_numbers); how long a text may
    # wait to be handed to the carrier (TimeToLive, 5 s..72 h); the most one message may
    # cost in USD (MaxPrice, "" for no limit); after how long a text with no final
    # receipt is unknown; and, locally, the fake service's URL.
    messaging: str
    # OCP_MESSAGING=twilio (the default when OCP_CARRIER=twilio): texts are sent from this
    # Messaging Service (MG...) when set, else from the first of twilio_numbers.
    twilio_messaging_service_sid: str
    sms_origination_identity: str
    sms_configuration_set: str
    sms_receipt_topic: str
    sms_messages_per_second: float
    sms_time_to_live_seconds: int
    sms_max_price: str
    sms_unknown_after_seconds: int
    sms_endpoint_url: str | None
    # A fan-out batch of texts stops starting recipients after this long and hands the
    # rest back to the queue (the blastfanout function's timeout is 300 s).
    sms_batch_seconds: float
    idempotency_ttl_seconds: int
    idempotency_lease_seconds: int
    idempotency_wait_seconds: float
    # Status callbacks (chalicelib/events): signed events on a FIFO queue, delivered with
    # retries (callback_retry_seconds, doubling) at most callback_attempts times, then
    # the queue's dead-letter queue. callback_allowed_networks: CIDRs exempt from the
    # public-address rule (`make run`'s receiver on 127.0.0.1; never set when deployed).
    callback_queue_name: str
    callback_queue_url: str | None
    callback_attempts: int
    callback_retry_seconds: int
    callback_timeout_seconds: float
    callback_allowed_networks: tuple[str, ...]
    # The web console's operators (chalicelib/console/operators.py): the Cognito user pool
    # the stack creates and its app client (empty: no operator sign-in), and where the
    # pool's signing keys are read (default: Cognito's public JWKS URL of the pool; moto's
    # under `make run`).
    cognito_pool_id: str
    cognito_client_id: str
    cognito_jwks_url: str

    def table(self, name: str) -> str:
        return f"{self.table_prefix}{name}"

    def aws_call_budget_seconds(self) -> float:
        """The longest one AWS call may take, retries included: every attempt stalls as
        long as it may, and botocore's standard mode waits up to 2**(n-1) s (at most
        20 s) after the n-th attempt."""
        waits = sum(min(2 ** (n - 1), 20) for n in range(1, self.aws_max_attempts))
        per_attempt = self.aws_connect_timeout_seconds + self.aws_read_timeout_seconds
        return self.aws_max_attempts * per_attempt + waits


@lru_cache(maxsize=1)
def get() -> Settings:
    env = os.environ
    stage = env.get("OCP_STAGE", "dev")
    presign_get = int(env.get("OCP_PRESIGN_GET_SECONDS", 3600))
    carrier = env.get("OCP_CARRIER", "simulated")
    ring_timeout = int(env.get("OCP_RING_TIMEOUT_SECONDS", 150))
    region = env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "us-east-1"
    # The simulated adapter's sender: a toll-free test number (docs/sms.md).
    identity = env.get("OCP_SMS_ORIGINATION_IDENTITY", "+18005550100")
    messaging = env.get("OCP_MESSAGING") or ("twilio" if carrier == "twilio" else "simulated")
    twilio_numbers = tuple(
        n.strip() for n in env.get("OCP_TWILIO_NUMBERS", "").split(",") if n.strip()
    )
    # The number texts are paced for: Twilio's texts come from the first of its numbers.
    sender = twilio_numbers[0] if messaging == "twilio" and twilio_numbers else identity
    machine = env.get("OCP_STATE_MACHINE_NAME", f"ocp-{stage}-call")
    calls_per_second = max(
        0.01,
        float(env.get("OCP_CALLS_PER_SECOND") or env.get("OCP_CHIME_CALLS_PER_SECOND") or 1),
    )
    concurrent_calls = max(1, int(env.get("OCP_CONCURRENT_CALLS", 3)))
    return Settings(
        stage=stage,
        region=region,
        aws_endpoint_url=env.get("AWS_ENDPOINT_URL") or None,
        table_prefix=env.get("OCP_TABLE_PREFIX", f"ocp-{stage}-"),
        secrets_key_id=env.get("OCP_SECRETS_KEY_ID", f"alias/ocp-{stage}-secrets"),
        email_dns_check=_flag(env.get("OCP_EMAIL_DNS_CHECK"), default=True),
        email_dns_timeout_seconds=float(env.get("OCP_EMAIL_DNS_TIMEOUT_SECONDS", 2)),
        session_ttl_seconds=int(env.get("OCP_SESSION_TTL_SECONDS", 24 * 3600)),
        session_cache_seconds=int(env.get("OCP_SESSION_CACHE_SECONDS", 300)),
        tenant_cache_seconds=float(env.get("OCP_TENANT_CACHE_SECONDS", 10)),
        rate_limits=_flag(env.get("OCP_RATE_LIMITS"), default=True),
        clock_skew_seconds=int(env.get("OCP_CLOCK_SKEW_SECONDS", 300)),
        log_level=env.get("OCP_LOG_LEVEL", "INFO"),
        metrics=_flag(env.get("OCP_METRICS"), default=True),
        aws_connect_timeout_seconds=float(env.get("OCP_AWS_CONNECT_TIMEOUT_SECONDS", 1)),
        aws_read_timeout_seconds=float(env.get("OCP_AWS_READ_TIMEOUT_SECONDS", 3)),
        aws_max_attempts=max(1, int(env.get("OCP_AWS_MAX_ATTEMPTS", 3))),
        audio_bucket=env.get("OCP_AUDIO_BUCKET", f"ocp-{stage}-audio"),
        polly_voice=env.get("OCP_POLLY_VOICE", "Joanna"),
        # At least an hour (RULINGS "ttspreview"), at most SigV4's seven days.
        presign_get_seconds=min(7 * 86400, max(3600, presign_get)),
        presign_post_seconds=int(env.get("OCP_PRESIGN_POST_SECONDS", 900)),
        dial_queue_name=env.get("OCP_DIAL_QUEUE_NAME", f"ocp-{stage}-dial"),
        dial_queue_url=env.get("OCP_DIAL_QUEUE_URL") or None,
        state_machine_name=machine,
        # Deployed, infra passes it; locally and in tests, moto's account holds it. Never
        # looked up on a request (an STS GetCallerIdentity on call POST, once per process).
        state_machine_arn=env.get("OCP_STATE_MACHINE_ARN")
        or f"arn:aws:states:{region}:{LOCAL_ACCOUNT}:stateMachine:{machine}",
        carrier=carrier,
        ring_timeout_seconds=ring_timeout,
        # Chime and Twilio send no event while a phone rings or an announcement plays: by
        # default a dial is bounded by its ring timeout alone there.
        dial_heartbeat_seconds=int(
            env.get(
                "OCP_DIAL_HEARTBEAT_SECONDS",
                ring_timeout if carrier in ("chime", "twilio") else 60,
            )
        ),
        max_call_seconds=int(env.get("OCP_MAX_CALL_SECONDS", 4 * 3600)),
        record_timeout_seconds=int(env.get("OCP_RECORD_TIMEOUT_SECONDS", 60)),
        simulated_answer_delay_seconds=float(env.get("OCP_SIMULATED_ANSWER_DELAY_SECONDS", 3)),
        simulated_talk_seconds=int(env.get("OCP_SIMULATED_TALK_SECONDS", 12)),
        schedule_group=env.get("OCP_SCHEDULE_GROUP", f"ocp-{stage}"),
        # Local and test stand-ins: moto's scheduler stores ARNs without invoking them.
        fire_target_arn=env.get(
            "OCP_FIRE_TARGET_ARN",
            f"arn:aws:lambda:us-east-1:{LOCAL_ACCOUNT}:function:ocp-{stage}-fire",
        ),
        scheduler_role_arn=env.get(
            "OCP_SCHEDULER_ROLE_ARN", f"arn:aws:iam::{LOCAL_ACCOUNT}:role/ocp-{stage}-scheduler"
        ),
        scheduler_dlq_arn=env.get("OCP_SCHEDULER_DLQ_ARN") or None,
        fanout_queue_name=env.get("OCP_FANOUT_QUEUE_NAME", f"ocp-{stage}-fanout"),
        fanout_queue_url=env.get("OCP_FANOUT_QUEUE_URL") or None,
        # One TransactWriteItems creates a batch's Calls items: 100 at most.
        blast_batch_size=min(100, max(1, int(env.get("OCP_BLAST_BATCH_SIZE", 100)))),
        fanout_concurrency=min(1000, max(2, int(env.get("OCP_FANOUT_CONCURRENCY", 5)))),
        blast_max_recipients=int(env.get("OCP_BLAST_MAX_RECIPIENTS", 10000)),
        chime_sma_id=env.get("OCP_CHIME_SMA_ID", ""),
        chime_numbers=tuple(
            n.strip() for n in env.get("OCP_CHIME_NUMBERS", "").split(",") if n.strip()
        ),
        chime_calls_per_second=calls_per_second,
        chime_ring_seconds=min(120, max(1, int(env.get("OCP_CHIME_RING_SECONDS", 60)))),
        chime_media_region=env.get("OCP_CHIME_MEDIA_REGION") or region,
        chime_endpoint_url=env.get("OCP_CHIME_ENDPOINT_URL") or None,
        pacing=_flag(env.get("OCP_PACING"), default=carrier != "simulated"),
        calls_per_second=calls_per_second,
        concurrent_calls=concurrent_calls,
        interactive_calls=min(
            concurrent_calls - 1, max(0, int(env.get("OCP_INTERACTIVE_CALLS", 1)))
        ),
        blast_dial_seconds=max(1.0, float(env.get("OCP_BLAST_DIAL_SECONDS", 45))),
        twilio_api_base=env.get("OCP_TWILIO_API_BASE", "https://api.twilio.com/2010-04-01").rstrip(
            "/"
        ),
        twilio_account_sid=env.get("OCP_TWILIO_ACCOUNT_SID", ""),
        twilio_secret_name=env.get("OCP_TWILIO_SECRET_NAME", f"ocp-{stage}-twilio"),
        twilio_numbers=twilio_numbers,
        twilio_signature=env.get("OCP_TWILIO_SIGNATURE", "twilio").strip().lower(),
        # Calls.create's Timeout: 5..600 s (Twilio's default, 60).
        twilio_ring_seconds=min(600, max(5, int(env.get("OCP_TWILIO_RING_SECONDS", 60)))),
        public_base_url=env.get("OCP_PUBLIC_BASE_URL", "").rstrip("/"),
        carrier_secret_ttl_seconds=max(0, int(env.get("OCP_CARRIER_SECRET_TTL_SECONDS", 300))),
        # Texts go through the voice carrier's account when it is Twilio's (docs/sms.md).
        messaging=messaging,
        twilio_messaging_service_sid=env.get("OCP_TWILIO_MESSAGING_SERVICE_SID", ""),
        sms_origination_identity=identity,
        sms_configuration_set=env.get("OCP_SMS_CONFIGURATION_SET", f"ocp-{stage}-sms"),
        sms_receipt_topic=env.get("OCP_SMS_RECEIPT_TOPIC", f"ocp-{stage}-sms-receipts"),
        sms_messages_per_second=max(
            0.01,
            float(env.get("OCP_SMS_MESSAGES_PER_SECOND") or (3 if _toll_free(sender) else 1)),
        ),
        sms_time_to_live_seconds=min(
            259200, max(5, int(env.get("OCP_SMS_TIME_TO_LIVE_SECONDS", 24 * 3600)))
        ),
        sms_max_price=env.get("OCP_SMS_MAX_PRICE", "0.20"),
        sms_unknown_after_seconds=int(env.get("OCP_SMS_UNKNOWN_AFTER_SECONDS", 72 * 3600)),
        sms_endpoint_url=env.get("OCP_SMS_ENDPOINT_URL") or None,
        sms_batch_seconds=float(env.get("OCP_SMS_BATCH_SECONDS", 240)),
        idempotency_ttl_seconds=int(env.get("OCP_IDEMPOTENCY_TTL_SECONDS", 24 * 3600)),
        idempotency_lease_seconds=int(env.get("OCP_IDEMPOTENCY_LEASE_SECONDS", 60)),
        idempotency_wait_seconds=float(env.get("OCP_IDEMPOTENCY_WAIT_SECONDS", 5)),
        # A FIFO queue: the events of one call are delivered in order.
        callback_queue_name=env.get("OCP_CALLBACK_QUEUE_NAME", f"ocp-{stage}-callbacks.fifo"),
        callback_queue_url=env.get("OCP_CALLBACK_QUEUE_URL") or None,
        callback_attempts=min(20, max(1, int(env.get("OCP_CALLBACK_ATTEMPTS", 9)))),
        callback_retry_seconds=max(0, int(env.get("OCP_CALLBACK_RETRY_SECONDS", 30))),
        callback_timeout_seconds=float(env.get("OCP_CALLBACK_TIMEOUT_SECONDS", 5)),
        callback_allowed_networks=tuple(
            n.strip() for n in env.get("OCP_CALLBACK_ALLOWED_NETWORKS", "").split(",") if n.strip()
        ),
        cognito_pool_id=env.get("OCP_COGNITO_POOL_ID", ""),
        cognito_client_id=env.get("OCP_COGNITO_CLIENT_ID", ""),
        cognito_jwks_url=env.get("OCP_COGNITO_JWKS_URL", ""),
    )


def reload() -> Settings:
    """For tests and the local runner, after they change the environment."""
    get.cache_clear()
    return get()
