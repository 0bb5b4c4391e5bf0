"""Spend guards of an enterprise (docs/limits.md "Per enterprise"), checked before the work
that costs money starts: its policy (store/enterprises.policy, cached) says the limits, the
Quotas table (store/quotas.py) counts the day.

    spend.charge(eid, CALLS, 1)            118 (429, Retry-After: the day's end) past the cap
    spend.check_minutes(eid)               118 once today's billed minutes reached the cap
    spend.check_mou_allowed(eid, user_id)  120 past the user's mouallowed, if the operator says
    spend.recipients_cap(eid)              the most recipients one blast of it may have
    spend.check_phone(eid, phone, name)    119 for a number outside its countries
    spend.reachable_legs(eid, legs)        the legs with numbers outside its countries dropped
    spend.reachable(eid, reaches)          the same for blast recipients (domain.recipients)
    spend.exclusive_by_default(eid)        a user POST's `exclusive` when not given
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterable
from typing import TypeVar

from chalicelib import clock, metrics, settings
from chalicelib.domain import tenants
from chalicelib.domain.numbers import Phone
from chalicelib.domain.recipients import Reach
from chalicelib.domain.tenants import Limits
from chalicelib.errors import Code, OcpError
from chalicelib.store import accounts, enterprises, quotas
from chalicelib.workflows.dialing import Leg

log = logging.getLogger(__name__)

R = TypeVar("R", bound=Reach)


def limits(eid: int) -> Limits:
    found = enterprises.policy(eid)
    return found.limits if found is not None else Limits()


def charge(eid: int, kind: str, amount: int) -> None:
    """Count `amount` of today's `kind` (tenants.DAILY), or refuse with 118 if it would pass
    the enterprise's cap; nothing is counted then."""
    cap = limits(eid).daily_cap(kind)
    now = clock.precise()
    if not quotas.spend(eid, kind, amount, cap, now):
        raise _daily(kind, cap, now)


def check_minutes(eid: int) -> None:
    """118 once the enterprise's billed minutes today reached its cap (counted as calls end,
    so a call placed just under it may take the day a little past it)."""
    cap = limits(eid).daily_cap(tenants.MINUTES)
    now = clock.precise()
    if quotas.used(eid, tenants.MINUTES, now) >= cap:
        raise _daily(tenants.MINUTES, cap, now)


def check_mou_allowed(eid: int, user_id: int) -> None:
    """120 when the enterprise stops at mouallowed (`stop_at_mou_allowed`) and the user's
    mouused has reached a mouallowed that was set (above 0)."""
    if not limits(eid).stop_at_mou_allowed:
        return
    found = accounts.balances(eid, user_id)
    if found.mou_allowed > 0 and found.mou_used >= found.mou_allowed:
        metrics.spend_refused("mouallowed")
        raise OcpError(Code.MINUTES_USED_UP)


def _daily(kind: str, cap: int, now: float) -> OcpError:
    metrics.spend_refused(kind)
    log.warning("daily cap of %s reached (%s)", kind, cap)
    return OcpError(
        Code.DAILY_LIMIT, name=kind, high=cap, retry_after=tenants.seconds_to_day_end(now)
    )


def recipients_cap(eid: int) -> int:
    return min(settings.get().blast_max_recipients, limits(eid).recipients_per_blast)


def check_phone(eid: int, phone: Phone, name: str) -> None:
    """119 for a number given directly (a type 3 destination) outside the countries."""
    countries = limits(eid).countries
    if tenants.region_of(phone.e164) not in countries:
        metrics.spend_refused("countries")
        raise OcpError(Code.COUNTRY_NOT_ALLOWED, name=name, value=phone.display)


def reachable_legs(eid: int, legs: Iterable[Leg]) -> list[Leg]:
    """The legs, each without the numbers outside the enterprise's countries (a user's
    hunt order may hold one: it is not rung)."""
    countries = limits(eid).countries
    out = []
    for leg in legs:
        kept = tuple(t for t in leg.numbers if tenants.region_of(t.e164) in countries)
        if len(kept) != len(leg.numbers):
            metrics.spend_refused("countries")
            leg = dataclasses.replace(leg, numbers=kept)
        out.append(leg)
    return out


def reachable(eid: int, reaches: Iterable[R]) -> list[R]:
    """Blast recipients, each without the numbers outside the enterprise's countries."""
    countries = limits(eid).countries
    out = []
    for reach in reaches:
        kept = tuple(p for p in reach.numbers if tenants.region_of(p.e164) in countries)
        if len(kept) != len(reach.numbers):
            metrics.spend_refused("countries")
            reach = dataclasses.replace(reach, numbers=kept)
        out.append(reach)
    return out


def exclusive_by_default(eid: int) -> bool:
    return limits(eid).exclusive_users
