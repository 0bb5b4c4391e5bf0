"""The messaging port's adapters: End User Messaging's request shapes checked by botocore's
Stubber against the real service model, its refusals, its events read as receipts; the
simulated adapter's test numbers; Twilio's requests and status callbacks."""

from __future__ import annotations

from urllib.parse import urlencode

import boto3
import pytest
from botocore.stub import Stubber

from chalicelib import messaging
from chalicelib.messaging import eum, simulated, twilio
from chalicelib.messaging.port import MessagingBusy, MessagingError, Receipt, Sent, Text
from chalicelib.providers.twilio import rest, signature
from chalicelib.telephony import CarrierBusy, CarrierError

CONTEXT = {"blastId": "7", "n": "3", "callId": "1003", "attempt": "0"}
TEXT = Text("+13035551212", "Game cancelled", CONTEXT)


def adapter(client) -> eum.EumMessenger:
    return eum.EumMessenger(client, "+18005550100", 3.0, "ocp-test-sms", 86400, "0.20")


@pytest.fixture
def client():
    made = boto3.client(
        "pinpoint-sms-voice-v2",
        region_name="us-east-1",
        aws_access_key_id="x",
        aws_secret_access_key="x",
    )
    with Stubber(made) as stub:
        yield made, stub
        stub.assert_no_pending_responses()


def test_a_text_is_one_send_text_message_with_its_context(client):
    made, stub = client
    stub.add_response(
        "send_text_message",
        {"MessageId": "m-1"},
        {
            "DestinationPhoneNumber": "+13035551212",
            "OriginationIdentity": "+18005550100",
            "MessageBody": "Game cancelled",
            "MessageType": "TRANSACTIONAL",
            "ConfigurationSetName": "ocp-test-sms",
            "Context": CONTEXT,
            "TimeToLive": 86400,
            "MaxPrice": "0.20",
        },
    )
    assert adapter(made).send(TEXT) == Sent("m-1")


def refused(stub, code: str, reason: str | None = None, status: int = 400) -> None:
    stub.add_client_error(
        "send_text_message",
        service_error_code=code,
        http_status_code=status,
        modeled_fields={"Message": "no", **({"Reason": reason} if reason else {})},
    )


def test_an_opted_out_number_is_refused_and_that_is_its_result(client):
    made, stub = client
    refused(stub, "ConflictException", "DESTINATION_PHONE_NUMBER_OPTED_OUT")
    sent = adapter(made).send(TEXT)
    assert sent.message_id == ""
    assert sent.receipt is not None and sent.receipt.outcome == messaging.OPTED_OUT
    assert sent.receipt.context == CONTEXT


@pytest.mark.parametrize(
    ("reason", "outcome"),
    [("CANNOT_PARSE", messaging.INVALID), ("PRICE_OVER_THRESHOLD", messaging.REJECTED)],
)
def test_a_number_it_cannot_text_is_that_recipients_result(client, reason, outcome):
    made, stub = client
    refused(stub, "ValidationException", reason)
    assert adapter(made).send(TEXT).receipt.outcome == outcome


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("ThrottlingException", None),
        ("ServiceQuotaExceededException", "MONTHLY_SPEND_LIMIT_REACHED_FOR_TEXT"),
        ("InternalServerException", None),
    ],
)
def test_throttling_and_quotas_are_busy_never_a_result(client, code, reason):
    made, stub = client
    refused(stub, code, reason, 500 if code == "InternalServerException" else 400)
    with pytest.raises(MessagingBusy):
        adapter(made).send(TEXT)


def test_anything_else_is_an_error_to_try_again(client):
    made, stub = client
    refused(stub, "ResourceNotFoundException")
    with pytest.raises(MessagingError):
        adapter(made).send(TEXT)


def event(event_type: str, **more) -> dict:
    return {
        "eventType": event_type,
        "eventVersion": "1.0",
        "eventTimestamp": 1686975103470,
        "isFinal": True,
        "originationPhoneNumber": "+18005550100",
        "destinationPhoneNumber": "+13035551212",
        "messageId": "m-1",
        "messageStatus": event_type.removeprefix("TEXT_"),
        "context": CONTEXT,
        "totalMessageParts": 1,
        **more,
    }


@pytest.mark.parametrize(
    ("event_type", "outcome"),
    [
        ("TEXT_DELIVERED", messaging.DELIVERED),
        ("TEXT_INVALID", messaging.INVALID),
        ("TEXT_CARRIER_UNREACHABLE", messaging.UNREACHABLE),
        ("TEXT_SPAM", messaging.BLOCKED),
        ("TEXT_TTL_EXPIRED", messaging.EXPIRED),
        ("TEXT_UNKNOWN", messaging.UNKNOWN),
    ],
)
def test_final_events_are_receipts(event_type, outcome):
    assert eum.receipt(event(event_type)) == Receipt(
        "m-1", outcome, CONTEXT, eum.receipt(event(event_type)).detail
    )


def test_steps_on_the_way_are_not_receipts():
    assert eum.receipt(event("TEXT_QUEUED", isFinal=False)) is None
    assert eum.receipt(event("TEXT_SUCCESSFUL", isFinal=False)) is None
    # Where the carrier sends no handset receipt, the carrier's acceptance is final.
    assert eum.receipt(event("TEXT_SUCCESSFUL")).outcome == messaging.DELIVERED
    assert eum.receipt({"eventType": "TEXT_DELIVERED"}) is None  # no message id


@pytest.mark.parametrize(
    ("number", "outcome"),
    [
        ("+13035550111", messaging.INVALID),
        ("+13035550112", messaging.UNREACHABLE),
        ("+13035550113", messaging.BLOCKED),
        ("+13035550116", messaging.EXPIRED),
        ("+13035551212", messaging.DELIVERED),
    ],
)
def test_simulated_receipts_follow_the_test_numbers(number, outcome):
    sent = simulated.SimulatedMessenger().send(Text(number, "Hi", CONTEXT))
    assert sent.message_id and sent.receipt.outcome == outcome


def test_simulated_opt_out_is_refused_and_no_receipt_means_none():
    m = simulated.SimulatedMessenger()
    refused_send = m.send(Text("+13035550114", "Hi"))
    assert (refused_send.message_id, refused_send.receipt.outcome) == ("", messaging.OPTED_OUT)
    silent = m.send(Text("+13035550115", "Hi"))
    assert silent.message_id and silent.receipt is None
    assert [t.to for t in m.sent] == ["+13035550115"]  # the opted-out number was not texted


class FakeRest:
    def __init__(self, status: int = 201, body: dict | None = None, error: Exception | None = None):
        self.answer = (status, body if body is not None else {"sid": "SM1", "status": "queued"})
        self.error = error
        self.posts: list = []

    def post_form(self, path, params):
        self.posts.append((path, dict(params)))
        if self.error is not None:
            raise self.error
        return self.answer


BASE = "https://api.example/v1"


def messenger(rest: FakeRest, identity: str = "+13035550100") -> twilio.TwilioMessenger:
    return twilio.TwilioMessenger(rest, identity, 3.0, BASE)  # type: ignore[arg-type]


def test_twilio_sends_with_a_status_callback_carrying_the_context_in_its_path():
    rest = FakeRest()
    assert messenger(rest).send(TEXT) == Sent("SM1")
    [(path, params)] = rest.posts
    assert path == "Messages.json"  # the account's: Rest.url adds /Accounts/{sid}/
    assert params == {
        "To": "+13035551212",
        "From": "+13035550100",
        "Body": "Game cancelled",
        "StatusCallback": BASE + "/twilio-sms/7/3/1003/0",
    }
    # A Messaging Service sends instead of a number.
    rest = FakeRest()
    messenger(rest, "MG" + "0" * 32).send(TEXT)
    assert "From" not in rest.posts[0][1] and rest.posts[0][1]["MessagingServiceSid"]


def test_twilio_s_request_is_one_its_openapi_description_accepts():
    from local import fake_twilio

    rest = FakeRest()
    messenger(rest, "MG" + "a" * 32).send(TEXT)
    messenger(rest).send(TEXT)
    api = fake_twilio.OpenApi()
    for path, params in rest.posts:
        full = f"/2010-04-01/Accounts/{fake_twilio.ACCOUNT_SID}/{path}"
        assert api.check("POST", full, list(params.items()))["AccountSid"]


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (429, {"code": 20429}, None),
        (400, {"code": 20429}, None),
        (500, {}, None),
        (503, {"code": 20500}, None),
        (0, None, CarrierBusy("no connection", retry_after=2.0)),
    ],
)
def test_twilio_throttled_or_failing_is_busy_never_a_result(status, body, error):
    with pytest.raises(MessagingBusy):
        messenger(FakeRest(status, body, error)).send(TEXT)


@pytest.mark.parametrize(
    ("code", "outcome"),
    [
        (21610, messaging.OPTED_OUT),
        (21211, messaging.INVALID),
        (21614, messaging.INVALID),
        (21408, messaging.REJECTED),
        (21612, messaging.REJECTED),
    ],
)
def test_twilio_refusals_about_the_recipient_are_its_result(code, outcome):
    sent = messenger(FakeRest(400, {"code": code, "status": 400})).send(TEXT)
    assert sent.message_id == "" and sent.receipt is not None
    assert (sent.receipt.outcome, sent.receipt.context) == (outcome, CONTEXT)


def test_twilio_other_refusals_are_errors_tried_again():
    with pytest.raises(MessagingError, match="21606"):
        messenger(FakeRest(400, {"code": 21606})).send(TEXT)  # From is no SMS number
    with pytest.raises(MessagingError):
        messenger(FakeRest(error=CarrierError("no secret"))).send(TEXT)
    with pytest.raises(MessagingError, match="sid"):
        messenger(FakeRest(201, {})).send(TEXT)


def test_twilio_receipts_final_statuses_only():
    done = {"MessageSid": "SM1", "MessageStatus": "undelivered", "ErrorCode": "30003"}
    assert twilio.receipt(done, CONTEXT).outcome == messaging.UNREACHABLE
    for status in ("queued", "sending", "sent", "accepted"):
        assert twilio.receipt({"MessageSid": "SM1", "MessageStatus": status}, CONTEXT) is None
    delivered = twilio.receipt({"MessageSid": "SM1", "MessageStatus": "delivered"}, CONTEXT)
    assert (delivered.outcome, delivered.context, delivered.message_id) == (
        messaging.DELIVERED,
        CONTEXT,
        "SM1",
    )
    for code, outcome in [
        ("30004", messaging.BLOCKED),
        ("30007", messaging.BLOCKED),
        ("30006", messaging.INVALID),
        ("30001", messaging.EXPIRED),
        ("", messaging.UNKNOWN),
    ]:
        failed = {"MessageSid": "SM1", "MessageStatus": "failed", "ErrorCode": code}
        assert twilio.receipt(failed, CONTEXT).outcome == outcome


KEY = "auth-token"


def keys(refreshed: bool = False) -> tuple[str, ...]:
    return (KEY,)


def signed(url: str, params: dict[str, str], key: str = KEY) -> tuple[dict, bytes]:
    pairs = list(params.items())
    return {signature.TWILIO_HEADER: signature.sign(key, url, pairs)}, urlencode(pairs).encode()


def test_twilio_callback_is_signed_over_the_url_with_the_context_in_its_path():
    params = {"MessageSid": "SM1", "MessageStatus": "delivered", "AccountSid": "AC1"}
    headers, body = signed(BASE + "/twilio-sms/7/3/1003/0", params)
    status, found = twilio.callback(CONTEXT, headers, body, BASE, keys)
    assert status == 200 and found is not None
    assert (found.outcome, found.context) == (messaging.DELIVERED, CONTEXT)
    # Another recipient's path, another key, no signature, a form changed: 403, unread.
    assert twilio.callback({**CONTEXT, "n": "4"}, headers, body, BASE, keys) == (403, None)
    wrong, _ = signed(BASE + "/twilio-sms/7/3/1003/0", params, "not-the-key")
    assert twilio.callback(CONTEXT, wrong, body, BASE, keys) == (403, None)
    assert twilio.callback(CONTEXT, {}, body, BASE, keys) == (403, None)
    assert twilio.callback(CONTEXT, headers, body + b"&x=1", BASE, keys) == (403, None)
    assert twilio.callback({**CONTEXT, "n": "x"}, headers, body, BASE, keys) == (403, None)
    # A status on the way: signed, nothing to record.
    headers, body = signed(BASE + "/twilio-sms/7/3/1003/0", {**params, "MessageStatus": "sent"})
    assert twilio.callback(CONTEXT, headers, body, BASE, keys) == (200, None)


def test_twilio_callback_signed_with_a_rotated_key_is_read_again_once():
    calls: list[bool] = []

    def rotating(refreshed: bool = False) -> tuple[str, ...]:
        calls.append(refreshed)
        return ("new-token", "old-token") if refreshed else ("old-token",)

    headers, body = signed(
        BASE + "/twilio-sms/7/3/1003/0",
        {"MessageSid": "SM1", "MessageStatus": "delivered"},
        "new-token",
    )
    assert twilio.callback(CONTEXT, headers, body, BASE, rotating)[0] == 200
    assert calls == [False, True]


def test_rest_post_form_answers_the_status_unmapped_after_a_token_read_again():
    class Answer:
        def __init__(self, status: int, data: bytes):
            self.status, self.data, self.headers = status, data, {}

    class Http:
        def __init__(self, *answers: tuple[int, bytes]):
            self.answers, self.seen = list(answers), []

        def request(self, method, url, body=None, headers=None):
            self.seen.append((method, url, body, headers["Content-Type"]))
            return Answer(*self.answers.pop(0))

    http = Http((401, b"{}"), (400, b'{"code": 21610, "status": 400}'))
    client = rest.Rest(
        "https://api.test/2010-04-01", "AC1", lambda: "old", http=lambda: http,
        refreshed_token=lambda: "new",
    )  # fmt: skip
    assert client.post_form("Messages.json", {"To": "+1", "Body": "a b"}) == (
        400,
        {"code": 21610, "status": 400},
    )
    assert [s[1] for s in http.seen] == [
        "https://api.test/2010-04-01/Accounts/AC1/Messages.json"
    ] * 2
    assert http.seen[0][2] == "To=%2B1&Body=a+b"
    assert http.seen[0][3] == "application/x-www-form-urlencoded"


def test_twilio_carrier_texts_through_twilio_from_its_first_number(tuned):
    from chalicelib import settings

    tuned(
        OCP_CARRIER="twilio",
        OCP_TWILIO_NUMBERS="+13035550100,+18005550100",
        OCP_PUBLIC_BASE_URL="https://api.example/v1/",
        OCP_TWILIO_ACCOUNT_SID="AC1",
        OCP_SMS_MESSAGES_PER_SECOND="",  # the tests' own pace: the default instead
    )
    assert settings.get().messaging == "twilio"
    assert settings.get().sms_messages_per_second == 1  # a local number's pace
    m = messaging.messenger()
    assert isinstance(m, twilio.TwilioMessenger)
    assert (m.identity, m.public_base_url, m.rest.account_sid) == (
        "+13035550100",
        "https://api.example/v1",
        "AC1",
    )
    tuned(OCP_TWILIO_MESSAGING_SERVICE_SID="MG" + "1" * 32)
    assert messaging.messenger().identity == "MG" + "1" * 32
    tuned(OCP_MESSAGING="simulated")  # said outright, it wins
    assert settings.get().messaging == "simulated"
    tuned(OCP_MESSAGING="", OCP_CARRIER="simulated")
    assert settings.get().messaging == "simulated"


def test_twilio_without_a_number_or_a_public_url_cannot_text(tuned):
    tuned(OCP_CARRIER="twilio", OCP_TWILIO_NUMBERS="", OCP_PUBLIC_BASE_URL="https://x")
    with pytest.raises(MessagingError, match="OCP_TWILIO_NUMBERS"):
        messaging.messenger()
    tuned(OCP_TWILIO_NUMBERS="+13035550100", OCP_PUBLIC_BASE_URL="")
    with pytest.raises(MessagingError, match="OCP_PUBLIC_BASE_URL"):
        messaging.messenger()
