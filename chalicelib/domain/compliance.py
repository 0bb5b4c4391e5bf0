"""A blast's compliance rules and the verdict on one recipient (issue 27).

    rules = BlastRules(window, retries, retry_interval, opt_out_digit)   # on the Blast item
    verdict = screen(...)                                                # per recipient

Pure: the fan-out (workflows/compliance.py) reads the do-not-call list, the enterprise's
settings and the frequency counts, and asks here what to do with each recipient:
reach it now, let it wait until an instant (`notBefore`), or end it with a result.

Results added to RULINGS "Call vocabulary" (additions, docs/api-blasts-and-media.md):
DO_NOT_CALL (on the enterprise's do-not-call list: never dialled or texted), OPTED_OUT
(pressed the opt-out digit), CAPPED (over the daily frequency cap for 7 days),
OUTSIDE_HOURS (its calling window did not open within 7 days).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from chalicelib.domain.calling_hours import (
    HORIZON_SECONDS,
    CallingWindow,
    next_day,
    next_open,
)

DO_NOT_CALL = "DoNotCall"
OPTED_OUT = "OptedOut"
CAPPED = "Capped"
OUTSIDE_HOURS = "OutsideCallingHours"
ADDED_RESULTS = (DO_NOT_CALL, OPTED_OUT, CAPPED, OUTSIDE_HOURS)

MAX_RETRIES = 5


def opt_out_prompt(digit: str) -> str:
    """What a voice blast's announcement ends with when it has an optOutDigit."""
    key = {"*": "star", "#": "pound"}.get(digit, digit)
    return f"To stop receiving these calls, press {key}."


OPT_OUT_THANKS = "Thank you. You will not receive these calls again. Goodbye."
RETRY_INTERVAL_MINUTES = (1, 1440)
DEFAULT_RETRY_INTERVAL = 30


@dataclass(frozen=True)
class BlastRules:
    """What blastvoice / blastsms POST and PUT set (all absent for a 2008 client)."""

    window: CallingWindow | None = None
    retries: int = 0
    retry_interval: int = DEFAULT_RETRY_INTERVAL  # minutes
    opt_out_digit: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.window is not None:
            out["window"] = str(self.window)
        if self.retries:
            out["retries"] = self.retries
            out["retryInterval"] = self.retry_interval
        if self.opt_out_digit is not None:
            out["optOutDigit"] = self.opt_out_digit
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> BlastRules:
        data = data or {}
        window = data.get("window")
        return cls(
            CallingWindow.parse(window) if window else None,
            int(data.get("retries", 0)),
            int(data.get("retryInterval", DEFAULT_RETRY_INTERVAL)),
            data.get("optOutDigit"),
        )

    @property
    def empty(self) -> bool:
        return not self.to_json()


@dataclass(frozen=True)
class EnterpriseRules:
    """The operator's settings for an enterprise: the default window (None: none), the
    zone of a number whose zone is unknown, and the daily cap per number (None: none)."""

    window: CallingWindow | None = None
    zone: str = "America/New_York"
    daily_cap: int | None = None


@dataclass(frozen=True)
class Verdict:
    """Reach now (`at` is None and `result` is None), wait until `at`, or end: `result`."""

    at: int | None = None
    result: str | None = None

    @property
    def now(self) -> bool:
        return self.at is None and self.result is None


NOW = Verdict()


def screen(
    *,
    window: CallingWindow | None,
    zones: tuple[str, ...],
    now: int,
    started: int,
    on_list: bool,
    cap: int | None,
    take: Callable[[int], bool],
) -> Verdict:
    """One recipient: DoNotCall if its number is on the list; else the first instant at or
    after `now` that its window is open and the frequency cap has room that day
    (`take(at)` counts it against that day, True if there was room). A recipient whose
    blast `started` more than 7 days before that instant ends OutsideCallingHours (no
    opening) or Capped (openings, but each day full)."""
    if on_list:
        return Verdict(result=DO_NOT_CALL)
    deadline = started + HORIZON_SECONDS
    at = now
    capped = False
    while at < deadline:
        opening = at if window is None else next_open(window, zones, at, deadline - at)
        if opening is None:
            break
        if cap is None or take(opening):
            return NOW if opening <= now else Verdict(at=opening)
        capped = True
        at = next_day(zones, opening)
    return Verdict(result=CAPPED if capped else OUTSIDE_HOURS)


def retry_at(
    now: int,
    interval: int,
    window: CallingWindow | None,
    zones: tuple[str, ...],
    deadline: int,
) -> int | None:
    """When a blast recipient's next try may ring: `interval` seconds after `now`, moved to
    its window's next opening; None when that is not before `deadline` (7 days)."""
    at = now + interval
    if window is not None:
        found = next_open(window, zones, at, max(0, deadline - at))
        if found is None:
            return None
        at = found
    return at if at < deadline else None
