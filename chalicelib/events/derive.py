"""What follows from a committed change (store/changes.py): the status events of calls,
autoconferences, conference legs, blast recipients, conferences and blasts, and a blast
recipient's count on its blast. Plain values in, plain values out: events/stream.py
reads the changes and does what this says.

Each event comes from the one change that made it true, told apart by the item's old and
new image, so the same change read again makes the same event, with the same id:

    call        initiated   its first dial attempt claimed (`dialed` from none to one)
                answered    its state becomes connected
                completed   its state goes from live to complete or failed
    conference  initiated   the item is created (open)
                completed   its state goes from open to closed
    blast       initiated   its state goes from scheduled to starting (claimed)
                completed   its count of ended recipients reaches its recipients

A blast recipient with a statusCallback that ends is counted on its blast
(`RecipientEnded`), whose count reaching the last recipient is the blast's `completed`.
A conference whose count of ended legs reaches its legs is closed if its reservation
has passed (`LegsEnded`: conferences.close_if_over, which closes once); one still
reserved closes when its reservation's schedule fires.

An event's `timestamp` is the time the item records for what happened (the call's first
dial and its end, the conference's start and close, the blast's start), so an event made
late, after SQS was unavailable, says when it happened, and a repeat is the same bytes;
`answered` and a blast's `completed` have no such time, and say when they were made.
"""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.events import ANSWERED, COMPLETED, INITIATED, publish
from chalicelib.store import blasts, conferences
from chalicelib.store.calls import COMPLETE, CONNECTED, FAILED, LIVE_STATES
from chalicelib.store.changes import (
    BLASTS,
    CALLS,
    CONFERENCES,
    BlastImage,
    CallImage,
    Change,
    ConferenceImage,
)


@dataclass(frozen=True)
class RecipientEnded:
    """Count blast recipient `call_id` as ended on its blast (store.recipients.count_end)."""

    blast_id: int
    call_id: int
    succeeded: bool


@dataclass(frozen=True)
class LegsEnded:
    """Every leg of an open conference has ended: close it if it is over."""

    conference_id: int


Follow = publish.Message | RecipientEnded | LegsEnded


def follows(change: Change) -> list[Follow]:
    """What the change makes, in order: the events of one item come in the order of its
    changes, and one change makes at most one event of each type."""
    if change.new is None:  # deleted: a blast that never fired
        return []
    if change.table == CALLS:
        found = _of_call(change.old, change.new)
    elif change.table == CONFERENCES:
        found = _of_conference(change.old, change.new)
    elif change.table == BLASTS:
        found = _of_blast(change.old, change.new)
    else:
        found = []
    return [f for f in found if f is not None]


def _of_call(old: CallImage | None, new: CallImage) -> list[Follow | None]:
    status, callback = new.status, new.callback
    before = old.status if old is not None else None
    found: list[Follow | None] = []
    if (old.dialed if old is not None else 0) < new.dialed == 1:
        found.append(publish.call(status, callback, INITIATED, at=status.time_originated))
    if status.state == CONNECTED and (before is None or before.state != CONNECTED):
        found.append(publish.call(status, callback, ANSWERED, (INITIATED,)))
    if status.state in (COMPLETE, FAILED) and before is not None and before.state in LIVE_STATES:
        happened = (INITIATED,) * (before.time_originated is not None) + (ANSWERED,) * (
            before.state == CONNECTED
        )
        found.append(publish.call(status, callback, COMPLETED, happened, status.time_completed))
        if callback is not None and new.blast_id is not None:
            found.append(RecipientEnded(new.blast_id, status.call_id, status.success))
    return found


def _of_conference(old: ConferenceImage | None, new: ConferenceImage) -> list[Follow | None]:
    room, was = new.room, None if old is None else old.room.state
    if (
        old is not None
        and room.state == conferences.OPEN
        and old.room.ended_legs < room.ended_legs >= room.legs
    ):
        return [LegsEnded(room.conference_id)]
    at: int | None
    if was is None and room.state == conferences.OPEN:
        event, closed, mou, at = INITIATED, None, None, room.started
    elif was == conferences.OPEN and room.state == conferences.CLOSED:
        event, closed, mou, at = COMPLETED, new.closed, room.mou, new.closed
    else:
        return []
    return [
        publish.conference(
            room.callback,
            event,
            eid=room.eid,
            conference_id=room.conference_id,
            moderator=room.moderator,
            call_ids=list(new.call_ids),
            started=room.started,
            duration=room.duration,
            closed=closed,
            mou=mou,
            at=at,
        )
    ]


def _of_blast(old: BlastImage | None, new: BlastImage) -> list[Follow | None]:
    if old is None:
        return []
    if old.state == blasts.SCHEDULED and new.state == blasts.STARTING:
        event, succeeded, at = INITIATED, None, new.started
    elif old.ended < new.recipients <= new.ended:
        event, succeeded, at = COMPLETED, new.succeeded, None
    else:
        return []
    return [
        publish.blast(
            new.callback,
            event,
            eid=new.eid,
            blast_id=new.blast_id,
            kind=new.kind,
            user_id=new.user_id,
            blast_time=new.blast_time,
            recipients=new.recipients,
            succeeded=succeeded,
            at=at,
        )
    ]
