"""Every environment variable the application reads, read once, typed.

Deployed stages get these from the CDK construct's stage config (infra/stack.py
sets every one of them); `make run` and the tests set them in the environment.
Nothing else reads `os.environ`. Names of AWS resources that only exist once
something creates them (queues, state machine, bucket, schedule group) are None
until the environment names them: code that needs one fails loudly without it.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache

# Key prefixes in the audio bucket. infra/ grants each function its prefixes and
# expires previews with a lifecycle rule, so code writes only under these.
PREVIEW_PREFIX = "previews/"   # ttspreview audio, reused by text and voice, expires
AUDIO_PREFIX = "audio/"        # blast audio: uploads, fetched URLs, synthesised text


def _flag(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class Settings:
    stage: str
    region: str
    # Only set for `make run` (moto's server); None means the AWS default.
    aws_endpoint_url: str | None
    table_prefix: str
    secrets_key_id: str
    email_dns_check: bool
    session_ttl_seconds: int
    session_cache_seconds: int
    clock_skew_seconds: int
    log_level: str
    # SQS queue names, known at import for `@app.on_sqs_message(queue=...)`.
    dial_queue_name: str
    fanout_queue_name: str
    dial_queue_url: str | None = None
    fanout_queue_url: str | None = None
    # The dialing state machine (chalicelib/workflows/call.asl.json).
    state_machine_arn: str | None = None
    audio_bucket: str | None = None
    # EventBridge Scheduler: the stage's group, the role schedules run as, their DLQ.
    schedule_group: str | None = None
    scheduler_role_arn: str | None = None
    scheduler_dlq_arn: str | None = None

    def table(self, name: str) -> str:
        return f"{self.table_prefix}{name}"


@lru_cache(maxsize=1)
def get() -> Settings:
    env = os.environ
    stage = env.get("OCP_STAGE", "dev")
    return Settings(
        stage=stage,
        region=env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "us-east-1",
        aws_endpoint_url=env.get("AWS_ENDPOINT_URL") or None,
        table_prefix=env.get("OCP_TABLE_PREFIX", f"ocp-{stage}-"),
        secrets_key_id=env.get("OCP_SECRETS_KEY_ID", f"alias/ocp-{stage}-secrets"),
        email_dns_check=_flag(env.get("OCP_EMAIL_DNS_CHECK"), default=True),
        session_ttl_seconds=int(env.get("OCP_SESSION_TTL_SECONDS", 24 * 3600)),
        session_cache_seconds=int(env.get("OCP_SESSION_CACHE_SECONDS", 300)),
        clock_skew_seconds=int(env.get("OCP_CLOCK_SKEW_SECONDS", 300)),
        log_level=env.get("OCP_LOG_LEVEL", "INFO"),
        dial_queue_name=env.get("OCP_DIAL_QUEUE_NAME", f"ocp-{stage}-dial"),
        fanout_queue_name=env.get("OCP_FANOUT_QUEUE_NAME", f"ocp-{stage}-fanout"),
        dial_queue_url=env.get("OCP_DIAL_QUEUE_URL") or None,
        fanout_queue_url=env.get("OCP_FANOUT_QUEUE_URL") or None,
        state_machine_arn=env.get("OCP_STATE_MACHINE_ARN") or None,
        audio_bucket=env.get("OCP_AUDIO_BUCKET") or None,
        schedule_group=env.get("OCP_SCHEDULE_GROUP") or None,
        scheduler_role_arn=env.get("OCP_SCHEDULER_ROLE_ARN") or None,
        scheduler_dlq_arn=env.get("OCP_SCHEDULER_DLQ_ARN") or None,
    )


def reload() -> Settings:
    """For tests and the local runner, after they change the environment."""
    get.cache_clear()
    return get()
