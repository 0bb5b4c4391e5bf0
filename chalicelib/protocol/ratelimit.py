"""Each enterprise's request rate (docs/limits.md "Request rate"), checked by the session
guard (protocol/auth.enterprise_of) once the session is known to be the enterprise's, so
that nobody else's requests can spend its budget:

1. a token bucket per enterprise in this process (domain/buckets.py): exact within one
   container (all of `make run`), no I/O, so a flood is refused at the cost of a dict
   look-up;
2. a fixed window per enterprise on the Quotas table (store/quotas.take: one conditional
   UpdateItem per admitted request), shared by every container: Lambda runs one request
   per container at a time, so a flood spread over many containers passes each local
   bucket; the window caps their sum. A window found full is remembered here until it
   ends, so the requests refused after it cost no write either.

Over either: 116 with status 429 and `Retry-After` (the seconds to the next token or
window). The carriers' webhooks (routes.webhook) and /session never come here: no
enterprise's flood can delay a live call's webhook. If the Quotas table cannot be reached
the shared window is skipped (logged): a counter must not take the API down.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

from chalicelib import clock, metrics, settings
from chalicelib.domain import buckets
from chalicelib.domain.tenants import Limits
from chalicelib.errors import BUSY, TOO_MANY_REQUESTS, OcpError
from chalicelib.imports import on_first_use

log = logging.getLogger(__name__)
if TYPE_CHECKING:
    from chalicelib.store import quotas
else:
    quotas = on_first_use("chalicelib.store.quotas")

_lock = threading.Lock()
_buckets: dict[int, buckets.Bucket] = {}
# eid -> when its shared window opens again (it was found full).
_full_until: dict[int, float] = {}
_MAX_TRACKED = 10_000
# Refusals not yet reported, by eid: (the second they were counted in, how many). One
# metric line a second per flooding enterprise, not one per refused request.
_refused: dict[int, tuple[int, int]] = {}


def window(limits: Limits) -> tuple[float, int]:
    """The shared window of these limits: (seconds, requests in it). `burst` requests per
    `burst / rate` seconds (at least a second): the bucket's rate, with its burst."""
    length = max(1.0, limits.burst / limits.requests_per_second)
    return length, max(1, round(limits.requests_per_second * length))


def admit(eid: int, limits: Limits) -> None:
    """Return if the enterprise may make a request now, else raise 116 (429)."""
    if not settings.get().rate_limits:
        return
    now = clock.precise()
    rate, burst = limits.requests_per_second, limits.burst
    with _lock:
        if len(_buckets) > _MAX_TRACKED:
            _buckets.clear()
            _full_until.clear()
        bucket = _buckets.get(eid) or buckets.Bucket.full(burst, now)
        bucket, wait = buckets.take(bucket, rate, burst, now)
        _buckets[eid] = bucket
        full_until = _full_until.get(eid, 0.0)
    if wait > 0:
        raise _busy(eid, now, wait)
    if full_until > now:
        raise _busy(eid, now, full_until - now)
    length, capacity = window(limits)
    try:
        opens_in = quotas.take(str(eid), capacity, length, now)
    except Exception:
        log.warning("the shared request window of enterprise %s is unavailable", eid, exc_info=True)
        return
    if opens_in is not None:
        with _lock:
            _full_until[eid] = now + opens_in
        raise _busy(eid, now, opens_in)


def _busy(eid: int, now: float, wait: float) -> OcpError:
    second = int(now)
    with _lock:
        counted, count = _refused.get(eid, (second, 0))
        _refused[eid] = (second, 1 if counted != second else count + 1)
    if counted != second:
        metrics.rate_limited(eid, count)
    return OcpError(BUSY, status=TOO_MANY_REQUESTS, retry_after=buckets.retry_after(wait))


def forget() -> None:
    """Tests: every bucket full again."""
    with _lock:
        _buckets.clear()
        _full_until.clear()
        _refused.clear()
