"""Status events made whole, and queued: what events/derive.py makes of a committed change.

Each event is made here and queued with one SendMessage on the callbacks FIFO queue;
the consumer (events/delivery.py) signs and POSTs it as it is:

    {"id": "call-17-completed", "type": "completed", "object": "call", "sequence": 3,
     "timestamp": 1212186144, "enterpriseId": 1, "data": {... call GET's body ...}}

The id is the same whenever the same change is published again (a redelivered dialer
message, a repeated start): the queue drops a copy sent within 5 minutes (it is the
deduplication id) and a receiver drops later ones by id. The events of one object are
one message group: the queue hands them over in order, one at a time. A failure to
queue raises: the stream record it came from is read again (events/stream.py), and a
call never waits for it, since nothing here runs where the call is written.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from chalicelib import clock
from chalicelib.events import COMPLETED, INITIATED, Subscription
from chalicelib.protocol.bodies import call_body
from chalicelib.protocol.render import json_data
from chalicelib.store import aws, queues

if TYPE_CHECKING:
    from chalicelib.store.calls import CallStatus

# A Calls item's kind -> the object its events are about.
CALL_OBJECTS = {
    "call": "call",
    "autoconference": "autoconference",
    "conference": "conferenceLeg",
    "blast": "blastRecipient",
    "blastsms": "blastRecipient",
}


@dataclass(frozen=True)
class Message:
    """One event, as the callbacks queue carries it."""

    group: str  # the object's: its events are one FIFO message group
    id: str  # the event's id: the queue's deduplication id and the receiver's
    body: str  # the queue message: {"eid", "url", "id", "body"}


def queue(message: Message) -> None:
    """SendMessage; raises when SQS refuses (the caller reads its change again later)."""
    queues.send(
        aws.callback_queue_url(),
        message.body,
        MessageGroupId=message.group,
        MessageDeduplicationId=message.id,
    )


def call(
    status: CallStatus,
    subscription: Subscription | None,
    event_type: str,
    happened: tuple[str, ...] = (),
    at: int | None = None,
) -> Message | None:
    """An event of a call, autoconference, conference leg or blast recipient: its data is
    call GET's body (with its conference or its blast and recipient number)."""
    if subscription is None or not subscription.wants(event_type):
        return None
    data = json_data(call_body(status))
    request = status.request
    if status.kind == "conference" and "conferenceId" in request:
        data["conferenceId"] = int(request["conferenceId"])
    if "blastId" in request:
        data["blastId"] = int(request["blastId"])
        data["recipient"] = int(request["n"])
    return _message(
        status.eid,
        subscription,
        CALL_OBJECTS.get(status.kind, "call"),
        f"call-{status.call_id}",
        event_type,
        happened,
        data,
        at,
    )


def conference(
    subscription: Subscription | None,
    event_type: str,
    *,
    eid: int,
    conference_id: int,
    moderator: int,
    call_ids: list[int],
    started: int,
    duration: int,
    closed: int | None = None,
    mou: Any = None,
    at: int | None = None,
) -> Message | None:
    """A conference was opened (initiated) or closed (completed)."""
    if subscription is None or not subscription.wants(event_type):
        return None
    data = {
        "conferenceId": conference_id,
        "userId": moderator,
        "callIds": sorted(call_ids),
        "timeStarted": started,
        "duration": duration,
        "timeClosed": closed,
        "mou": None if mou is None else float(mou),
        "currentState": "closed" if event_type == COMPLETED else "open",
    }
    return _message(
        eid,
        subscription,
        "conference",
        f"conference-{conference_id}",
        event_type,
        _opened_before(event_type),
        data,
        at,
    )


def blast(
    subscription: Subscription | None,
    event_type: str,
    *,
    eid: int,
    blast_id: int,
    kind: str,
    user_id: int,
    blast_time: int,
    recipients: int,
    succeeded: int | None = None,
    at: int | None = None,
) -> Message | None:
    """A blast started (initiated: its recipients are being dialed or texted) or every
    recipient has ended (completed, with how many succeeded). Each recipient's own events
    come as `blastRecipient`."""
    if subscription is None or not subscription.wants(event_type):
        return None
    data: dict[str, Any] = {
        "blastId": blast_id,
        "kind": kind,
        "userId": user_id,
        "blastTime": blast_time,
        "recipients": recipients,
        "currentState": "complete" if event_type == COMPLETED else "started",
    }
    if succeeded is not None:
        data["succeeded"] = succeeded
        data["failed"] = recipients - succeeded
    return _message(
        eid,
        subscription,
        "blast",
        f"blast-{blast_id}",
        event_type,
        _opened_before(event_type),
        data,
        at,
    )


def _opened_before(event_type: str) -> tuple[str, ...]:
    """What a conference or a blast sent before `event_type`: its `completed` follows its
    `initiated`."""
    return (INITIATED,) if event_type == COMPLETED else ()


def _message(
    eid: int,
    subscription: Subscription,
    kind: str,
    group: str,
    event_type: str,
    happened: tuple[str, ...],
    data: dict,
    at: int | None,
) -> Message:
    """`happened`: the event types of the object before this one (its sequence); `at`:
    when it happened, as the item records it (now when it does not)."""
    event_id = f"{group}-{event_type}"
    event = {
        "id": event_id,
        "type": event_type,
        "object": kind,
        "sequence": subscription.sequence(event_type, happened),
        "timestamp": clock.now() if at is None else at,
        "enterpriseId": eid,
        "data": data,
    }
    message = {
        "eid": eid,
        "url": subscription.url,
        "id": event_id,
        # The exact bytes that are signed and sent.
        "body": json.dumps(event, separators=(",", ":")),
    }
    return Message(group, event_id, json.dumps(message, separators=(",", ":")))
