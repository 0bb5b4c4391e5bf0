"""The twilio carrier's secret (store/carrier_secret.py) over moto's Secrets Manager: read
by name, kept for the TTL, read again after a refusal at most every REFRESH_SECONDS, and
never shown in a repr or an error message."""

from __future__ import annotations

import json

import pytest

from chalicelib import settings
from chalicelib.store import aws, carrier_secret

pytestmark = pytest.mark.usefixtures("aws")

NAME = "ocp-test-twilio"


@pytest.fixture(autouse=True)
def secret_name(monkeypatch):
    monkeypatch.setenv("OCP_TWILIO_SECRET_NAME", NAME)
    monkeypatch.setenv("OCP_CARRIER_SECRET_TTL_SECONDS", "300")
    settings.reload()
    carrier_secret.forget()
    yield
    monkeypatch.undo()
    settings.reload()
    carrier_secret.forget()


def put(value: dict | str, create: bool = False) -> None:
    sm = aws.client("secretsmanager")
    text = value if isinstance(value, str) else json.dumps(value)
    if create:
        sm.create_secret(Name=NAME, SecretString=text)
    else:
        sm.put_secret_value(SecretId=NAME, SecretString=text)


def test_the_secret_is_read_once_per_ttl_and_a_rotation_arrives_after_it():
    put({"authToken": "first"}, create=True)
    assert carrier_secret.get(1000.0).auth_token == "first"
    put({"authToken": "second"})
    assert carrier_secret.get(1299.0).auth_token == "first"  # cached
    assert carrier_secret.get(1300.0).auth_token == "second"  # the TTL is over


def test_a_refused_token_is_read_again_but_not_more_than_every_refresh_seconds():
    put({"authToken": "first"}, create=True)
    carrier_secret.get(1000.0)
    put({"authToken": "second"})
    assert carrier_secret.refresh(1010.0).auth_token == "first"  # too soon after a read
    assert carrier_secret.refresh(1000.0 + carrier_secret.REFRESH_SECONDS).auth_token == "second"


def test_signalwire_signs_with_its_signing_key():
    put({"authToken": "token", "signingKey": "PSK_key"}, create=True)
    secret = carrier_secret.get(0.0)
    assert (secret.webhook_key, secret.auth_token) == ("PSK_key", "token")


def test_the_values_never_show():
    put({"authToken": "s3cr3t-token", "signingKey": "s3cr3t-key"}, create=True)
    assert "s3cr3t" not in repr(carrier_secret.get(0.0))


@pytest.mark.parametrize("value", ["not json s3cr3t", {"signingKey": "s3cr3t"}, {"authToken": ""}])
def test_a_malformed_secret_is_refused_without_its_value(value):
    put(value, create=True)
    with pytest.raises(carrier_secret.SecretUnavailable) as refused:
        carrier_secret.get(0.0)
    assert "s3cr3t" not in str(refused.value)


def test_a_missing_secret_is_refused_by_name():
    with pytest.raises(carrier_secret.SecretUnavailable, match=NAME):
        carrier_secret.get(0.0)


def test_during_a_rotation_webhooks_signed_with_the_previous_token_are_accepted():
    put({"authToken": "secondary", "previousAuthToken": "primary"}, create=True)
    secret = carrier_secret.get(0.0)
    assert secret.auth_token == "secondary"  # REST calls use the new one
    assert secret.webhook_keys == ("secondary", "primary")
    assert "primary" not in repr(secret)


def test_a_missing_secret_is_the_twilio_carrier_s_error(tuned):
    from chalicelib.telephony import CarrierError
    from chalicelib.telephony.twilio import adapter

    tuned(OCP_TWILIO_SECRET_NAME="ocp-test-nosuch")
    carrier_secret.forget()
    with pytest.raises(CarrierError, match="no secret named ocp-test-nosuch"):
        adapter.auth_token()
    assert adapter.webhook_keys() == ()  # every webhook refused (403)
