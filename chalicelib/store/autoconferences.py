"""Autoconferences: Calls items of kind "autoconference" (DESIGN.md "Data").

The item keeps what the client asked for in `request` (for GET), the conferenceTime in
`time_scheduled`, and `schedule_version`, which numbers the item's schedule so that a
delivery of a schedule moved since (PUT) is told from the current one. Every change is
one conditional write: PUT and DELETE only while the item is still scheduled (else 304,
RULINGS "Scheduled work"); firing moves it from scheduled to dialing once per version.
A cancelled item stays (so a late delivery finds it) but is gone for the routes (305).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action

from chalicelib.domain.destinations import Destination
from chalicelib.domain.numbers import Phone
from chalicelib.domain.subscriptions import Subscription
from chalicelib.errors import Code, OcpError
from chalicelib.store import calls, users
from chalicelib.store.conditional import update_if
from chalicelib.store.models import Call
from chalicelib.store.transactions import Backoff

log = logging.getLogger(__name__)

KIND = "autoconference"


@dataclass(frozen=True)
class Autoconference:
    """What the client asked for (reference "autoconference POST")."""

    number: Phone  # the conference number
    pin: str  # DTMF outpulsed once the conference answers
    text: str  # the announcement played to the user
    origination: Destination  # who is dialed (1 userId, 2 email, 3 phone)
    time: int  # conferenceTime: when it is (or was) dialed
    disable_amd: bool = False

    def request(self) -> dict[str, Any]:
        return {
            "conferenceNumber": self.number.display,
            "conferencePin": self.pin,
            "announcementText": self.text,
            "origination": self.origination.wire(),
            "disableAMD": int(self.disable_amd),
        }


@dataclass(frozen=True)
class Stored:
    call_id: int
    eid: int
    user_id: int
    state: str
    version: int
    conference: Autoconference


def create(
    call_id: int,
    eid: int,
    user_id: int,
    conference: Autoconference,
    callback: Subscription | None = None,
) -> None:
    """Scheduled, version 0. `callback`: its statusCallback."""
    calls.create(
        call_id,
        eid=eid,
        user_id=user_id,
        kind=KIND,
        time_scheduled=conference.time,
        request=conference.request(),
        callback=callback,
    )


def get(call_id: int, eid: int, user_id: int | None) -> Stored:
    """The user's autoconference; 305 if there is none such (or it was deleted)."""
    item = calls.find(call_id)
    if item is None or not _owned(item, eid, user_id) or item.state == calls.CANCELLED:
        raise OcpError(Code.NO_SUCH_CONFERENCE)
    return _stored(item)


def list_ids(eid: int, user_id: int) -> list[int]:
    """The user's autoconferences (deleted ones aside), by callId: one query; 106 if the
    user has none and is not visible to the enterprise (as blast GET)."""
    found = Call.by_user.query(
        user_id,
        Call.kind == KIND,
        filter_condition=(Call.eid == eid) & (Call.state != calls.CANCELLED),
        attributes_to_get=["call_id"],
    )
    ids = sorted(int(item.call_id) for item in found)
    if not ids:
        users.get(user_id, eid)  # none, or no such user (106)
    return ids


def change(
    call_id: int,
    eid: int,
    user_id: int,
    changes: dict[str, Any],
    *,
    start: bool,
    before_write: Callable[[Stored], None] | None = None,
) -> Stored:
    """PUT: the stored request with `changes` (Autoconference fields) and a new version,
    while still scheduled; `start` moves it to dialing in the same write (no future time).
    `before_write(stored_after)` runs first, once per attempt (it moves the schedule, so a
    schedule exists before the item names its version). 305 / 304 as for DELETE."""
    backoff = Backoff(f"autoconference {call_id}")
    while True:
        current = get(call_id, eid, user_id)
        if current.state != calls.SCHEDULED:
            raise OcpError(Code.ALREADY_FIRED)  # it has fired (RULINGS "Scheduled work")
        after = replace(
            current,
            version=current.version + 1,
            conference=replace(current.conference, **changes),
            state=calls.DIALING if start else calls.SCHEDULED,
        )
        if before_write is not None:
            before_write(after)
        actions: list[Action] = [
            Call.request.set(after.conference.request()),
            Call.time_scheduled.set(after.conference.time),
            Call.schedule_version.set(after.version),
        ]
        if start:
            actions.append(Call.state.set(calls.DIALING))
        if update_if(Call(call_id), actions, Call.call_id.exists() & _scheduled(current.version)):
            return after
        backoff.pause()  # changed meanwhile: read again (116 past the budget)


def cancel(call_id: int, eid: int, user_id: int | None) -> None:
    """DELETE: scheduled -> cancelled. 305 if unknown or already deleted, 304 if it fired."""
    current = get(call_id, eid, user_id)
    if current.state == calls.SCHEDULED and update_if(
        Call(call_id),
        [Call.state.set(calls.CANCELLED)],
        Call.call_id.exists() & (Call.state == calls.SCHEDULED),
    ):
        return
    get(call_id, eid, user_id)  # 305 if a concurrent DELETE won
    raise OcpError(Code.ALREADY_FIRED)


def claim(call_id: int, version: int) -> Stored | None:
    """Fire: scheduled -> dialing for this version, once. None (logged) for a delivery of
    an outdated version, a deleted or unknown item, or one that has started already.
    A delivery that finds its own version dialing with no number dialed yet gets the item
    again: the start it follows may have failed, and starting again is harmless."""
    item = Call(call_id)
    if update_if(item, [Call.state.set(calls.DIALING)], (Call.kind == KIND) & _scheduled(version)):
        return _stored(item)
    found = calls.find(call_id)
    if found is None or found.kind != KIND:
        log.warning("autoconference %s fired but does not exist; dropped", call_id)
    elif int(found.schedule_version) != version:
        log.info(
            "autoconference %s fired for version %s, now %s; dropped",
            call_id,
            version,
            found.schedule_version,
        )
    elif found.state == calls.DIALING and found.time_originated is None:
        log.info("autoconference %s fired again before dialing began; starting again", call_id)
        return _stored(found)
    else:
        log.info("autoconference %s fired again while %s; dropped", call_id, found.state)
    return None


def _scheduled(version: int) -> Condition:
    return (Call.state == calls.SCHEDULED) & (Call.schedule_version == version)


def _owned(item: Call, eid: int, user_id: int | None) -> bool:
    return (
        item.kind == KIND
        and int(item.eid) == eid
        and (user_id is None or int(item.user_id) == user_id)
    )


def _stored(item: Call) -> Stored:
    request = item.request.as_dict() if item.request is not None else {}
    try:
        conference = Autoconference(
            number=Phone.from_display(str(request["conferenceNumber"])),
            pin=str(request.get("conferencePin", "")),
            text=str(request.get("announcementText", "")),
            origination=Destination.from_wire(str(request["origination"])),
            time=int(item.time_scheduled),
            disable_amd=bool(int(request.get("disableAMD", 0))),
        )
    except (KeyError, TypeError, ValueError):
        log.error("autoconference %s: stored request unreadable", item.call_id)
        raise OcpError(Code.CORRUPTED_REQUEST) from None
    return Stored(
        call_id=int(item.call_id),
        eid=int(item.eid),
        user_id=int(item.user_id),
        state=item.state,
        version=int(item.schedule_version or 0),
        conference=conference,
    )
