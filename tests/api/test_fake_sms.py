"""local/fake_sms.py speaks End User Messaging's wire format: the real adapter (botocore,
JSON 1.0 with X-Amz-Target) sends through it, and its events are what the receipt path
reads, with the text's context echoed."""

from __future__ import annotations

import time

import boto3
import pytest
from botocore.config import Config

from chalicelib import clock, messaging
from chalicelib.messaging import eum
from chalicelib.messaging.port import MessagingBusy, Text
from local.fake_sms import FakeSms

NOW = 1_800_000_000
CONTEXT = {"blastId": "1", "n": "0", "callId": "10", "attempt": "0"}


@pytest.fixture
def service():
    events: list[dict] = []
    fake = FakeSms(events.append, per_second=3, receipt_delay=0)
    server = fake.serve(0)
    client = boto3.client(
        "pinpoint-sms-voice-v2",
        region_name="us-east-1",
        endpoint_url=f"http://127.0.0.1:{server.server_address[1]}",
        aws_access_key_id="x",
        aws_secret_access_key="x",
        config=Config(retries={"total_max_attempts": 1}),
    )
    adapter = eum.EumMessenger(client, "+18005550100", 3, "ocp-test-sms", 86400, "0.20")
    yield fake, adapter, events
    server.shutdown()


def wait_for(events: list, count: int) -> None:
    deadline = time.monotonic() + 5
    while len(events) < count and time.monotonic() < deadline:
        time.sleep(0.01)


def test_a_text_is_taken_and_its_event_carries_the_context(service):
    _fake, adapter, events = service
    sent = adapter.send(Text("+13035550112", "Hi", CONTEXT))
    assert sent.message_id and sent.receipt is None
    wait_for(events, 1)
    [event] = events
    assert (event["eventType"], event["messageId"], event["context"]) == (
        "TEXT_UNREACHABLE",
        sent.message_id,
        CONTEXT,
    )
    assert eum.receipt(event).outcome == messaging.UNREACHABLE


def test_an_opted_out_number_is_refused_as_the_service_refuses_it(service):
    fake, adapter, _events = service
    sent = adapter.send(Text("+13035550114", "Hi", CONTEXT))
    assert sent.receipt.outcome == messaging.OPTED_OUT
    assert fake.stats.refused == 1


def test_no_receipt_number_sends_no_event_and_the_identity_is_throttled_past_its_rate(service):
    fake, adapter, events = service
    # With the clock the fake's windows read frozen, four sends fall in one second
    with clock.frozen(NOW):
        for _ in range(3):
            adapter.send(Text("+13035550115", "Hi", CONTEXT))
        with pytest.raises(MessagingBusy):
            adapter.send(Text("+13035550115", "Hi", CONTEXT))
    time.sleep(0.1)
    assert events == [] and fake.stats.throttled == 1
    assert fake.stats.accepted == 3


def test_the_identity_s_next_second_is_a_new_window(service):
    fake, adapter, _events = service
    with clock.frozen(NOW):
        for _ in range(3):
            adapter.send(Text("+13035550115", "Hi", CONTEXT))
        clock.advance(1)
        adapter.send(Text("+13035550115", "Hi", CONTEXT))
    assert (fake.stats.accepted, fake.stats.throttled) == (4, 0)
