"""The messaging port's adapters: End User Messaging's request shapes checked by botocore's
Stubber against the real service model, its refusals, its events read as receipts; the
simulated adapter's test numbers; Twilio's requests and status callbacks."""

from __future__ import annotations

import boto3
import pytest
from botocore.stub import Stubber

from chalicelib import messaging
from chalicelib.messaging import eum, simulated, twilio
from chalicelib.messaging.port import MessagingBusy, MessagingError, Receipt, Sent, Text

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
    def __init__(self, status: int, body: dict):
        self.answer = (status, body)
        self.posts: list = []

    def post_form(self, path, params):
        self.posts.append((path, dict(params)))
        return self.answer


def test_twilio_sends_with_a_status_callback_carrying_the_context():
    rest = FakeRest(201, {"sid": "SM1", "status": "queued"})
    m = twilio.TwilioMessenger(rest, "AC1", "+18005550100", 3.0, "https://api.example/twilio/sms")
    assert m.send(TEXT) == Sent("SM1")
    [(path, params)] = rest.posts
    assert path == "/2010-04-01/Accounts/AC1/Messages.json"
    assert params["From"] == "+18005550100" and params["To"] == "+13035551212"
    assert params["StatusCallback"].endswith("?blastId=7&n=3&callId=1003&attempt=0")


def test_twilio_refusals_and_receipts():
    m = twilio.TwilioMessenger(FakeRest(400, {"code": 21610}), "AC1", "MG1", 1.0, "https://x/")
    assert m.send(TEXT).receipt.outcome == messaging.OPTED_OUT
    with pytest.raises(MessagingBusy):
        twilio.TwilioMessenger(FakeRest(429, {}), "AC1", "MG1", 1.0, "https://x/").send(TEXT)
    done = {"MessageSid": "SM1", "MessageStatus": "undelivered", "ErrorCode": "30003"}
    assert twilio.receipt(done, CONTEXT).outcome == messaging.UNREACHABLE
    assert twilio.receipt({"MessageSid": "SM1", "MessageStatus": "sent"}, CONTEXT) is None
