"""The Twilio webhook route through the app (chalice.test.Client over moto): never behind
the session guard, authenticated by the carrier's signature alone over the public URL
(OCP_PUBLIC_BASE_URL + the path), 403 with nothing read or written otherwise."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest

from chalicelib.providers.twilio import signature

PUBLIC = "https://voice.example.com/ocp"
TOKEN = "hook-test-token"
PATH = "/twilio/status/77/0.0/0"
PARAMS = [("CallSid", "CA" + "1" * 32), ("CallStatus", "busy"), ("CallDuration", "0")]


@pytest.fixture
def twilio_stage(aws, tuned, monkeypatch):
    from chalicelib import settings
    from chalicelib.store import aws as clients
    from chalicelib.store import carrier_secret
    from chalicelib.telephony.twilio import hooks

    tuned(
        OCP_CARRIER="twilio",
        OCP_PUBLIC_BASE_URL=PUBLIC,
        OCP_TWILIO_ACCOUNT_SID="AC" + "0" * 32,
        OCP_TWILIO_NUMBERS="+13035550100",
    )
    clients.client("secretsmanager").create_secret(
        Name=settings.get().twilio_secret_name,
        SecretString=json.dumps({"authToken": TOKEN, "signingKey": "sw-key"}),
    )
    carrier_secret.forget()
    monkeypatch.setattr(hooks, "_handler", None)
    yield
    carrier_secret.forget()


def post(client, path: str, params, headers: dict | None = None):
    return client.http.post(
        path,
        headers={"Content-Type": "application/x-www-form-urlencoded", **(headers or {})},
        body=urlencode(params),
    )


def signed(path: str = PATH, params=PARAMS, key: str = TOKEN, base: str = PUBLIC) -> dict:
    return {"X-Twilio-Signature": signature.sign(key, base + path, params)}


def reads_and_writes(monkeypatch) -> list[str]:
    """Records any read or write of the dial's state (store.legs)."""
    from chalicelib.store import legs

    seen: list[str] = []
    for name in ("kept", "move", "once", "keep"):
        real = getattr(legs, name)
        monkeypatch.setattr(
            legs, name, lambda *a, _n=name, _r=real, **k: seen.append(_n) or _r(*a, **k)
        )
    return seen


@pytest.mark.parametrize(
    "headers",
    [
        {},  # no signature
        {"X-Twilio-Signature": "bm90IGl0"},  # a wrong one
        signed(key="another-token"),  # signed with another token
        signed(base="https://abc.execute-api.us-east-1.amazonaws.com"),  # the stage dropped
        {"Authorization": "Basic 1:session"},  # an OCP session is no signature
    ],
)
def test_an_unsigned_or_badly_signed_webhook_is_403_and_changes_nothing(
    app_client, twilio_stage, monkeypatch, headers
):
    seen = reads_and_writes(monkeypatch)
    response = post(app_client, PATH, PARAMS, headers)
    assert response.status_code == 403
    assert response.body == b""
    assert seen == []


def test_a_signed_webhook_for_an_unknown_call_is_answered_and_changes_nothing(
    app_client, twilio_stage, monkeypatch
):
    from chalicelib.store import calls

    response = post(app_client, PATH, PARAMS, signed())
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/xml"
    assert response.body.decode().endswith("<Response />")
    assert response.headers["X-Request-Id"]
    with pytest.raises(Exception):  # noqa: B017 (no Calls item appeared)
        calls.get(77, 1)


def test_an_answer_webhook_for_an_unknown_call_hangs_up(app_client, twilio_stage):
    path = "/twilio/answer/77/0.0/0"
    response = post(app_client, path, PARAMS, signed(path))
    assert response.status_code == 200
    assert "<Hangup />" in response.body.decode()


def test_the_session_guard_is_not_in_the_way(app_client, twilio_stage):
    # No Authorization header at all, and no OCP error body: only the signature counts
    response = post(app_client, PATH, PARAMS, signed())
    assert response.status_code == 200
    assert b"<error" not in response.body


def test_signalwire_is_checked_with_its_header_and_signing_key(
    app_client, twilio_stage, tuned, monkeypatch
):
    from chalicelib.telephony.twilio import hooks

    tuned(OCP_TWILIO_SIGNATURE="signalwire")
    monkeypatch.setattr(hooks, "_handler", None)
    sw = signature.sign("sw-key", PUBLIC + PATH, PARAMS)
    assert post(app_client, PATH, PARAMS, {"X-SignalWire-Signature": sw}).status_code == 200
    # The Twilio header signed with the auth token is not SignalWire's
    assert post(app_client, PATH, PARAMS, signed()).status_code == 403


def test_a_stage_without_the_twilio_carrier_has_no_webhooks(app_client):
    response = post(app_client, PATH, PARAMS, signed())
    assert response.status_code == 404
