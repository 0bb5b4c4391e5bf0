"""Shared pacing of new calls, on one Counters item per name, for every function at once
(the carrier's limits are per account, not per Lambda instance):

    admit(request, limits, now)      place a dial now (None) or the Decision to wait
    room(tenant, limits, now)        None: the enterprise may start an interactive request;
                                     else why not (its places in line, or the board, full)
    answered(holder, slots, expires) an answered dial keeps `slots` until the call ends
    release(call_id, key=None)       a dial (or every dial of a call) holds nothing any more
    take(name, per_second, now)      a slot in the current window, or the seconds to wait
    reserve(name, count, every, now) the start of a block of `count` turns `every` s apart

`admit`, `answered` and `release` read the board (domain/pacing.py: the calls placed and
not ended, the next turn of the rate, who waits) and write it back on condition that its
version is unchanged: a few tries on a conflict, then the dial is told to wait. `take` is
a fixed-window limiter: at most `per_second` takes a second (windows of 1/per_second
seconds with one take each below 1 a second). `reserve` hands out turns on a timeline that
never goes back. Times are Unix seconds (floats).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

from pynamodb.exceptions import DoesNotExist

from chalicelib.domain import pacing as rules
from chalicelib.store.conditional import update_if
from chalicelib.store.models import Counter

log = logging.getLogger(__name__)

BOARD = "pacing-board"
# Read-modify-write tries of the board before a dial is told to wait its turn instead.
ATTEMPTS = 4


def admit(request: rules.Request, limits: rules.Limits, now: float) -> rules.Decision:
    """The request placed (Decision.admitted) or told how long to wait; recorded either way."""
    decision: rules.Decision | None = None

    def change(board: rules.Board) -> rules.Board:
        nonlocal decision
        decision = rules.admit(board, request, limits, now)
        return decision.board

    if not _change(change) or decision is None:
        return rules.Decision(rules.Board(), rules.POLL_SECONDS, "the pacing board is contended")
    return decision


def room(tenant: str, limits: rules.Limits, now: float) -> str | None:
    """Why the enterprise `tenant` may not start an interactive request now, or None (one
    read of the board; its bounds are enforced again by every `admit`)."""
    return rules.room(read()[1], tenant, limits, now)


def read(consistent: bool = False) -> tuple[int, rules.Board]:
    """The board and its version (0: never written)."""
    try:
        item = Counter.get(BOARD, consistent_read=consistent)
    except DoesNotExist:
        return 0, rules.Board()
    return int(item.value), rules.from_json(json.loads(item.board) if item.board else None)


def stored_bytes() -> int:
    """The size of the board as stored (its JSON), for operators and the bench."""
    try:
        item = Counter.get(BOARD, consistent_read=True)
    except DoesNotExist:
        return 0
    return len((item.board or "").encode())


def answered(holder: str, slots: int, expires: float) -> None:
    _change(lambda board: rules.answered(board, holder, slots, expires))


def release(call_id: int, key: str | None = None) -> None:
    """Free the slots of one dial of the call (`key`) or of all its dials."""
    if key is not None:
        _change(lambda board: rules.release(board, holder(call_id, key)))
    else:
        prefix = f"{call_id}:"
        _change(lambda board: rules.release(board, lambda h: h.startswith(prefix)))


def holder(call_id: int, key: str) -> str:
    return f"{call_id}:{key}"


def _change(change: Callable[[rules.Board], rules.Board]) -> bool:
    for _ in range(ATTEMPTS):
        version, board = read(consistent=True)
        after = change(board)
        if after == board:
            return True
        condition = Counter.value.does_not_exist() if version == 0 else Counter.value == version
        if update_if(
            Counter(BOARD),
            [
                Counter.value.set(version + 1),
                Counter.board.set(json.dumps(rules.to_json(after), separators=(",", ":"))),
            ],
            condition,
        ):
            return True
    log.warning("pacing board contended %d times; not changed", ATTEMPTS)
    return False


def window(per_second: float) -> tuple[float, int]:
    """(window length in seconds, takes a window) for a rate."""
    length = max(1.0, 1.0 / per_second)
    return length, max(1, int(per_second * length + 1e-9))


def take(name: str, per_second: float, now: float) -> float | None:
    """None: a slot is taken now. Else the seconds until the next window opens."""
    length, capacity = window(per_second)
    current = int(now // length)
    item = Counter(name)
    if update_if(
        item,
        [Counter.value.add(1)],
        (Counter.window == current) & (Counter.value < capacity),
    ):
        return None
    if update_if(
        item,
        [Counter.window.set(current), Counter.value.set(1)],
        Counter.window.does_not_exist() | (Counter.window < current),
    ):
        return None
    return max(0.0, (current + 1) * length - now)


def reserve(name: str, count: int, every: float, now: float) -> float:
    """When the first of `count` turns, `every` seconds apart, comes: now if the timeline
    is idle, else right after the turns already handed out."""
    span = count * every
    item = Counter(name)
    if update_if(
        item,
        [Counter.value.set(now + span)],
        Counter.value.does_not_exist() | (Counter.value < now),
    ):
        return now
    item = Counter(name)
    item.update(actions=[Counter.value.add(span)])
    return float(item.value) - span
