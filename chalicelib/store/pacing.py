"""Shared pacing of new calls, on one Counters item per name, for every function at once
(the carrier's quota is per account, not per Lambda instance):

    take(name, per_second, now)      a slot in the current window, or the seconds to wait
    reserve(name, count, every, now) the start of a block of `count` turns `every` s apart

`take` is a fixed-window limiter: at most `per_second` takes a second (windows of
1/per_second seconds with one take each below 1 a second). `reserve` hands out turns on a
timeline that never goes back, so concurrent blasts queue one after the other instead of
adding up. Both are one or two conditional UpdateItems; times are Unix seconds (floats).
"""

from __future__ import annotations

from chalicelib.store.conditional import update_if
from chalicelib.store.models import Counter


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
