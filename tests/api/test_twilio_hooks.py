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
# Twilio's Webhook Settings: SharedKeys by id (two during a rotation), in the secret.
OLD_ID, NEW_ID = "webhooks_sharedkey_" + "a" * 26, "webhooks_sharedkey_" + "b" * 26
SHARED = {OLD_ID: "old-shared-secret", NEW_ID: "new-shared-secret"}


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
        SecretString=json.dumps({"authToken": TOKEN, "signingKey": "sw-key", "sharedKeys": SHARED}),
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


def shared(
    key_id: str = NEW_ID,
    secret: str | None = None,
    algorithm: str = signature.HMAC_SHA256,
    path: str = PATH,
    params=PARAMS,
) -> dict:
    """A webhook signed as a Webhook Setting signs it (SharedKey, HMAC-SHA256)."""
    key = SHARED[key_id] if secret is None else secret
    return {
        "X-Twilio-Signature": signature.sign(key, PUBLIC + path, params, algorithm),
        signature.SETTINGS_HEADER: f"key={key_id},algorithm={algorithm}",
    }


def test_a_webhook_signed_by_a_shared_key_with_sha256_passes_as_twilios_validator_says(
    app_client, twilio_stage
):
    from twilio.request_validator import RequestValidator, get_signature_algorithm

    headers = shared()
    algorithm = get_signature_algorithm(headers[signature.SETTINGS_HEADER])
    assert algorithm == "HMAC_SHA256"
    assert RequestValidator(SHARED[NEW_ID]).validate(
        PUBLIC + PATH, dict(PARAMS), headers["X-Twilio-Signature"], algorithm
    )
    path = "/twilio/answer/77/0.0/0"
    response = post(app_client, path, PARAMS, shared(path=path))
    assert response.status_code == 200
    assert "<Hangup />" in response.body.decode()  # read: an unknown call, hung up
    # The auth token's SHA-1 still passes without the header
    assert post(app_client, PATH, PARAMS, signed()).status_code == 200


@pytest.mark.parametrize(
    "headers",
    [
        shared(key_id="webhooks_sharedkey_" + "c" * 26, secret="new-shared-secret"),  # unknown
        shared(key_id=OLD_ID, secret="new-shared-secret"),  # another key's secret
        {**shared(), signature.SETTINGS_HEADER: f"key={NEW_ID},algorithm=HMAC_SHA512"},
        {**shared(), signature.SETTINGS_HEADER: "algorithm=HMAC_SHA256"},  # no key id
        {**shared(), signature.SETTINGS_HEADER: "key;HMAC_SHA256"},  # malformed
        {**signed(), signature.SETTINGS_HEADER: f"key={NEW_ID},algorithm=HMAC_SHA256"},
        {"X-Twilio-Signature": shared()["X-Twilio-Signature"]},  # the header dropped
    ],
)
def test_a_shared_key_signature_that_cannot_be_honoured_is_403_and_changes_nothing(
    app_client, twilio_stage, monkeypatch, headers
):
    seen = reads_and_writes(monkeypatch)
    response = post(app_client, PATH, PARAMS, headers)
    assert (response.status_code, response.body) == (403, b"")
    assert seen == []


def test_a_shared_key_rotation_has_no_downtime(app_client, twilio_stage, monkeypatch):
    """The new key's id is added to the secret, Twilio's Setting switched to it, the old
    id removed: webhooks signed by either pass while both are in the secret."""
    from chalicelib import settings
    from chalicelib.store import aws as clients
    from chalicelib.store import carrier_secret

    def store(keys: dict[str, str]) -> None:
        clients.client("secretsmanager").put_secret_value(
            SecretId=settings.get().twilio_secret_name,
            SecretString=json.dumps({"authToken": TOKEN, "sharedKeys": keys}),
        )
        carrier_secret.forget()

    store({OLD_ID: SHARED[OLD_ID]})  # before: the old key only
    assert post(app_client, PATH, PARAMS, shared(OLD_ID)).status_code == 200
    assert post(app_client, PATH, PARAMS, shared(NEW_ID)).status_code == 403
    store(SHARED)  # 1. the new key added: both pass (in flight, and after the switch)
    for key_id in (OLD_ID, NEW_ID):
        assert post(app_client, PATH, PARAMS, shared(key_id)).status_code == 200
    store({NEW_ID: SHARED[NEW_ID]})  # 3. the old one removed
    assert post(app_client, PATH, PARAMS, shared(NEW_ID)).status_code == 200
    assert post(app_client, PATH, PARAMS, shared(OLD_ID)).status_code == 403


def test_a_stage_holding_no_auth_token_takes_shared_key_signatures_only(app_client, twilio_stage):
    from chalicelib import settings
    from chalicelib.store import aws as clients
    from chalicelib.store import carrier_secret

    clients.client("secretsmanager").put_secret_value(
        SecretId=settings.get().twilio_secret_name,
        SecretString=json.dumps(
            {"apiKeySid": "SK" + "1" * 32, "apiKeySecret": "key-secret", "sharedKeys": SHARED}
        ),
    )
    carrier_secret.forget()
    assert post(app_client, PATH, PARAMS, shared()).status_code == 200
    assert post(app_client, PATH, PARAMS, signed()).status_code == 403


EXECUTE_API = "abc123defg.execute-api.us-east-1.amazonaws.com"


def gateway_event(path: str, params, headers: dict, context: dict) -> dict:
    """A webhook as API Gateway hands it to the function (chalice's test client writes
    no domainName or stage into the request context)."""
    return {
        "resource": "/twilio/{step}/{call}/{key}/{index}",
        "path": path,
        "httpMethod": "POST",
        "headers": {"Content-Type": "application/x-www-form-urlencoded", **headers},
        "multiValueHeaders": {},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": dict(
            zip(("step", "call", "key", "index"), path.split("/")[2:], strict=True)
        ),
        "stageVariables": None,
        "requestContext": {
            "httpMethod": "POST",
            "resourcePath": "/twilio/{step}/{call}/{key}/{index}",
            "path": "/api" + path,
            "identity": {"sourceIp": "203.0.113.9"},
            **context,
        },
        "body": urlencode(params),
        "isBase64Encoded": False,
    }


def test_without_a_public_url_the_signature_is_checked_over_the_stage_s_own(
    twilio_stage, tuned, monkeypatch
):
    """One deploy (docs/twilio-deploy.md): the API function takes the URL Twilio called
    from the request context API Gateway wrote, never from a header the client sends."""
    from app import app
    from chalicelib import settings

    tuned(OCP_PUBLIC_BASE_URL="")
    own = f"https://{EXECUTE_API}/api"
    context = {"domainName": EXECUTE_API, "stage": "api"}
    forged = {"Host": "evil.example.com", "X-Forwarded-Host": "evil.example.com"}
    evil = signed(base="https://evil.example.com/api")
    answer = app(gateway_event(PATH, PARAMS, {**evil, **forged}, context), None)
    assert answer["statusCode"] == 403
    assert settings.get().public_base_url == own
    answer = app(gateway_event(PATH, PARAMS, {**signed(base=own), **forged}, context), None)
    assert answer["statusCode"] == 200


def test_the_request_context_gives_only_an_execute_api_url():
    from chalicelib.api.public_url import from_context

    assert from_context({"domainName": EXECUTE_API, "stage": "api"}) == f"https://{EXECUTE_API}/api"
    assert from_context({"domainName": "voice.example.com", "stage": "api"}) == ""  # custom
    assert from_context({"domainName": EXECUTE_API}) == ""
    assert from_context({"domainName": EXECUTE_API, "stage": "a/b"}) == ""
    assert from_context(None) == from_context({}) == ""
