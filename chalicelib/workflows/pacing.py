"""The account's limits applied to every dial, whatever the carrier (domain/pacing.py has
the rules, store/pacing.py the board every dialer shares; docs/limits-pacing.md):

    admit(dial, share, enterprise)
                         None: place the dial now; else the seconds to wait (Carrier.Busy).
                         `share`: a blast's enterprise; `enterprise`: an interactive
                         dial's, whose turn it takes with other enterprises'
    check_room(eid)      a new interactive request (call, conference, autoconference) of
                         the enterprise: OcpError(Code.BUSY) when its places in line, or
                         the board's, are full (docs/limits-pacing.md)
    answered(dial)       the dial was answered: one slot held until the call ends
    release(call_id, key) the dial `key` (or every dial of the call) ended
    plan(share, count)   (first, every): a blast's recipients' turns, spaced at what the
                         blast slots turn over, so that few of them wait at once

Off (`Unpaced`) when settings say so: the simulated carrier has no limits.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from chalicelib import metrics, settings
from chalicelib.domain import pacing as rules
from chalicelib.errors import Code, OcpError
from chalicelib.store import pacing
from chalicelib.telephony import Dial

log = logging.getLogger(__name__)

# A ringing dial's slots are held this much longer than its ring timeout if nobody
# releases them (a crashed dialer); an answered one's, this much longer than the longest call.
LEASE_MARGIN_SECONDS = 60
# The longest Retry-After of a call request refused for its enterprise's places in line.
MAX_RETRY_AFTER = 60


class Pacing(Protocol):
    def admit(
        self, dial: Dial, share: str | None, enterprise: str | None = None
    ) -> rules.Decision | None: ...
    def answered(self, dial: Dial) -> None: ...
    def release(self, call_id: int, key: str | None = None) -> None: ...


class Unpaced:
    def admit(
        self, dial: Dial, share: str | None, enterprise: str | None = None
    ) -> rules.Decision | None:
        return None

    def answered(self, dial: Dial) -> None:
        return None

    def release(self, call_id: int, key: str | None = None) -> None:
        return None


@dataclass
class SharedPacing:
    limits: rules.Limits
    ring_seconds: float
    call_seconds: float
    # Fractions of a second matter at a rate of calls a second (clock.now is whole seconds).
    clock: Callable[[], float] = field(default=time.time)

    @classmethod
    def from_settings(cls) -> SharedPacing:
        s = settings.get()
        return cls(limits(), s.ring_timeout_seconds, s.max_call_seconds)

    def admit(
        self, dial: Dial, share: str | None, enterprise: str | None = None
    ) -> rules.Decision | None:
        """None: placed now. Else the Decision to wait (its `retry_after`, `why`)."""
        request = rules.Request(
            pacing.holder(dial.call_id, dial.key),
            len(dial.targets),
            self.ring_seconds + LEASE_MARGIN_SECONDS,
            share=share,
            enterprise=enterprise,
        )
        decision = pacing.admit(request, self.limits, self.clock())
        return None if decision.admitted else decision

    def answered(self, dial: Dial) -> None:
        expires = self.clock() + self.call_seconds + LEASE_MARGIN_SECONDS
        pacing.answered(pacing.holder(dial.call_id, dial.key), 1, expires)

    def release(self, call_id: int, key: str | None = None) -> None:
        pacing.release(call_id, key)


def limits() -> rules.Limits:
    s = settings.get()
    return rules.Limits(
        s.calls_per_second,
        s.concurrent_calls,
        s.interactive_calls,
        enterprise_calls=s.enterprise_calls,
        enterprise_waiting=s.enterprise_waiting_dials,
        board_waiting=s.pacing_board_waiting,
    )


def check_room(eid: int, now: float | None = None) -> None:
    """Refuse (Code.BUSY, Retry-After) a new interactive request of enterprise `eid`
    whose dials would find no place in line; nothing to check without pacing."""
    if not settings.get().pacing:
        return
    account = limits()
    why = pacing.room(str(eid), account, time.time() if now is None else now)
    if why is not None:
        log.info("enterprise %s: interactive request refused: %s", eid, why)
        metrics.paced("refused")
        # Retry-After: the enterprise's waiting dials need at least this long to go.
        ahead = account.enterprise_waiting if why == rules.OVER_WAITING else account.board_waiting
        raise OcpError(Code.BUSY, retry_after=retry_after(ahead, account))


def retry_after(ahead: int, account: rules.Limits) -> int:
    """Whole seconds for `ahead` dials to go at the account's rate (1..MAX_RETRY_AFTER)."""
    return min(MAX_RETRY_AFTER, max(1, math.ceil(ahead * account.spacing)))


def default() -> Pacing:
    return SharedPacing.from_settings() if settings.get().pacing else Unpaced()


def plan(share: str, count: int, now: float) -> tuple[float, float]:
    """A blast's recipients' turns: (Unix time of the first, seconds between two). Each
    enterprise has a timeline of its own (its blasts queue one after the other), so two
    enterprises' blasts run side by side and share the account at the gate (admit)."""
    every = 1.0 / limits().blast_throughput(settings.get().blast_dial_seconds)
    return pacing.reserve(f"pacing-plan-{share}", count, every, now), every
