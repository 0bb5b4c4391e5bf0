"""events/derive.py: what a committed change makes, from its old and new image alone (no
AWS): each event from the one change that made it true, the same bytes when the same
change is read again."""

from __future__ import annotations

import json
from dataclasses import replace
from decimal import Decimal

from chalicelib import clock
from chalicelib.events import Subscription, derive
from chalicelib.store.calls import CallStatus
from chalicelib.store.changes import BLASTS, CALLS, BlastImage, CallImage, Change

NOW = 1212186144
EVERY = Subscription("https://hooks.example.com/events")


def call(state: str, dialed: int = 0, **changes) -> CallImage:
    status = CallStatus(
        call_id=17,
        eid=1,
        user_id=235,
        kind=changes.pop("kind", "call"),
        state=state,
        success=state == "complete",
        mou=Decimal("0.0"),
        time_scheduled=NOW,
        time_originated=changes.pop("time_originated", None),
        time_completed=changes.pop("time_completed", None),
        calling_number="",
        attempts=(),
        request=changes.pop("request", {}),
    )
    return CallImage(status, changes.pop("callback", EVERY), dialed, changes.pop("counted", False))


def made(table: str, old, new) -> list:
    return derive.follows(Change(table, old, new, "1"))


def kinds(follows: list) -> list[tuple[str, int]]:
    out = []
    for f in follows:
        event = json.loads(json.loads(f.body)["body"])
        out.append((event["type"], event["sequence"]))
    return out


def test_each_call_event_comes_from_the_change_that_made_it_true():
    scheduled = call("scheduled")
    dialing = call("dialing", 1, time_originated=NOW)
    connected = replace(dialing, status=replace(dialing.status, state="connected"))
    ended = call("complete", 1, time_originated=NOW, time_completed=NOW + 61)
    with clock.frozen(NOW + 5):
        assert kinds(made(CALLS, None, scheduled)) == []
        assert kinds(made(CALLS, scheduled, dialing)) == [("initiated", 1)]
        # a second number dialed is no new `initiated`
        assert kinds(made(CALLS, dialing, replace(dialing, dialed=2))) == []
        assert kinds(made(CALLS, dialing, connected)) == [("answered", 2)]
        assert kinds(made(CALLS, connected, ended)) == [("completed", 3)]
        assert kinds(made(CALLS, dialing, ended)) == [("completed", 2)]
        never_rang = call("failed", time_completed=NOW)  # DND: no number dialed
        assert kinds(made(CALLS, scheduled, never_rang)) == [("completed", 1)]
        # a change after the end (its count on a blast) makes nothing
        assert made(CALLS, ended, replace(ended, counted=True)) == []


def test_the_same_change_read_again_is_the_same_bytes_whenever_it_is_read():
    dialing = call("dialing", 1, time_originated=NOW)
    ended = call("failed", 1, time_originated=NOW, time_completed=NOW + 30)
    with clock.frozen(NOW + 31):
        first = made(CALLS, dialing, ended)
    with clock.frozen(NOW + 3600):  # read again an hour later (SQS was down)
        again = made(CALLS, dialing, ended)
    assert first == again
    assert json.loads(json.loads(first[0].body)["body"])["timestamp"] == NOW + 30


def test_a_call_without_a_subscription_makes_no_event_and_counts_nothing():
    dialing = call("dialing", 1, callback=None, request={"blastId": 3, "n": 0})
    ended = call("complete", 1, callback=None, request={"blastId": 3, "n": 0})
    assert made(CALLS, dialing, ended) == []


def test_a_blast_recipient_s_end_is_counted_on_its_blast():
    texting = call("dialing", kind="blastsms", request={"blastId": 3, "n": 0})
    texted = call("complete", kind="blastsms", request={"blastId": 3, "n": 0}, time_completed=NOW)
    follows = made(CALLS, texting, texted)
    assert kinds(follows[:1]) == [("completed", 1)]
    assert follows[1] == derive.RecipientEnded(3, 17, True)


def blast(state: str, ended: int = 0, succeeded: int = 0) -> BlastImage:
    return BlastImage(3, 1, 235, "sms", NOW, 2, state, NOW, EVERY, ended, succeeded)


def test_a_blast_starts_once_and_ends_when_its_count_reaches_its_recipients():
    with clock.frozen(NOW + 9):
        assert kinds(made(BLASTS, blast("scheduled"), blast("starting"))) == [("initiated", 1)]
        assert made(BLASTS, blast("starting"), blast("started")) == []
        assert made(BLASTS, blast("started", 0), blast("started", 1, 1)) == []
        [end] = made(BLASTS, blast("started", 1, 1), blast("started", 2, 1))
        assert made(BLASTS, blast("started", 2, 1), blast("started", 2, 1)) == []
    data = json.loads(json.loads(end.body)["body"])["data"]
    assert (data["succeeded"], data["failed"], data["currentState"]) == (1, 1, "complete")


def test_a_deleted_item_makes_nothing():
    assert made(BLASTS, blast("scheduled"), None) == []
