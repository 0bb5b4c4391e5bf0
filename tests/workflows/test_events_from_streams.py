"""Events follow committed state (issue 22, item 1): a call's, conference's or blast's
status events come from its table's stream (chalicelib/events/stream.py), not from the
code that wrote it. So an event survives SQS refusing for a while and the writer dying
right after its write, and a write that did not commit makes none.

The stream is read as `make run`'s worker reads it (local/streams.py) and as Lambda hands
it over (`stream.lambda_handler`); the callbacks queue is looked at, not delivered.
"""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from chalicelib.events import Subscription, publish, stream
from chalicelib.store import aws, blasts, calls, conferences, recipients, texts
from chalicelib.store.calls import AttemptRecord
from chalicelib.store.models import Blast
from local import streams

pytestmark = pytest.mark.usefixtures("aws")

NOW = 1212186144
URL = "https://hooks.example.com/ocp/events"
EVERY = Subscription(URL)


def new_call(call_id: int = 17, callback: Subscription | None = EVERY, **request) -> int:
    calls.create(call_id, 1, 235, "call", NOW, "7202108298", request or {"text": "hi"}, callback)
    return call_id


def connect_and_end(call_id: int) -> None:
    assert calls.claim_dial(call_id, "0.0", NOW) == calls.Claim.CLAIMED
    assert calls.mark_connected(call_id)
    assert calls.finish(call_id, True, NOW + 61, seconds=61)


def queued() -> list[dict]:
    """Every event on the callbacks queue, in order (each message received once)."""
    sqs, url = aws.client("sqs"), aws.callback_queue_url()
    found: list[dict] = []
    while True:
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        if not messages:
            return found
        for m in messages:
            found.append(json.loads(m["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])


def ids(events: list[dict]) -> list[str]:
    return [e["id"] for e in events]


def calls_records() -> list[dict]:
    """Every record of the Calls stream, as Lambda's event has them."""
    client = aws.client("dynamodbstreams")
    arn = aws.client("dynamodb").describe_table(TableName=calls.Call.Meta.table_name)["Table"][
        "LatestStreamArn"
    ]
    [shard] = client.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]
    iterator = client.get_shard_iterator(
        StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]
    return [
        {**r, "eventSourceARN": arn} for r in client.get_records(ShardIterator=iterator)["Records"]
    ]


class FlakySqs:
    """SendMessage of the callbacks queue that refuses while `down`, as SQS does when it
    is unavailable, counting what it took by event id."""

    def __init__(self, monkeypatch) -> None:
        client = aws.client("sqs")
        self.real = client.send_message
        self.down = False
        self.refuse_after: int | None = None  # refuse once this many went through
        self.taken: list[str] = []
        monkeypatch.setattr(client, "send_message", self.send_message)

    def send_message(self, **kw):
        if self.down or (self.refuse_after is not None and len(self.taken) >= self.refuse_after):
            raise ClientError(
                {"Error": {"Code": "ServiceUnavailable", "Message": "SQS is down"}}, "SendMessage"
            )
        self.taken.append(kw["MessageDeduplicationId"])
        return self.real(**kw)


# -- what a change makes ------------------------------------------------------------------


def test_a_call_s_writes_queue_nothing_and_its_stream_makes_its_events_in_order():
    # Given a call with a statusCallback, dialed, connected and ended
    call_id = new_call()
    connect_and_end(call_id)
    # Then the writes queued nothing themselves
    assert queued() == []
    # When its stream is read
    streams.drain()
    # Then its three events are queued, in order, each made from the item as committed
    events = queued()
    assert ids(events) == [f"call-{call_id}-{t}" for t in ("initiated", "answered", "completed")]
    status = calls.find_status(call_id)
    completed = publish.call(
        status, EVERY, "completed", ("initiated", "answered"), at=status.time_completed
    )
    assert completed is not None and events[-1]["body"] == json.loads(completed.body)["body"]
    # And reading the stream again makes nothing more
    assert streams.drain() == 0 and queued() == []


def test_a_call_without_a_callback_makes_no_event():
    connect_and_end(new_call(callback=None))
    streams.drain()
    assert queued() == []


# -- SQS failing for a while ------------------------------------------------------------------


def test_while_sqs_refuses_the_records_wait_and_then_each_event_arrives_once(monkeypatch):
    sqs = FlakySqs(monkeypatch)
    call_id = new_call()
    connect_and_end(call_id)
    # Given SQS refusing: the records are read, fail, and are read again each time (the
    # call's creation makes no event: its record goes through)
    sqs.down = True
    assert [streams.drain() for _ in range(3)] == [1, 0, 0]
    assert queued() == []
    # And SQS coming back for one event, then refusing again
    sqs.down, sqs.refuse_after = False, 1
    assert streams.drain() == 1  # the record that made `initiated`; `answered` failed
    sqs.refuse_after = None
    # When it is back for good
    streams.drain()
    # Then every event arrived, in order, and none was sent twice
    expected = [f"call-{call_id}-{t}" for t in ("initiated", "answered", "completed")]
    assert ids(queued()) == expected
    assert sqs.taken == expected


def test_lambda_is_told_to_hand_over_again_from_the_first_record_that_failed(monkeypatch):
    sqs = FlakySqs(monkeypatch)
    call_id = new_call()
    connect_and_end(call_id)
    event = {"Records": calls_records()}
    records = event["Records"]
    # Given SQS down after the first event: the second record's is the first to fail
    sqs.refuse_after = 1
    response = stream.lambda_handler(event)
    claimed = [r["dynamodb"]["SequenceNumber"] for r in records if r["eventName"] == "MODIFY"]
    assert response == {"batchItemFailures": [{"itemIdentifier": claimed[1]}]}
    # When Lambda hands over that record and those after it, SQS being back
    sqs.refuse_after = None
    rest = [r for r in event["Records"] if int(r["dynamodb"]["SequenceNumber"]) >= int(claimed[1])]
    assert stream.lambda_handler({"Records": rest}) == {"batchItemFailures": []}
    assert sqs.taken == [f"call-{call_id}-{t}" for t in ("initiated", "answered", "completed")]


# -- the writer dying right after its write ---------------------------------------------------


class Died(BaseException):
    """The Lambda function's process ending (a timeout, out of memory): nothing after runs."""


def test_an_end_written_by_a_function_that_dies_right_after_still_makes_its_event(monkeypatch):
    call_id = new_call()
    assert calls.claim_dial(call_id, "0.0", NOW) == calls.Claim.CLAIMED
    commit = calls.commit_if

    def commit_then_die(run):
        commit(run)
        raise Died

    # Given a dialer that dies the moment the call's end is committed
    monkeypatch.setattr(calls, "commit_if", commit_then_die)
    with pytest.raises(Died):
        calls.finish(
            call_id, False, NOW + 30, key="0.0", attempt=AttemptRecord("3035550101", "Busy")
        )
    # Then the end was committed, and the stream still makes its event
    assert calls.find_status(call_id).state == calls.FAILED
    streams.drain()
    events = queued()
    assert ids(events) == [f"call-{call_id}-initiated", f"call-{call_id}-completed"]
    assert json.loads(events[-1]["body"])["data"]["attempts"] == [
        {"number": "3035550101", "result": "Busy"}
    ]


# -- a write that did not commit ------------------------------------------------------------------


def test_a_cancelled_transaction_and_a_failed_condition_make_no_event(monkeypatch):
    from chalicelib.store.models import Account

    call_id = new_call()
    assert calls.claim_dial(call_id, "0.0", NOW) == calls.Claim.CLAIMED
    assert calls.mark_connected(call_id)
    streams.drain()
    assert ids(queued()) == [f"call-{call_id}-initiated", f"call-{call_id}-answered"]

    # Given the end's transaction cancelled by its other item (the call's own update in
    # it would have succeeded)
    def refused(tx, eid, user_id, minutes):
        tx.condition_check(Account, user_id, eid, condition=Account.user_id.exists())

    monkeypatch.setattr(calls.accounts, "add_minutes_used_in", refused)
    assert not calls.finish(call_id, True, NOW + 61, seconds=61)
    # And conditional writes that failed: a dial claimed again, its result recorded twice
    assert calls.claim_dial(call_id, "0.0", NOW) == calls.Claim.DUPLICATE
    assert calls.record_attempts(call_id, "0.0", [AttemptRecord("7209814345", "Success")], NOW)
    assert not calls.record_attempts(call_id, "0.0", [AttemptRecord("7209814345", "Success")], NOW)
    # Then the stream makes no event of what did not commit
    streams.drain()
    assert queued() == []
    assert calls.find_status(call_id).state == calls.CONNECTED


# -- conferences and blasts -----------------------------------------------------------------


def test_a_conference_opens_and_closes_from_its_stream():
    conferences.create(5, 1, 235, "room-5", NOW, 60, 40, EVERY)
    calls.create(40, 1, 235, conferences.LEG_KIND, NOW, "", {"conferenceId": 5}, EVERY)
    assert calls.finish(40, False, NOW + 10)
    assert conferences.close_if_over(5, NOW + 60) is not None
    streams.drain()
    events = [json.loads(e["body"]) for e in queued()]
    assert [(e["id"], e["sequence"]) for e in events if e["object"] == "conference"] == [
        ("conference-5-initiated", 1),
        ("conference-5-completed", 2),
    ]
    [closed] = [e["data"] for e in events if e["id"] == "conference-5-completed"]
    assert (closed["callIds"], closed["timeClosed"], closed["currentState"]) == (
        [40],
        NOW + 60,
        "closed",
    )


def test_a_blast_recipient_read_twice_is_counted_once_and_the_blast_ends_once():
    from chalicelib.domain.numbers import Phone
    from chalicelib.domain.recipients import Termination

    term = Termination(3, Phone("1", "", "3035551212"))
    blast = blasts.create(
        1,
        235,
        "sms",
        text="hi",
        audio=None,
        blast_time=NOW,
        hide_ani=False,
        allow_callback=True,
        origination=term,
        terminations=[term],
        at=NOW,
        callback=EVERY,
    )
    claimed = blasts.claim_start(blast, NOW)
    assert claimed is not None
    batch = recipients.Batch(blast.blast_id, 1, 235, "blastsms", NOW, "", EVERY)
    call_id = claimed.call_id(0)
    assert recipients.create_calls(batch, [(call_id, 0, term)], state="dialing")
    # its text delivered: recorded, then the recipient ended (workflows/texting.py)
    texts.record(call_id, [texts.TextAttempt("3035551212", "Success")], NOW)
    assert calls.finish(call_id, True, NOW)
    # When the Calls stream is read twice over (a retried batch)
    records = calls_records()
    assert stream.handle(records) is None
    assert stream.handle(records) is None
    # Then the recipient was counted once, and the blast's end made once
    item = Blast.get(blast.blast_id)
    assert (int(item.ended), int(item.succeeded)) == (1, 1)
    streams.drain()
    events = [json.loads(e["body"]) for e in queued()]
    assert sorted((e["id"], e["sequence"]) for e in events) == sorted(
        [
            (f"call-{call_id}-completed", 1),
            (f"blast-{blast.blast_id}-initiated", 1),
            (f"blast-{blast.blast_id}-completed", 2),
        ]
    )


def test_a_last_leg_ended_by_a_dialer_that_dies_right_after_still_closes_its_conference(
    monkeypatch,
):
    # Given a conference whose reservation has passed while its one leg was still on
    conferences.create(6, 1, 235, "room-6", NOW, 60, 41, EVERY)
    calls.create(41, 1, 235, conferences.LEG_KIND, NOW, "", {"conferenceId": 6}, EVERY)
    assert conferences.close_if_over(6, NOW + 60) is None
    commit = calls.commit_if

    def commit_then_die(run):
        commit(run)
        raise Died

    # When the leg's end is committed and the dialer dies at once
    monkeypatch.setattr(calls, "commit_if", commit_then_die)
    with pytest.raises(Died):
        calls.finish(41, False, NOW + 90)
    assert conferences.get(6, 1).state == conferences.OPEN
    # Then the stream closes the conference, and its close is an event
    streams.drain()
    assert conferences.get(6, 1).state == conferences.CLOSED
    assert "conference-6-completed" in ids(queued())
