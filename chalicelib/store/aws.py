"""boto3 clients, made lazily and cached (never at import: moto must start first)."""

from __future__ import annotations

from functools import cache, lru_cache
from typing import Any

from chalicelib import settings


@cache
def client(service: str) -> Any:
    import boto3  # deferred: keeps cold starts of routes that never need it small

    s = settings.get()
    endpoint = s.aws_endpoint_url
    if service.startswith("chime") and s.chime_endpoint_url:
        endpoint = s.chime_endpoint_url  # the local fake PSTN (make run, tests)
    if service == "pinpoint-sms-voice-v2" and s.sms_endpoint_url:
        endpoint = s.sms_endpoint_url  # the local fake End User Messaging (make run)
    return boto3.client(
        service, region_name=s.region, endpoint_url=endpoint, config=_config(service)
    )


def _config(service: str) -> Any:
    from botocore.config import Config

    s = settings.get()
    attempts = s.aws_max_attempts
    if service.startswith("chime") or service == "pinpoint-sms-voice-v2":
        # The Chime adapter decides what a throttled request means (the dial waits in the
        # state machine, not inside a Lambda), so botocore does not retry it; the
        # texting waits for its pacing limiter's next turn instead (workflows/texting.py).
        attempts = 1
    # Bounded waits, so that a request meets a stalled service with an OCP error
    # long before API Gateway gives up (settings.aws_call_budget_seconds).
    config = Config(
        connect_timeout=s.aws_connect_timeout_seconds,
        read_timeout=s.aws_read_timeout_seconds,
        retries={"mode": "standard", "total_max_attempts": attempts},
    )
    if service == "dynamodbstreams":
        # Read by the local stand-in of the stream trigger (local/streams.py): botocore's
        # account-based endpoint (`{account}.streams-ddb...`) is one moto does not serve.
        return config.merge(Config(account_id_endpoint_mode="disabled"))
    if service != "s3":
        return config
    # Presigned links: SigV4 (buckets created since 2020 refuse SigV2), and the
    # regional virtual-host name, since botocore's default for presigning is the
    # global name, which redirects outside us-east-1. An IP endpoint (moto's
    # server under `make run`) still gets path-style URLs.
    return config.merge(Config(signature_version="s3v4", s3={"addressing_style": "virtual"}))


def reset() -> None:
    """Forget cached clients and resource names (tests, after changing settings)."""
    client.cache_clear()
    dial_queue_url.cache_clear()
    fanout_queue_url.cache_clear()
    callback_queue_url.cache_clear()


@lru_cache(maxsize=1)
def dial_queue_url() -> str:
    """The dial queue's URL: from settings when deployed, else looked up by name once."""
    s = settings.get()
    return s.dial_queue_url or client("sqs").get_queue_url(QueueName=s.dial_queue_name)["QueueUrl"]


@lru_cache(maxsize=1)
def fanout_queue_url() -> str:
    """The blast fan-out queue's URL: from settings when deployed, else looked up by name once."""
    s = settings.get()
    return (
        s.fanout_queue_url or client("sqs").get_queue_url(QueueName=s.fanout_queue_name)["QueueUrl"]
    )


@lru_cache(maxsize=1)
def callback_queue_url() -> str:
    """The status callbacks queue's URL: from settings when deployed, else looked up by name."""
    s = settings.get()
    return (
        s.callback_queue_url
        or client("sqs").get_queue_url(QueueName=s.callback_queue_name)["QueueUrl"]
    )


def state_machine_arn() -> str:
    """The dialing state machine's ARN (settings: infra passes it; made from its name
    locally, so no request looks the account up)."""
    return settings.get().state_machine_arn
