"""Calls: the item the call API creates and the dialer advances (DESIGN.md "Data").

Life of an item: `create` (scheduled) -> `claim_dial` (dialing, timeOriginated) ->
`record_attempts` per dial -> `mark_connected` -> `finish` (complete or failed, with
timeCompleted and the billed minutes). Every change after `create` is conditioned on
the call still being live, so a late or redelivered message never rewrites an ended
call, and on its attempt key, so nothing is dialed or recorded twice.

Only the item is written here (with what its end changes in the same transaction: the
requester's mouused, a conference's count of ended legs). A call's status events
(`initiated` when its first number is dialed, `answered` when it connects, `completed`
when it ends), a blast recipient's count on its blast and the close of a conference whose
last leg ended follow from the committed change, read from the table's stream
(chalicelib/events/derive.py).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from decimal import Decimal
from enum import Enum
from itertools import batched, islice
from typing import Any

from pynamodb.exceptions import PynamoDBException
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action

from chalicelib.domain.billing import billed_minutes
from chalicelib.domain.subscriptions import Subscription
from chalicelib.domain.tenants import MINUTES
from chalicelib.errors import Code, OcpError
from chalicelib.store import accounts, conferences, ids, quotas
from chalicelib.store.conditional import commit_if, update_if
from chalicelib.store.models import AttemptMap, Call, callback_map, transaction

log = logging.getLogger(__name__)

SCHEDULED, DIALING, CONNECTED = "scheduled", "dialing", "connected"
COMPLETE, CANCELLED, FAILED = "complete", "cancelled", "failed"
LIVE_STATES = (SCHEDULED, DIALING, CONNECTED)
FINAL_STATES = (COMPLETE, CANCELLED, FAILED)
LATEST_IDS_LOOKED = 2000  # `latest` reads no further back than this many callIds


@dataclass(frozen=True)
class AttemptRecord:
    number: str
    result: str
    role: str = "destination"
    # When its result was recorded: shown by `admin show-call`, not part of what it is.
    at: int | None = field(default=None, compare=False)


@dataclass(frozen=True)
class CallStatus:
    """What call GET prints (reference "call GET"; RULINGS "Call vocabulary")."""

    call_id: int
    eid: int
    user_id: int
    kind: str
    state: str
    success: bool
    mou: Decimal  # billed minutes, one decimal; 0.0 until the call ends
    time_scheduled: int
    time_originated: int | None
    time_completed: int | None
    calling_number: str
    attempts: tuple[AttemptRecord, ...]
    request: dict[str, Any]

    @property
    def complete(self) -> bool:
        """`<callComplete>`: 0 while the call may still change."""
        return self.state in FINAL_STATES


class Claim(Enum):
    CLAIMED = "claimed"  # this message dials
    DUPLICATE = "duplicate"  # already dialed by an earlier delivery
    ENDED = "ended"  # the call is over (finished or cancelled)
    MISSING = "missing"  # no such call


def create(
    call_id: int,
    eid: int,
    user_id: int,
    kind: str,
    time_scheduled: int,
    calling_number: str = "",
    request: dict[str, Any] | None = None,
    callback: Subscription | None = None,
) -> None:
    Call(
        call_id,
        eid=eid,
        user_id=user_id,
        kind=kind,
        time_scheduled=time_scheduled,
        calling_number=calling_number,
        request=request or {},
        state=SCHEDULED,
        callback=callback_map(callback),
    ).save(condition=Call.call_id.does_not_exist())


def get(call_id: int, eid: int) -> CallStatus:
    """The call's status; a call of another enterprise is as unknown as a missing one.
    Consistent: a client polls it right after call POST created the item."""
    try:
        item = Call.get(call_id, consistent_read=True)
    except Call.DoesNotExist:
        raise OcpError(Code.INVALID_VALUE, name="callId", value=call_id) from None
    if int(item.eid) != eid:
        raise OcpError(Code.INVALID_VALUE, name="callId", value=call_id)
    return _status(item)


def claim_dial(call_id: int, key: str, at: int) -> Claim:
    """Mark dial attempt `key` as placed (once), the call as dialing and, the first time,
    when dialing began."""
    actions = [
        Call.dialed.add({key}),
        Call.state.set(DIALING),
        Call.time_originated.set(Call.time_originated | at),
    ]
    if update_if(Call(call_id), actions, _live() & ~Call.dialed.contains(key)):
        return Claim.CLAIMED
    found = find(call_id)
    if found is None:
        return Claim.MISSING
    if found.state not in LIVE_STATES:
        return Claim.ENDED
    return Claim.DUPLICATE


def release_dial(call_id: int, key: str) -> bool:
    """Undo `claim_dial` for a dial the carrier did not place (it was busy), so that the
    state machine's next try claims it again."""
    return update_if(
        Call(call_id), [Call.dialed.delete({key})], _live() & Call.dialed.contains(key)
    )


def record_attempts(
    call_id: int,
    key: str,
    attempts: list[AttemptRecord],
    at: int,
    calling_number: str | None = None,
) -> bool:
    """Append the numbers tried by attempt `key`, once; False if already recorded or the
    call has ended. `calling_number`: the origination number that answered."""
    actions: list[Action] = [
        Call.attempts.set(Call.attempts.append([_attempt_map(key, a, at) for a in attempts])),
        Call.recorded.add({key}),
    ]
    if calling_number:
        actions.append(Call.calling_number.set(calling_number))
    return update_if(Call(call_id), actions, _live() & ~Call.recorded.contains(key))


def mark_connected(call_id: int) -> bool:
    return update_if(Call(call_id), [Call.state.set(CONNECTED)], _live())


def finish(
    call_id: int,
    success: bool,
    at: int,
    seconds: int | None = None,
    key: str | None = None,
    attempt: AttemptRecord | None = None,
) -> bool:
    """End the call once: complete (connected, `seconds` long) or failed, with the billed
    minutes, which go to the requester's mouused in the same transaction. `attempt` is a
    leg-level result (DND, Blacklisted) recorded under `key`. False if it had ended."""
    item = find(call_id)
    if item is None or item.state not in LIVE_STATES:
        return False
    minutes = billed_minutes(seconds) if success and seconds is not None else Decimal("0.0")
    actions: list[Action] = [
        Call.state.set(COMPLETE if success else FAILED),
        Call.success.set(success),
        Call.time_completed.set(at),
        Call.mou.set(minutes),
    ]
    if seconds is not None:
        actions.append(Call.seconds.set(seconds))
    condition = _live()
    if attempt is not None and key is not None:
        actions += [
            Call.attempts.set(Call.attempts.append([_attempt_map(key, attempt, at)])),
            Call.recorded.add({key}),
        ]
        condition &= ~Call.recorded.contains(key)
    conference_id = _conference_of(item)

    def end() -> None:
        with transaction() as tx:
            tx.update(Call(call_id), actions=actions, condition=condition)
            if conference_id is not None:
                # A conference leg: the conference counts it as ended; its moderator is
                # charged once, for the whole conference, when it closes.
                conferences.leg_ended(tx, conference_id)
            elif minutes:
                accounts.add_minutes_used_in(tx, int(item.eid), int(item.user_id), minutes)

    # Other calls of the same requester end at the same time: their transactions touch
    # the same account item (commit_if retries them on conflicts).
    if not commit_if(end):
        return False
    if conference_id is None and minutes:
        _count_minutes(int(item.eid), minutes, at)
    return True


def _count_minutes(eid: int, minutes: Decimal, at: int) -> None:
    """The enterprise's billed minutes today (its daily cap, workflows/spend.py): added
    after the call's transaction, not in it, so that the ends of a blast's recipients do
    not all contend for one item; a failure here loses the count, never the call's end."""
    try:
        quotas.add(eid, MINUTES, minutes, at)
    except PynamoDBException:
        log.warning("billed minutes of enterprise %s not counted today", eid, exc_info=True)


def status_of(item: Call) -> CallStatus:
    """What a Calls item says (one read, or a stream record's image: store/changes.py)."""
    return _status(item)


def _conference_of(item: Call) -> int | None:
    if item.kind != conferences.LEG_KIND or item.request is None:
        return None
    found = item.request.as_dict().get("conferenceId")
    return None if found is None else int(found)


def _live() -> Condition:
    return Call.call_id.exists() & Call.state.is_in(*LIVE_STATES)


def find(call_id: int) -> Call | None:
    """The Calls item, read consistently, or None."""
    try:
        return Call.get(call_id, consistent_read=True)
    except Call.DoesNotExist:
        return None


def find_status(call_id: int) -> CallStatus | None:
    """The call's status whatever its enterprise (operators' views), or None."""
    item = find(call_id)
    return None if item is None else _status(item)


def latest(
    limit: int, skip: tuple[range, ...] = (), kinds: tuple[str, ...] = ()
) -> list[CallStatus]:
    """The newest calls, newest first (for operators' views: `admin watch`): read by key,
    100 a request, down from the last callId, passing over the ids in `skip` (blast
    recipients' blocks) and keeping only `kinds` (all when empty); at most
    LATEST_IDS_LOOKED ids are looked at."""
    candidates = (c for c in range(ids.last_id("call"), 0, -1) if not any(c in r for r in skip))
    found: list[CallStatus] = []
    for chunk in batched(islice(candidates, LATEST_IDS_LOOKED), 100):
        items = {int(item.call_id): item for item in Call.batch_get(list(chunk))}
        found += [
            _status(items[c]) for c in chunk if c in items and (not kinds or items[c].kind in kinds)
        ]
        if len(found) >= limit:
            break
    return found[:limit]


def _attempt_map(key: str, attempt: AttemptRecord, at: int) -> AttemptMap:
    return AttemptMap(
        key=key, role=attempt.role, number=attempt.number, result=attempt.result, at=at
    )


def _status(item: Call) -> CallStatus:
    return CallStatus(
        call_id=int(item.call_id),
        eid=int(item.eid),
        user_id=int(item.user_id),
        kind=item.kind,
        state=item.state,
        success=bool(item.success),
        mou=item.mou if item.mou is not None else Decimal("0.0"),
        time_scheduled=int(item.time_scheduled),
        time_originated=_int_or_none(item.time_originated),
        time_completed=_int_or_none(item.time_completed),
        calling_number=item.calling_number,
        attempts=tuple(
            AttemptRecord(a.number, a.result, a.role, _int_or_none(a.at))
            for a in item.attempts or ()
        ),
        request=item.request.as_dict() if item.request is not None else {},
    )


def _int_or_none(value: float | None) -> int | None:
    return None if value is None else int(value)
