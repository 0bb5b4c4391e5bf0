"""Counters of one enterprise on the Quotas table, each one atomic conditional UpdateItem
(no read before the write, no retry loop), each item expiring once it is past:

    spend(eid, kind, amount, cap, now)   count `amount` of today's `kind` if it fits the cap
    add(eid, kind, amount, now)          count it anyway (what was used already)
    add_in(tx, eid, kind, amount, now)   the same in a transaction (a call's billed minutes)
    used(eid, kind, now)                 today's count (the operator's view)
    take(name, capacity, length, now)    a place in the current fixed window of a rate
    failed_sign_in(eid, window, now)     count a failed sign-in; the window's count after
    sign_in_failures(eid, window, now)   the current window's failed sign-ins

Daily items are "day#{eid}#{kind}#{day}" (domain/tenants.day_of, the UTC day) and expire two
days after their day; window items live two windows.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from pynamodb.exceptions import DoesNotExist
from pynamodb.transactions import TransactWrite

from chalicelib.domain import tenants
from chalicelib.store.conditional import update_if
from chalicelib.store.models import Quota

KEPT_DAYS = 2


def _day_key(eid: int, kind: str, now: float) -> str:
    return f"day#{eid}#{kind}#{tenants.day_of(now)}"


def _day_expiry(now: float) -> datetime:
    end = (tenants.day_of(now) + 1 + KEPT_DAYS) * tenants.DAY_SECONDS
    return datetime.fromtimestamp(end, tz=UTC)


def spend(eid: int, kind: str, amount: int, cap: int, now: float) -> bool:
    """Count `amount` of `kind` for today if today's count stays within `cap` (the
    condition and the ADD are one write: concurrent requests never pass the cap together).
    False: nothing was counted."""
    if amount <= 0:
        return True
    if amount > cap:
        return False
    return update_if(
        Quota(_day_key(eid, kind, now)),
        [Quota.value.add(amount), Quota.expires.set(_day_expiry(now))],
        Quota.value.does_not_exist() | (Quota.value <= cap - amount),
    )


def add(eid: int, kind: str, amount: Decimal | int, now: float) -> None:
    """Count `amount` of today's `kind` whatever the cap (what was used already)."""
    if amount <= 0:
        return
    Quota(_day_key(eid, kind, now)).update(
        actions=[Quota.value.add(amount), Quota.expires.set(_day_expiry(now))]
    )


def add_in(tx: TransactWrite, eid: int, kind: str, amount: Decimal | int, now: float) -> None:
    """The same, inside a transaction (the one that ends a call adds its billed minutes)."""
    if amount <= 0:
        return
    tx.update(
        Quota(_day_key(eid, kind, now)),
        actions=[Quota.value.add(amount), Quota.expires.set(_day_expiry(now))],
    )


def used(eid: int, kind: str, now: float) -> float:
    try:
        return float(Quota.get(_day_key(eid, kind, now), consistent_read=True).value)
    except DoesNotExist:
        return 0.0


# -- fixed windows ------------------------------------------------------------------------


def take(name: str, capacity: int, length: float, now: float) -> float | None:
    """None: a place was taken in the current window (of `length` seconds, `capacity`
    places). Else the seconds until the next window opens."""
    current = int(now // length)
    expires = datetime.fromtimestamp((current + 2) * length, tz=UTC)
    item = Quota(f"rate#{name}")
    if update_if(
        item,
        [Quota.value.add(1)],
        (Quota.window == current) & (Quota.value < capacity),
    ):
        return None
    if update_if(
        item,
        [Quota.window.set(current), Quota.value.set(Decimal(1)), Quota.expires.set(expires)],
        Quota.window.does_not_exist() | (Quota.window < current),
    ):
        return None
    return max(0.0, (current + 1) * length - now)


def sign_in_key(eid: int, window: int, now: float) -> tuple[str, datetime]:
    """The item counting the enterprise's failed sign-ins in the window `now` is in."""
    current = int(now // window)
    return f"signin#{eid}#{current}", datetime.fromtimestamp((current + 2) * window, tz=UTC)


def failed_sign_in(eid: int, window: int, now: float) -> int:
    key, expires = sign_in_key(eid, window, now)
    item = Quota(key)
    item.update(actions=[Quota.value.add(1), Quota.expires.set(expires)])
    return int(item.value)


def sign_in_failures(eid: int, window: int, now: float) -> int:
    key, _ = sign_in_key(eid, window, now)
    try:
        return int(Quota.get(key, consistent_read=True).value)
    except DoesNotExist:
        return 0
