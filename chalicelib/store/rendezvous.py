"""What a carrier that reports from its own events (telephony/chime) keeps on the items,
where two of its invocations, or it and the dialer, must meet:

    open_race / placed / won / lost    a try-all dial: legs ring in separate calls; the
                                       first to be answered as required wins, once; the
                                       last to fail reports for all, once
    watch / ended                      the watch task's token and the end of the connected
                                       call, whichever comes second reports the seconds
    meeting / set_meeting              a conference room's meeting id

Every write is one conditional UpdateItem returning the item as it is after it, so each
meeting is decided by DynamoDB's order of writes to one item, whatever the timing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action

from chalicelib.domain.results import SUCCESS
from chalicelib.store.conditional import update_if
from chalicelib.store.models import Call, Conference


@dataclass(frozen=True)
class Race:
    """A try-all dial's legs: index -> result of those that ended, index -> the carrier's
    id of each placed, the winning index (if any), how many ended."""

    count: int
    results: dict[int, str] = field(default_factory=dict)
    placed: dict[int, str] = field(default_factory=dict)
    winner: int | None = None

    @property
    def done(self) -> bool:
        """Nobody won, every leg ended, and the legs placed are recorded (`placed`: at
        least one always is). Only the write that completes it sees it (a repeated `lost`
        answers None, `placed` is written once): the last leg to end, or `placed` when
        every leg ended before it; that one reports for all.
        (Without `placed` in it, a last leg ending before `placed` was written made both
        writers report the dial: the second report, refused by the attempt recorded,
        failed the task with Call.Ended, and the call ended without its finish.)"""
        return self.winner is None and bool(self.placed) and len(self.results) >= self.count


def open_race(call_id: int, key: str, count: int) -> None:
    """Before its legs are placed (so that none can end before the race exists)."""
    fresh = {"count": count, "results": {}, "placed": {}}
    if update_if(Call(call_id), [Call.race[key].set(fresh)], Call.race.exists()):
        return
    if update_if(Call(call_id), [Call.race.set({key: fresh})], Call.race.does_not_exist()):
        return
    update_if(Call(call_id), [Call.race[key].set(fresh)], Call.race.exists())


def placed(
    call_id: int, key: str, references: dict[int, str], failed: dict[int, str]
) -> Race | None:
    """The legs placed (index -> the carrier's id) and those that could not be (index ->
    result); the race after (None if it is gone)."""
    actions = [Call.race[key]["placed"][str(n)].set(ref) for n, ref in references.items()]
    actions += [Call.race[key]["results"][str(n)].set(r) for n, r in failed.items()]
    return _race(_updated(call_id, actions, Call.race[key].exists()), key)


def lost(call_id: int, key: str, index: int, result: str) -> Race | None:
    """Leg `index` ended with `result` (not a win); the race after, or None if that leg's
    end was already counted (a repeated event)."""
    item = _updated(
        call_id,
        [Call.race[key]["results"][str(index)].set(result)],
        Call.race[key].exists() & Call.race[key]["results"][str(index)].does_not_exist(),
    )
    return None if item is None else _race(item, key)


def won(call_id: int, key: str, index: int) -> Race | None:
    """Leg `index` is answered as required: the race if it is the first (or this leg won
    before: a repeated event), None if another leg won."""
    item = _updated(
        call_id,
        [Call.race[key]["winner"].set(index)],
        Call.race[key].exists() & Call.race[key]["winner"].does_not_exist(),
    )
    if item is not None:
        return _race(item, key)
    race = race_of(call_id, key)
    return race if race is not None and race.winner == index else None


def race_of(call_id: int, key: str) -> Race | None:
    try:
        item = Call.get(call_id, consistent_read=True, attributes_to_get=["call_id", "race"])
    except Call.DoesNotExist:
        return None
    return _race(item, key)


def watch(call_id: int, token: str) -> int | None:
    """The watch task's token; the seconds the call lasted if its end came first."""
    item = _updated(call_id, [Call.watch_token.set(token)], Call.call_id.exists())
    return None if item is None or item.ended_after is None else int(item.ended_after)


def ended(call_id: int, seconds: int) -> str | None:
    """The connected call ended after `seconds`, once; the watch task's token if the
    watch came first (then the caller reports), else None."""
    item = _updated(
        call_id,
        [Call.ended_after.set(seconds)],
        Call.call_id.exists() & Call.ended_after.does_not_exist(),
    )
    return None if item is None else item.watch_token


def reported(call_id: int, key: str, number: str) -> bool:
    """Attempt `key` is recorded with `number` answering: a report made before."""
    try:
        item = Call.get(call_id, consistent_read=True, attributes_to_get=["call_id", "attempts"])
    except Call.DoesNotExist:
        return False
    return any(
        a.key == key and a.number == number and a.result == SUCCESS for a in item.attempts or ()
    )


def meeting(conference_id: int) -> str | None:
    try:
        item = Conference.get(
            conference_id, consistent_read=True, attributes_to_get=["conference_id", "meeting"]
        )
    except Conference.DoesNotExist:
        return None
    return item.meeting


def set_meeting(conference_id: int, meeting_id: str, replacing: str | None) -> str | None:
    """Make `meeting_id` the room's meeting if it still has `replacing` (None: none yet);
    the room's meeting after (another leg's, if it came first)."""
    condition = (
        Conference.meeting.does_not_exist()
        if replacing is None
        else Conference.meeting == replacing
    )
    if update_if(
        Conference(conference_id),
        [Conference.meeting.set(meeting_id)],
        Conference.conference_id.exists() & condition,
    ):
        return meeting_id
    return meeting(conference_id)


def _race(item: Call | None, key: str) -> Race | None:
    if item is None or item.race is None:
        return None
    found = item.race.as_dict().get(key)
    if found is None:
        return None
    return Race(
        count=int(found["count"]),
        results={int(n): str(r) for n, r in (found.get("results") or {}).items()},
        placed={int(n): str(r) for n, r in (found.get("placed") or {}).items()},
        winner=None if found.get("winner") is None else int(found["winner"]),
    )


def _updated(call_id: int, actions: list[Action], condition: Condition) -> Call | None:
    """The item after the update (UpdateItem returns it), or None if `condition` failed."""
    item = Call(call_id)
    return item if update_if(item, actions, condition) else None
