"""conference: a room at the carrier, reserved for some seconds, that legs join
(reference "conference POST/PUT"; RULINGS "conference").

POST opens the room and dials the moderator; PUT dials more participants and/or
extends the reservation. Each leg is one Calls item (kind "conference") and one dialing
execution of one leg: the participant hears the text, presses 1 and joins the room.
The reservation's end is a schedule (workflows/schedule.py) whose delivery, like the end
of each leg, closes the conference if it is over (store/conferences.py), charging its
moderator the minutes it lasted.
"""

from __future__ import annotations

import logging

from chalicelib import clock
from chalicelib.domain.destinations import Destination
from chalicelib.domain.kinds import USER_ID
from chalicelib.domain.numbers import Phone
from chalicelib.domain.resolve import Origin
from chalicelib.domain.subscriptions import Subscription
from chalicelib.domain.tenants import CALLS as DAILY_CALLS
from chalicelib.errors import Code, OcpError
from chalicelib.store import calls, conferences, ids, profiles
from chalicelib.store.conferences import Room
from chalicelib.telephony import carriers
from chalicelib.workflows import dialing, schedule, spend
from chalicelib.workflows.legs import Reach, of_profile, origin_of, reach

log = logging.getLogger(__name__)

KIND = "conference"  # its schedule: the end of the reservation


def create(
    eid: int,
    moderator: int,
    destination: Destination,
    text: str,
    duration: int,
    callback: Subscription | None = None,
) -> tuple[int, int]:
    """(conferenceId, callId of the moderator's leg). `callback`: the statusCallback of
    the conference and of each of its legs."""
    now = clock.now()
    profile = profiles.load(moderator, eid)  # 106
    origin, caller_id = origin_of(profile, moderator)
    if destination == Destination(USER_ID, moderator):
        reached = of_profile(profile, now)  # the usual case: already read
    else:
        reached = _reachable([destination], eid, now, origin)[0]
    conference_id, call_id = ids.next_id("conference"), ids.next_id("call")
    room = carriers.carrier().open_room(f"conference-{conference_id}")
    # The schedule first: a delivery for a conference that was never saved is dropped.
    schedule.put(KIND, conference_id, 0, now + duration)
    conferences.create(conference_id, eid, moderator, room, now, duration, call_id, callback)
    _dial(
        call_id,
        eid,
        moderator,
        conference_id,
        room,
        destination,
        reached,
        text,
        caller_id,
        now,
        callback,
    )
    return conference_id, call_id


def add(
    eid: int,
    conference_id: int,
    user_id: int | None,
    destinations: list[Destination],
    text: str,
    duration: int | None,
) -> list[int]:
    """PUT: one leg per destination, then the extension; the legs' callIds."""
    now = clock.now()
    room = conferences.get(conference_id, eid)  # 305
    if user_id is not None and user_id != room.moderator:
        raise OcpError(Code.NO_SUCH_CONFERENCE)
    if room.state != conferences.OPEN:
        raise OcpError(Code.CONFERENCE_NOT_EXTENDABLE)
    call_ids: list[int] = []
    if destinations:
        try:
            moderator = profiles.load(room.moderator, eid)
        except OcpError:
            moderator = None  # deleted since: its calls show no caller id
        origin, caller_id = origin_of(moderator, room.moderator)
        reached = _reachable(destinations, eid, now, origin)
        call_ids = ids.next_ids("call", len(destinations))
        conferences.add_legs(conference_id, eid, call_ids)  # 306 if it closed meanwhile
        for call_id, destination, found in zip(call_ids, destinations, reached, strict=True):
            _dial(
                call_id,
                eid,
                room.moderator,
                conference_id,
                room.room,
                destination,
                found,
                text,
                caller_id,
                now,
                room.callback,
            )
    if duration:
        extend(eid, room, duration)
    return call_ids


def extend(eid: int, room: Room, seconds: int) -> Room:
    """Reserve `seconds` more and move the reservation's schedule with it: the schedule
    first, for the version the room (as read) is about to have, so that a schedule exists
    for every version the room takes."""
    conference_id = room.conference_id
    schedule.put(KIND, conference_id, room.version + 1, room.reserved_until + seconds)
    extended = conferences.extend(conference_id, eid, seconds)  # 306 if it closed meanwhile
    if extended.version != room.version + 1:
        # Another extension came in between: the last one puts the schedule right.
        schedule.put(KIND, conference_id, extended.version, extended.reserved_until)
    return extended


def reservation_ended(conference_id: int, version: int) -> None:
    """The schedule's target (workflows/fire.py KINDS): close the conference if nobody is
    left in it; otherwise the last leg to end closes it."""
    closed = conferences.close_if_over(conference_id, clock.now(), version)
    if closed is None:
        log.info("conference %s: reservation ended, not closed now", conference_id)
        return
    # A conference that closes later, with its last leg, has nobody left in its room;
    # the carrier ends such a room by itself (Chime: five minutes without an attendee).
    carriers.carrier().close_room(closed.room)


def _reachable(destinations: list[Destination], eid: int, at: int, origin: Origin) -> list[Reach]:
    """Each destination reached; every bad one reported (922), and 303 if the origin is
    on a destination user's blacklist."""
    found, errors = [], []
    for destination in destinations:
        if isinstance(destination.value, Phone):  # 119: outside the enterprise's countries
            spend.check_phone(eid, destination.value, "destinationValue")
        try:
            found.append(reach(destination, eid, at, name="destinationValue"))
        except OcpError as e:
            errors.append(e)
    if errors:
        raise OcpError.combine(errors)
    if any(r.blacklists(origin) for r in found):
        raise OcpError(Code.BLACKLISTED_ORIGINATION)
    spend.charge(eid, DAILY_CALLS, len(found))  # 118 past the enterprise's calls a day
    return found


def _dial(
    call_id: int,
    eid: int,
    moderator: int,
    conference_id: int,
    room: str,
    destination: Destination,
    reached: Reach,
    text: str,
    caller_id: str | None,
    now: int,
    callback: Subscription | None = None,
) -> None:
    calls.create(
        call_id,
        eid=eid,
        user_id=moderator,
        kind=conferences.LEG_KIND,
        time_scheduled=now,
        request={"conferenceId": conference_id, "destination": destination.wire(), "text": text},
        callback=callback,
    )
    dialing.start(
        call_id,
        spend.reachable_legs(
            eid,
            [
                dialing.Leg(
                    "destination",
                    reached.targets,
                    label=reached.label,
                    tryall=reached.tryall,
                    dnd=reached.dnd,
                    ask_for_one=True,
                    announcement={"text": text} if text else {},
                    caller_id=caller_id,
                    room=room,
                )
            ],
        ),
    )
