"""Every environment variable the application reads, read once, typed.

Deployed stages get these from the CDK construct's stage config; `make run`
and the tests set them in the environment. Nothing else reads `os.environ`.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache


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
    # Private bucket for uploaded blast audio and synthesised speech (infra creates it).
    audio_bucket: str
    polly_voice: str
    # Presigned GET links (ttspreview, blast audio): RULINGS asks for at least an hour.
    presign_get_seconds: int
    # How long a presigned POST upload form (POST /audioupload) may be used.
    presign_post_seconds: int

    def table(self, name: str) -> str:
        return f"{self.table_prefix}{name}"


@lru_cache(maxsize=1)
def get() -> Settings:
    env = os.environ
    stage = env.get("OCP_STAGE", "dev")
    presign_get = int(env.get("OCP_PRESIGN_GET_SECONDS", 3600))
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
        audio_bucket=env.get("OCP_AUDIO_BUCKET", f"ocp-{stage}-audio"),
        polly_voice=env.get("OCP_POLLY_VOICE", "Joanna"),
        # At least an hour (RULINGS "ttspreview"), at most SigV4's seven days.
        presign_get_seconds=min(7 * 86400, max(3600, presign_get)),
        presign_post_seconds=int(env.get("OCP_PRESIGN_POST_SECONDS", 900)),
    )


def reload() -> Settings:
    """For tests and the local runner, after they change the environment."""
    get.cache_clear()
    return get()
