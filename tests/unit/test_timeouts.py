"""Every AWS client gives up in bounded time (botocore's standard retries, connect and read
timeouts from settings), and the deployed settings bound a call well inside API Gateway's
29 s; the API function's own timeout sits between the two. Checked from the configuration:
tests/api/test_stalled_endpoints.py shows a stalled service answered with an OCP error."""

from __future__ import annotations

import pytest

from chalicelib import settings

API_GATEWAY_SECONDS = 29


@pytest.fixture
def deployed(monkeypatch):
    """The settings a deployed stage runs with: the defaults (infra sets none of these)."""
    for name in (
        "OCP_AWS_CONNECT_TIMEOUT_SECONDS",
        "OCP_AWS_READ_TIMEOUT_SECONDS",
        "OCP_AWS_MAX_ATTEMPTS",
        "OCP_EMAIL_DNS_TIMEOUT_SECONDS",
    ):
        monkeypatch.delenv(name, raising=False)
    yield settings.reload()
    monkeypatch.undo()
    settings.reload()


def test_one_aws_call_gives_up_well_inside_api_gateways_limit(deployed):
    # 3 attempts of at most 1 s to connect and 3 s to read, and the waits between them
    assert deployed.aws_max_attempts == 3
    assert deployed.aws_call_budget_seconds() == 3 * (1 + 3) + (1 + 2)
    assert deployed.aws_call_budget_seconds() <= API_GATEWAY_SECONDS * 0.6
    assert deployed.email_dns_timeout_seconds <= 2


def test_the_api_function_stops_after_one_stalled_call_and_before_api_gateway(deployed):
    from infra.access import FUNCTIONS

    timeout = FUNCTIONS["api_handler"].timeout_seconds
    budget = deployed.aws_call_budget_seconds() + deployed.email_dns_timeout_seconds
    assert budget < timeout < API_GATEWAY_SECONDS


def test_the_budget_counts_every_attempt_and_the_waits_between_them():
    s = settings.reload()
    one = s._replace(aws_max_attempts=1, aws_connect_timeout_seconds=1, aws_read_timeout_seconds=2)
    assert one.aws_call_budget_seconds() == 3
    assert one._replace(aws_max_attempts=4).aws_call_budget_seconds() == 4 * 3 + 1 + 2 + 4


@pytest.mark.parametrize("service", ["dynamodb", "s3", "stepfunctions", "sqs", "polly", "kms"])
def test_every_boto3_client_has_the_timeouts_and_standard_retries(service):
    from chalicelib.store import aws

    s = settings.get()
    aws.reset()
    config = aws.client(service).meta.config
    assert (config.connect_timeout, config.read_timeout) == (
        s.aws_connect_timeout_seconds,
        s.aws_read_timeout_seconds,
    )
    assert config.retries == {"mode": "standard", "total_max_attempts": s.aws_max_attempts}
    aws.reset()


def test_the_s3_client_keeps_its_presigning_settings():
    from chalicelib.store import aws

    aws.reset()
    config = aws.client("s3").meta.config
    assert config.signature_version == "s3v4"
    assert config.s3 == {"addressing_style": "virtual"}
    assert config.read_timeout == settings.get().aws_read_timeout_seconds
    aws.reset()


def test_pynamodb_models_and_transactions_have_the_same_bounds():
    from chalicelib.store import models

    s = settings.get()
    for model in models.ALL_MODELS:
        meta = model.Meta
        assert (meta.connect_timeout_seconds, meta.read_timeout_seconds) == (
            s.aws_connect_timeout_seconds,
            s.aws_read_timeout_seconds,
        )
        assert meta.max_retry_attempts == s.aws_max_attempts - 1
    config = models._shared_connection().client.meta.config
    models._shared_connection.cache_clear()
    assert (config.connect_timeout, config.read_timeout) == (
        s.aws_connect_timeout_seconds,
        s.aws_read_timeout_seconds,
    )
    assert config.retries["mode"] == "standard"
    assert config.retries["total_max_attempts"] == s.aws_max_attempts


def test_chime_clients_are_bounded_but_not_retried_by_botocore():
    # the Chime adapter turns a throttled request into Carrier.Busy itself
    from chalicelib.store import aws

    s = settings.get()
    aws.reset()
    config = aws.client("chime-sdk-voice").meta.config
    assert config.retries == {"mode": "standard", "total_max_attempts": 1}
    assert config.read_timeout == s.aws_read_timeout_seconds
    aws.reset()
