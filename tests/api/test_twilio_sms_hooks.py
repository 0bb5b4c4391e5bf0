"""A text's Twilio status callback through the app (chalice.test.Client over moto):
`/twilio-sms/{blastId}/{n}/{callId}/{attempt}`, never behind the session guard, signed
over the public URL with the context in its path, 403 with nothing read or written
otherwise; a final status is the text's receipt, once (a callback sent again changes
nothing), and a status on the way changes nothing."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest

from chalicelib.providers.twilio import signature
from chalicelib.store import texts
from tests.api.test_sms_receipts import _message_ids, attempts, results
from tests.api.test_status_callbacks import (  # noqa: F401
    URL,
    aws,
    deliver_all,
    enterprise,
    inbox,
    john,
    start_blast,
)
from tests.workflows.conftest import frozen_clock, sfn_aws, switchboard  # noqa: F401

pytestmark = pytest.mark.usefixtures("inbox")  # the blasts' status callbacks land there

PUBLIC = "https://sms.example.com/ocp"
TOKEN = "sms-hook-token"


@pytest.fixture
def twilio_texts(tuned):
    """The stage's carrier becomes Twilio (its texts too: OCP_MESSAGING's default)."""
    from chalicelib import settings
    from chalicelib.store import aws as clients
    from chalicelib.store import carrier_secret

    def switch() -> None:
        tuned(
            OCP_CARRIER="twilio",
            OCP_PUBLIC_BASE_URL=PUBLIC,
            OCP_TWILIO_ACCOUNT_SID="AC" + "0" * 32,
            OCP_TWILIO_NUMBERS="+13035550100",
        )
        assert settings.get().messaging == "twilio"
        clients.client("secretsmanager").create_secret(
            Name=settings.get().twilio_secret_name,
            SecretString=json.dumps({"authToken": TOKEN, "signingKey": "sw-key"}),
        )
        carrier_secret.forget()

    yield switch
    carrier_secret.forget()


def post(client, path: str, params, headers: dict | None = None):
    return client.http.post(
        path,
        headers={"Content-Type": "application/x-www-form-urlencoded", **(headers or {})},
        body=urlencode(params),
    )


def signed(path: str, params, key: str = TOKEN, base: str = PUBLIC) -> dict:
    return {"X-Twilio-Signature": signature.sign(key, base + path, params)}


def a_sent_text(api, john) -> tuple[int, str, str]:
    """A blastsms to the number that never gets a receipt (sent by the simulated adapter
    before the stage turns to Twilio): (blastId, its callback path, its message id)."""
    blast_id = start_blast(api, "blastsms", john, "3:3035550115", "Hi", statusCallback=URL)
    [call_id] = [t["callId"] for t in results(api, john, blast_id)["terminations"]]
    [message_id] = _message_ids(call_id)
    return blast_id, f"/twilio-sms/{blast_id}/0/{call_id}/0", message_id


def status(message_id: str, value: str, code: str = "") -> list[tuple[str, str]]:
    found = [("MessageSid", message_id), ("MessageStatus", value), ("AccountSid", "AC1")]
    return found + ([("ErrorCode", code)] if code else [])


def recorded(monkeypatch) -> list[str]:
    """Records any read or write of a text's state (store.texts)."""
    seen: list[str] = []
    for name in ("record_receipt", "current"):
        real = getattr(texts, name)
        monkeypatch.setattr(
            texts, name, lambda *a, _n=name, _r=real, **k: seen.append(_n) or _r(*a, **k)
        )
    return seen


@pytest.mark.parametrize(
    "headers",
    [
        {},  # no signature
        {"X-Twilio-Signature": "bm90IGl0"},  # a wrong one
        "another-token",  # signed with another key
        "query",  # the context in a query, as the URL was once built: not the URL called
        {"Authorization": "Basic 1:session"},  # an OCP session is no signature
    ],
)
def test_an_unsigned_or_badly_signed_status_is_403_and_changes_nothing(
    api, john, twilio_texts, monkeypatch, headers
):
    blast_id, path, message_id = a_sent_text(api, john)
    twilio_texts()
    params = status(message_id, "delivered")
    if headers == "another-token":
        headers = signed(path, params, key="another-token")
    elif headers == "query":
        headers = signed("/twilio-sms?blastId=1&n=0&callId=1&attempt=0", params)
    seen = recorded(monkeypatch)
    response = post(api.client, path, params, headers)
    assert (response.status_code, response.body) == (403, b"")
    assert seen == []
    assert attempts(results(api, john, blast_id)) == [
        ("dialing", [{"number": "3035550115", "result": "Sent"}])
    ]


def test_a_signed_final_status_is_the_receipt_once_and_a_replay_changes_nothing(
    api, john, twilio_texts, inbox
):
    blast_id, path, message_id = a_sent_text(api, john)
    twilio_texts()
    # Statuses on the way: answered, nothing changes
    for value in ("queued", "sent"):
        params = status(message_id, value)
        assert post(api.client, path, params, signed(path, params)).status_code == 200
    assert attempts(results(api, john, blast_id))[0][0] == "dialing"
    # The final one: the recipient's result
    params = status(message_id, "undelivered", "30007")
    response = post(api.client, path, params, signed(path, params))
    assert response.status_code == 200 and response.headers["X-Request-Id"]
    after = [("failed", [{"number": "3035550115", "result": "Failed", "reason": "blocked"}])]
    assert attempts(results(api, john, blast_id)) == after
    # Sent again (and a later, different one): 200, nothing changes, one event
    assert post(api.client, path, params, signed(path, params)).status_code == 200
    late = status(message_id, "delivered")
    assert post(api.client, path, late, signed(path, late)).status_code == 200
    assert attempts(results(api, john, blast_id)) == after
    deliver_all()
    assert inbox.kinds(blastId=blast_id, recipient=0) == [("blastRecipient", "completed", 1)]


def test_signalwire_texts_are_checked_with_its_header_and_key(api, john, twilio_texts, tuned):
    blast_id, path, message_id = a_sent_text(api, john)
    twilio_texts()
    tuned(OCP_TWILIO_SIGNATURE="signalwire")
    params = status(message_id, "delivered")
    assert post(api.client, path, params, signed(path, params)).status_code == 403
    sw = {"X-SignalWire-Signature": signature.sign("sw-key", PUBLIC + path, params)}
    assert post(api.client, path, params, sw).status_code == 200
    assert attempts(results(api, john, blast_id))[0][0] == "complete"


def test_a_stage_not_texting_through_twilio_has_no_status_route(api, john):
    _, path, message_id = a_sent_text(api, john)
    params = status(message_id, "delivered")
    assert post(api.client, path, params, signed(path, params)).status_code == 404
