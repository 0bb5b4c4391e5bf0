"""Publishing status events: what the stores call once a state has changed.

Each event is made here, whole, and queued with one SendMessage on the callbacks FIFO
queue; the consumer (events/delivery.py) signs and POSTs it as it is:

    {"id": "call-17-completed", "type": "completed", "object": "call", "sequence": 3,
     "timestamp": 1212186144, "enterpriseId": 1, "data": {... call GET's body ...}}

The id is the same whenever the same change is published again (a redelivered dialer
message, a repeated start): the queue drops a copy sent within 5 minutes (it is the
deduplication id) and a receiver drops later ones by id. The events of one object are
one message group: the queue hands them over in order, one at a time. A failure to
queue is logged, never raised: an event never fails a call.
"""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any

from chalicelib import clock
from chalicelib.events import COMPLETED, INITIATED, Subscription

if TYPE_CHECKING:
    from chalicelib.store.calls import CallStatus

log = logging.getLogger(__name__)

# A Calls item's kind -> the object its events are about.
CALL_OBJECTS = {
    "call": "call",
    "autoconference": "autoconference",
    "conference": "conferenceLeg",
    "blast": "blastRecipient",
    "blastsms": "blastRecipient",
}


def call(
    status: CallStatus,
    subscription: Subscription | None,
    event_type: str,
    happened: tuple[str, ...] = (),
) -> None:
    """An event of a call, autoconference, conference leg or blast recipient: its data is
    call GET's body (with its conference or its blast and recipient number)."""
    if subscription is None or not subscription.wants(event_type):
        return
    from chalicelib.protocol.bodies import call_body
    from chalicelib.protocol.render import json_data

    data = json_data(call_body(status))
    request = status.request
    if status.kind == "conference" and "conferenceId" in request:
        data["conferenceId"] = int(request["conferenceId"])
    if "blastId" in request:
        data["blastId"] = int(request["blastId"])
        data["recipient"] = int(request["n"])
    _publish(
        status.eid,
        subscription,
        CALL_OBJECTS.get(status.kind, "call"),
        f"call-{status.call_id}",
        event_type,
        happened,
        data,
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
) -> None:
    """A conference was opened (initiated) or closed (completed)."""
    if subscription is None or not subscription.wants(event_type):
        return
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
    _publish(
        eid,
        subscription,
        "conference",
        f"conference-{conference_id}",
        event_type,
        _opened_before(event_type),
        data,
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
) -> None:
    """A blast started (initiated: its recipients are being dialed or texted) or every
    recipient has ended (completed, with how many succeeded). Each recipient's own events
    come as `blastRecipient`."""
    if subscription is None or not subscription.wants(event_type):
        return
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
    _publish(
        eid,
        subscription,
        "blast",
        f"blast-{blast_id}",
        event_type,
        _opened_before(event_type),
        data,
    )


def _opened_before(event_type: str) -> tuple[str, ...]:
    """What a conference or a blast sent before `event_type`: its `completed` follows its
    `initiated`."""
    return (INITIATED,) if event_type == COMPLETED else ()


def _publish(
    eid: int,
    subscription: Subscription,
    kind: str,
    group: str,
    event_type: str,
    happened: tuple[str, ...],
    data: dict,
) -> None:
    """`happened`: the event types of the object before this one (its sequence)."""
    event = {
        "id": f"{group}-{event_type}",
        "type": event_type,
        "object": kind,
        "sequence": subscription.sequence(event_type, happened),
        "timestamp": clock.now(),
        "enterpriseId": eid,
        "data": data,
    }
    message = {
        "eid": eid,
        "url": subscription.url,
        "id": event["id"],
        # The exact bytes that are signed and sent.
        "body": json.dumps(event, separators=(",", ":")),
    }
    try:
        from chalicelib.store import aws

        aws.client("sqs").send_message(
            QueueUrl=aws.callback_queue_url(),
            MessageBody=json.dumps(message, separators=(",", ":")),
            MessageGroupId=group,
            MessageDeduplicationId=event["id"],
        )
    except Exception:
        log.exception("event %s not queued", event["id"])
