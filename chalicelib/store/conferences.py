"""Conference rooms (reference "conference POST/PUT"; RULINGS "conference").

A room is reserved for `duration` seconds from `started`; PUT adds legs (one Calls item
of kind "conference" each) and extends the reservation. The conference may run past its
reservation while legs are connected: it is over once the reservation has passed and
every leg has ended. Then it closes, once, and its moderator's mouused is charged the
minutes it lasted, in the same transaction. Who notices: the reservation's schedule
(workflows/conference.py) and the end of each leg (`calls.finish` counts it here, and
the count reaching its legs, read from the table's stream, closes it: events/derive.py).

Legs are counted (`legs`, `ended_legs`) rather than looked up, so that closing is one
conditional write that fails if a leg was added or the room extended meanwhile. Its
status events (opened, closed) follow from the committed change, read from the table's
stream (chalicelib/events/derive.py).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from decimal import Decimal

from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactWrite

from chalicelib.domain import limits
from chalicelib.domain.billing import billed_minutes, conference_seconds
from chalicelib.domain.subscriptions import Subscription
from chalicelib.errors import FULL, Code, OcpError
from chalicelib.store import accounts
from chalicelib.store.conditional import commit_if, update_if
from chalicelib.store.models import Call, Conference, callback_map, transaction

log = logging.getLogger(__name__)

OPEN, CLOSED = "open", "closed"
LEG_KIND = "conference"  # the kind of a leg's Calls item
# The longest reservation, extensions included (docs/limits.md): a week.
MAX_RESERVATION_SECONDS = 7 * 86400


@dataclass(frozen=True)
class Room:
    conference_id: int
    eid: int
    moderator: int
    room: str
    state: str
    started: int
    duration: int
    version: int
    legs: int
    ended_legs: int
    mou: Decimal | None = None
    callback: Subscription | None = None  # statusCallback of the conference and its legs

    @property
    def reserved_until(self) -> int:
        return self.started + self.duration


def create(
    conference_id: int,
    eid: int,
    moderator: int,
    room: str,
    started: int,
    duration: int,
    first_call_id: int,
    callback: Subscription | None = None,
) -> None:
    """Open, with its moderator's leg."""
    Conference(
        conference_id,
        eid=eid,
        moderator=moderator,
        room=room,
        state=OPEN,
        started=started,
        duration=duration,
        calls={first_call_id},
        legs=1,
        ended_legs=0,
        schedule_version=0,
        callback=callback_map(callback),
    ).save(condition=Conference.conference_id.does_not_exist())


def get(conference_id: int, eid: int) -> Room:
    """The enterprise's conference; 305 if it has none such."""
    item = _find(conference_id)
    if item is None or int(item.eid) != eid:
        raise OcpError(Code.NO_SUCH_CONFERENCE)
    return _room(item)


def add_legs(conference_id: int, eid: int, call_ids: list[int]) -> None:
    """Count new legs in, while the conference is open: 305 unknown, 306 over, 117 when it
    would pass limits.CONFERENCE_LEGS (its item holds every leg's callId)."""
    _change(
        conference_id,
        eid,
        [Conference.calls.add(set(call_ids)), Conference.legs.add(len(call_ids))],
        Conference.legs <= limits.CONFERENCE_LEGS - len(call_ids),
        OcpError(FULL, name="conference participants", high=limits.CONFERENCE_LEGS),
    )


def extend(conference_id: int, eid: int, seconds: int) -> Room:
    """Reserve `seconds` more, while open (305 / 306); the room with its new version. A
    reservation of more than MAX_RESERVATION_SECONDS in all is 306 too."""
    return _change(
        conference_id,
        eid,
        [Conference.duration.add(seconds), Conference.schedule_version.add(1)],
        Conference.duration <= MAX_RESERVATION_SECONDS - seconds,
        OcpError(Code.CONFERENCE_NOT_EXTENDABLE),
    )


def leg_ended(tx: TransactWrite, conference_id: int) -> None:
    """Inside the transaction that ends a leg (`calls.finish`): counted exactly once."""
    tx.update(Conference(conference_id), actions=[Conference.ended_legs.add(1)])


def close_if_over(conference_id: int, now: int, version: int | None = None) -> Room | None:
    """Close the conference if it is over at `now` and charge its moderator, once; the
    closed room, or None (not over, already closed, unknown, or `version` outdated)."""
    item = _find(conference_id)
    if item is None:
        log.warning("conference %s: no such conference; nothing to close", conference_id)
        return None
    room = _room(item)
    if version is not None and version != room.version:
        log.info(
            "conference %s: reservation of version %s, now %s; dropped",
            conference_id,
            version,
            room.version,
        )
        return None
    if room.state != OPEN or room.ended_legs < room.legs or now < room.reserved_until:
        return None
    minutes = billed_minutes(conference_seconds(room.started, _legs(item)))

    def close() -> None:
        with transaction() as tx:
            tx.update(
                Conference(conference_id),
                actions=[
                    Conference.state.set(CLOSED),
                    Conference.closed.set(now),
                    Conference.mou.set(minutes),
                ],
                condition=(Conference.state == OPEN)
                & (Conference.legs == room.legs)
                & (Conference.ended_legs == room.legs)
                & (Conference.duration == room.duration),
            )
            if minutes:
                accounts.add_minutes_used_in(tx, room.eid, room.moderator, minutes)

    if not commit_if(close):
        return None  # a leg was added, the room extended, or it closed meanwhile
    log.info("conference %s closed: %s minutes", conference_id, minutes)
    return replace(room, state=CLOSED, mou=minutes)


def _legs(item: Conference) -> list[tuple[int | None, int | None, int | None]]:
    ids = sorted(int(i) for i in item.calls or ())
    return [
        (_int(c.time_originated), _int(c.time_completed), _int(c.seconds))
        for c in Call.batch_get(
            ids,
            consistent_read=True,
            attributes_to_get=["call_id", "time_originated", "time_completed", "seconds"],
        )
    ]


def _change(
    conference_id: int, eid: int, actions: list[Action], limit: Condition, past_limit: OcpError
) -> Room:
    item = Conference(conference_id)
    if not update_if(item, actions, (Conference.eid == eid) & (Conference.state == OPEN) & limit):
        if get(conference_id, eid).state != OPEN:  # 305
            raise OcpError(Code.CONFERENCE_NOT_EXTENDABLE)
        raise past_limit
    return _room(item)


def _find(conference_id: int) -> Conference | None:
    try:
        return Conference.get(conference_id, consistent_read=True)
    except Conference.DoesNotExist:
        return None


def room_of(item: Conference) -> Room:
    """What a Conferences item says (a read, or a stream record's image: store/changes.py)."""
    return _room(item)


def _room(item: Conference) -> Room:
    return Room(
        conference_id=int(item.conference_id),
        eid=int(item.eid),
        moderator=int(item.moderator),
        room=item.room,
        state=item.state,
        started=int(item.started),
        duration=int(item.duration),
        version=int(item.schedule_version or 0),
        legs=int(item.legs or 0),
        ended_legs=int(item.ended_legs or 0),
        mou=item.mou,
        callback=Subscription.of(item.callback),
    )


def _int(value: float | None) -> int | None:
    return None if value is None else int(value)
