"""Numeric ids (userId, phone id, groupId, ...): positive integers from an atomic counter."""

from __future__ import annotations

from chalicelib.store.models import Counter


def next_id(kind: str) -> int:
    """The next id of `kind`, allocated with one atomic ADD (never read-modify-write)."""
    counter = Counter(kind)
    counter.update(actions=[Counter.value.add(1)])
    return int(counter.value)


def next_ids(kind: str, count: int) -> list[int]:
    """`count` new ids of `kind` with one atomic ADD."""
    counter = Counter(kind)
    counter.update(actions=[Counter.value.add(count)])
    last = int(counter.value)
    return list(range(last - count + 1, last + 1))


def last_id(kind: str) -> int:
    """The latest id of `kind` handed out (0: none yet); for operators' views."""
    try:
        return int(Counter.get(kind, consistent_read=True).value)
    except Counter.DoesNotExist:
        return 0
