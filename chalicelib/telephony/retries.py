"""The two retry loops every carrier has, written once: a request tried again while the
carrier says it is busy (within a deadline, then the CarrierBusy goes to the dialer, whose
Backoff waits), and a hang up tried three times (best effort: a leg already gone is
hung up)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from chalicelib.telephony import CarrierBusy, CarrierError, Gone

log = logging.getLogger(__name__)

T = TypeVar("T")
HANG_UP_TRIES = 3
HANG_UP_MOST_WAIT = 2.0  # seconds between two tries of a hang up, at the most


def while_busy(
    request: Callable[[], T],
    deadline: float,
    clock: Callable[[], float],
    sleep: Callable[[float], None],
) -> T:
    """`request()`, tried again after each CarrierBusy's `retry_after` while that ends
    before `deadline` (a `clock()` time); past it the CarrierBusy is raised."""
    while True:
        try:
            return request()
        except CarrierBusy as e:
            if clock() + e.retry_after >= deadline:
                raise
            sleep(e.retry_after)


def hang_up(end: Callable[[], object], what: str, sleep: Callable[[float], None]) -> None:
    """`end()` a live leg, up to HANG_UP_TRIES times while the carrier is busy; a leg
    already over (Gone) is done, a refusal is logged, never raised."""
    for _ in range(HANG_UP_TRIES):
        try:
            end()
            return
        except Gone:
            return  # already over
        except CarrierBusy as e:
            sleep(min(e.retry_after, HANG_UP_MOST_WAIT))
        except CarrierError as e:
            log.warning("hang up %s failed: %s", what, e)
            return
    log.warning("hang up %s failed: the carrier stayed busy", what)
