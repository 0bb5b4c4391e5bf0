"""blastsms results follow delivery receipts (docs/sms.md): the test numbers' named
failures, opt-outs refused and never texted, a receipt twice or for no message changes
nothing, the receipt window's sweep, and one status callback per recipient outcome."""

from __future__ import annotations

import json

import pytest

from chalicelib import clock, messaging
from chalicelib.messaging import Receipt
from chalicelib.workflows import texting
from tests.api.people import as_json
from tests.api.test_status_callbacks import (  # noqa: F401
    URL,
    aws,
    deliver_all,
    end_of,
    enterprise,
    inbox,
    john,
    start_blast,
)
from tests.workflows.conftest import frozen_clock, sfn_aws, switchboard  # noqa: F401

NUMBERS = "3:3035551212,3:3035550111,3:3035550112,3:3035550113,3:3035550114,3:3035550115"


def results(api, user_id: int, blast_id: int) -> dict:
    return as_json(api.get(f"/blastsms/{blast_id}?userId={user_id}&output=json"))


def attempts(body: dict) -> list[tuple[str, list]]:
    return [(t["currentState"], t["attempts"]) for t in body["terminations"]]


def test_each_text_ends_as_its_receipt_says_and_opted_out_numbers_are_not_texted(api, john, inbox):
    blast_id = start_blast(api, "blastsms", john, NUMBERS, "Game cancelled", statusCallback=URL)
    body = results(api, john, blast_id)
    assert attempts(body) == [
        ("complete", [{"number": "3035551212", "result": "Success"}]),
        ("failed", [{"number": "3035550111", "result": "Failed", "reason": "invalid"}]),
        ("failed", [{"number": "3035550112", "result": "Failed", "reason": "unreachable"}]),
        ("failed", [{"number": "3035550113", "result": "Failed", "reason": "blocked"}]),
        ("failed", [{"number": "3035550114", "result": "Failed", "reason": "optedOut"}]),
        ("dialing", [{"number": "3035550115", "result": "Sent"}]),  # no receipt yet
    ]
    assert body["currentState"] == "started"
    assert "+13035550114" not in [t.to for t in texting.default().sent]
    deliver_all()
    # One completed event per recipient with an outcome; none yet for the silent one.
    assert sorted(inbox.kinds(blastId=blast_id)) == sorted(
        [("blast", "initiated", 1)] + [("blastRecipient", "completed", 1)] * 5
    )


def test_a_receipt_twice_or_for_no_such_message_changes_nothing(api, john, inbox):
    blast_id = start_blast(api, "blastsms", john, "3:3035550115", "Hi", statusCallback=URL)
    [call_id] = [t["callId"] for t in results(api, john, blast_id)["terminations"]]
    [sent_id] = _message_ids(call_id)
    context = {"blastId": str(blast_id), "n": "0", "callId": str(call_id), "attempt": "0"}
    assert texting.receipt(Receipt("not-this-one", messaging.DELIVERED, context)) is False
    assert (
        texting.receipt(Receipt(sent_id, messaging.DELIVERED, {**context, "attempt": "3"})) is False
    )
    assert texting.receipt(Receipt(sent_id, messaging.DELIVERED, {})) is False
    assert texting.receipt(Receipt(sent_id, messaging.BLOCKED, context)) is True
    assert texting.receipt(Receipt(sent_id, messaging.DELIVERED, context)) is False  # late
    assert attempts(results(api, john, blast_id)) == [
        ("failed", [{"number": "3035550115", "result": "Failed", "reason": "blocked"}])
    ]
    deliver_all()
    assert inbox.kinds(blastId=blast_id, recipient=0) == [("blastRecipient", "completed", 1)]


def _message_ids(call_id: int) -> list[str]:
    from chalicelib.store.models import Call

    return [a.message_id for a in Call.get(call_id).attempts]


def test_an_end_user_messaging_event_through_sns_ends_the_recipient(api, john):
    blast_id = start_blast(api, "blastsms", john, "3:3035550115", "Hi")
    [call_id] = [t["callId"] for t in results(api, john, blast_id)["terminations"]]
    [sent_id] = _message_ids(call_id)
    event = {
        "eventType": "TEXT_DELIVERED",
        "isFinal": True,
        "messageId": sent_id,
        "context": {"blastId": str(blast_id), "n": "0", "callId": str(call_id), "attempt": "0"},
    }
    assert texting.receipt_message(json.dumps(event)) is True
    assert texting.receipt_message(json.dumps(event)) is False
    assert texting.receipt_message("not json") is False
    body = results(api, john, blast_id)
    assert attempts(body) == [("complete", [{"number": "3035550115", "result": "Success"}])]
    assert body["currentState"] == "complete"


def test_the_sweep_makes_texts_without_a_receipt_unknown_once(api, john, inbox):
    from chalicelib.workflows import schedule

    blast_id = start_blast(
        api, "blastsms", john, "3:3035550115,3:3035551212", "Hi", statusCallback=URL
    )
    [pending] = [p for p in schedule.pending() if p.name == f"smsreceipts-{blast_id}"]
    assert pending.at >= clock.now() + 72 * 3600
    texting.sweep(blast_id, 1)
    texting.sweep(blast_id, 1)
    body = results(api, john, blast_id)
    assert attempts(body) == [
        ("failed", [{"number": "3035550115", "result": "Failed", "reason": "unknown"}]),
        ("complete", [{"number": "3035551212", "result": "Success"}]),
    ]
    assert body["currentState"] == "complete"
    deliver_all()
    assert end_of(inbox, blast_id)["succeeded"] == 1
    assert inbox.kinds(blastId=blast_id, recipient=0) == [("blastRecipient", "completed", 1)]


@pytest.mark.parametrize("busy_times", [1, 3])
def test_a_throttled_send_waits_and_is_sent_never_failed(api, john, monkeypatch, busy_times):
    from chalicelib.messaging import MessagingBusy

    messenger = texting.default()
    real = messenger.send
    refusals = iter(range(busy_times))
    waits: list[float] = []

    def throttled(text):
        if next(refusals, None) is not None:
            raise MessagingBusy("throttled", 0.01)
        return real(text)

    monkeypatch.setattr(messenger, "send", throttled)
    monkeypatch.setattr(texting.time, "sleep", waits.append)
    blast_id = start_blast(api, "blastsms", john, "3:3035551212", "Hi")
    assert attempts(results(api, john, blast_id)) == [
        ("complete", [{"number": "3035551212", "result": "Success"}])
    ]
    assert len([w for w in waits if w == 0.01]) == busy_times


def _claimed(john, call_id):
    from chalicelib.domain.numbers import Phone
    from chalicelib.domain.recipients import Termination
    from chalicelib.store import recipients

    batch = recipients.Batch(99, 1, john, "blastsms", clock.now(), "")
    assert recipients.claim(batch, call_id, 0, Termination(3, Phone("1", "", "3035551212")))
    return {"blastId": "99", "n": "0", "callId": str(call_id), "attempt": "0"}


def test_a_receipt_before_its_send_is_recorded_is_held_and_applied_by_that_write(api, john):
    from chalicelib.store import texts

    context = _claimed(john, 5000)
    assert texting.receipt(Receipt("m-early", messaging.DELIVERED, context)) is True
    assert texting.receipt(Receipt("m-early", messaging.DELIVERED, context)) is True  # again
    assert texts.current(5000).attempts == ()  # held, not a result yet
    state = texts.record(5000, [texts.TextAttempt("3035551212", texts.SENT, "m-early")], 1)
    assert state.done and state.success
    assert state.attempts[0].reason == messaging.DELIVERED
    # delivered again once recorded: nothing changes
    assert texting.receipt(Receipt("m-early", messaging.DELIVERED, context)) is False


def test_a_held_receipt_for_a_message_the_recipient_never_had_changes_nothing(api, john):
    from chalicelib.store import texts

    context = _claimed(john, 5001)
    assert texting.receipt(Receipt("m-other", messaging.DELIVERED, context)) is True
    state = texts.record(5001, [texts.TextAttempt("3035551212", texts.SENT, "m-mine")], 1)
    assert not state.done and state.attempts[0].result == texts.SENT


def test_a_receipt_racing_the_sends_write_lands_either_way(api, john, monkeypatch):
    """The texts are recorded between the receipt's failed write and its hold: the hold
    is refused and the receipt applies to the recorded attempt."""
    from chalicelib.store import texts

    context = _claimed(john, 5002)
    hold = texts.hold_receipt

    def recorded_first(*args):
        texts.record(5002, [texts.TextAttempt("3035551212", texts.SENT, "m-race")], 1)
        return hold(*args)

    monkeypatch.setattr(texts, "hold_receipt", recorded_first)
    assert texting.receipt(Receipt("m-race", messaging.DELIVERED, context)) is True
    assert texts.current(5002).attempts[0].result == "Success"


def test_a_provider_failure_leaves_the_recipient_to_the_batchs_next_delivery(
    api, john, monkeypatch
):
    from chalicelib.messaging import MessagingError

    messenger = texting.default()
    real = messenger.send
    failures = iter([MessagingError("AccessDeniedException")])

    def failing(text):
        failure = next(failures, None)
        if failure is not None:
            raise failure
        return real(text)

    from chalicelib.store import aws

    monkeypatch.setattr(messenger, "send", failing)
    # A failed message comes back at once (its visibility timeout passes in no time).
    aws.client("sqs").set_queue_attributes(
        QueueUrl=aws.fanout_queue_url(), Attributes={"VisibilityTimeout": "0"}
    )
    blast_id = start_blast(api, "blastsms", john, "3:3035551212", "Hi")
    # the first delivery failed and released its claim; the queue's redelivery texts it
    assert attempts(results(api, john, blast_id)) == [
        ("complete", [{"number": "3035551212", "result": "Success"}])
    ]


def test_a_batch_out_of_time_hands_its_rest_back_and_everyone_is_texted_once(api, john, tuned):
    tuned(OCP_SMS_BATCH_SECONDS="0")  # each delivery texts one recipient, then requeues
    texting.default.cache_clear()  # an outbox of this test's texts only
    numbers = [f"3:303555{1200 + i}" for i in range(5)]
    blast_id = start_blast(api, "blastsms", john, ",".join(numbers), "Hi")
    body = results(api, john, blast_id)
    assert [t["currentState"] for t in body["terminations"]] == ["complete"] * 5
    sent = [t.to for t in texting.default().sent]
    assert sorted(sent) == sorted(f"+1303555{1200 + i}" for i in range(5))


def test_a_receipt_delivered_again_after_a_failed_end_ends_the_recipient(api, john):
    from chalicelib.store import texts

    blast_id = start_blast(api, "blastsms", john, "3:3035550115", "Hi")
    [call_id] = [t["callId"] for t in results(api, john, blast_id)["terminations"]]
    [sent_id] = _message_ids(call_id)
    # The receipt was recorded, and the function failed before the recipient's end
    assert texts.record_receipt(call_id, 0, sent_id, "Failed", messaging.BLOCKED, 1)
    assert attempts(results(api, john, blast_id))[0][0] == "dialing"
    # When the same receipt comes again, it changes no result, and the recipient ends
    context = {"blastId": str(blast_id), "n": "0", "callId": str(call_id), "attempt": "0"}
    assert texting.receipt(Receipt(sent_id, messaging.BLOCKED, context)) is False
    assert attempts(results(api, john, blast_id)) == [
        ("failed", [{"number": "3035550115", "result": "Failed", "reason": "blocked"}])
    ]
