"""Calling hours in each recipient's own time (issue 27; docs/api-blasts-and-media.md
"Calling hours"): a blast recipient is called or texted only while its window is open
on the wall clock of every time zone its number may be in.

    window = CallingWindow.parse("08:00-21:00")   # ValueError for anything else
    zones = zones_of(phone, default="America/New_York")
    is_open(window, zones, at)        # at: Unix seconds
    next_open(window, zones, at)      # the first instant >= at it is open, or None (7 days)
    local_day(zones, at)              # the recipient's date, for the daily frequency cap

Pure: time is an argument. Daylight saving comes from the zone rules (zoneinfo), never
from fixed offsets: the window is a wall-clock condition, so on a day of 23 or 25 hours
it is open for as many hours as the clock shows it. A window past midnight is refused
(`22:00-06:00`), and so is an empty one; `24:00` may end a window (to midnight).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from chalicelib.domain.numbers import Phone

MINUTES_PER_DAY = 24 * 60
# A recipient not reached inside its window within this long ends (OUTSIDE_HOURS, CAPPED).
HORIZON_SECONDS = 7 * 86400
_WINDOW = re.compile(r"^([01]\d|2[0-4]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$")
# Zone transitions are found by sampling the offset this often (they are months apart).
_SAMPLE_SECONDS = 3600


@dataclass(frozen=True)
class CallingWindow:
    """[start, end) in minutes after local midnight, start < end <= 1440."""

    start: int
    end: int

    def __post_init__(self) -> None:
        if not 0 <= self.start < self.end <= MINUTES_PER_DAY:
            raise ValueError(f"not a calling window: {self.start}-{self.end}")

    @classmethod
    def parse(cls, text: str) -> CallingWindow:
        found = _WINDOW.match(text.strip())
        if not found:
            raise ValueError(f"not HH:MM-HH:MM: {text!r}")
        h1, m1, h2, m2 = (int(g) for g in found.groups())
        start, end = h1 * 60 + m1, h2 * 60 + m2
        if start >= MINUTES_PER_DAY or end > MINUTES_PER_DAY or end <= start:
            raise ValueError(f"not a window within one day: {text!r}")
        return cls(start, end)

    def __str__(self) -> str:
        return f"{_hhmm(self.start)}-{_hhmm(self.end)}"

    def holds(self, minute_of_day: int) -> bool:
        return self.start <= minute_of_day < self.end


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def valid_zone(name: str) -> bool:
    try:
        _zone(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


@lru_cache(maxsize=512)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def zones_of(phone: Phone, default: str) -> tuple[str, ...]:
    """The time zones a number may be in, from its country and area code
    (`phonenumbers`' time zone metadata); `default` when none is known."""
    return _zones_of_e164(phone.e164, default)


@lru_cache(maxsize=4096)
def _zones_of_e164(e164: str, default: str) -> tuple[str, ...]:
    import phonenumbers  # deferred (chalicelib/imports.py): not at cold start
    from phonenumbers import timezone

    try:
        parsed = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return (default,)
    found = tuple(sorted(z for z in timezone.time_zones_for_number(parsed) if z != "Etc/Unknown"))
    return tuple(z for z in found if valid_zone(z)) or (default,)


def _minute_of_day(zone: str, at: int) -> int:
    local = datetime.fromtimestamp(at, _zone(zone))
    return local.hour * 60 + local.minute


def is_open(window: CallingWindow, zones: tuple[str, ...], at: int) -> bool:
    """Whether the window is open at `at` on the wall clock of every zone."""
    return all(window.holds(_minute_of_day(z, at)) for z in zones)


def local_day(zones: tuple[str, ...], at: int) -> date:
    """The recipient's date at `at` (its first zone's), for per-day counts."""
    return datetime.fromtimestamp(at, _zone(zones[0])).date()


def next_day(zones: tuple[str, ...], at: int) -> int:
    """The first instant of the recipient's next local day after `at`."""
    zone = _zone(zones[0])
    day = datetime.fromtimestamp(at, zone).date() + timedelta(days=1)
    return _instants(zone, day, 0)[0]


@lru_cache(maxsize=4096)
def next_open(
    window: CallingWindow, zones: tuple[str, ...], at: int, horizon: int = HORIZON_SECONDS
) -> int | None:
    """The first whole second >= `at` at which the window is open in every zone, or None
    if it does not open before `at + horizon`.

    The set of open instants changes only where some zone's wall clock passes the
    window's start (continuously: both readings of an hour that repeats count) or jumps
    (a zone's transition): those instants, and `at`, are the only candidates."""
    if is_open(window, zones, at):
        return at
    until = at + horizon
    candidates: set[int] = set()
    for name in zones:
        zone = _zone(name)
        first = datetime.fromtimestamp(at, zone).date() - timedelta(days=1)
        for d in range(horizon // 86400 + 3):
            candidates.update(_instants(zone, first + timedelta(days=d), window.start))
        candidates.update(_transitions(zone, at, until))
    for t in sorted(c for c in candidates if at < c < until):
        if is_open(window, zones, t):
            return t
    return None


def _instants(zone: ZoneInfo, day: date, minute: int) -> list[int]:
    """The Unix times at which `day`'s wall clock reads `minute` (either reading of a
    repeated hour; for a time the clock skips, where it would have been)."""
    naive = datetime.combine(day, time(minute // 60, minute % 60))
    return sorted({int(naive.replace(tzinfo=zone, fold=fold).timestamp()) for fold in (0, 1)})


def _transitions(zone: ZoneInfo, start: int, until: int) -> list[int]:
    """The instants in [start, until] at which the zone's offset changes."""
    found: list[int] = []
    t = start - start % _SAMPLE_SECONDS
    offset = _offset(zone, t)
    while t < until:
        nxt = t + _SAMPLE_SECONDS
        new = _offset(zone, nxt)
        if new != offset:
            lo, hi = t, nxt  # offset(lo) == old, offset(hi) == new
            while hi - lo > 1:
                mid = (lo + hi) // 2
                if _offset(zone, mid) == offset:
                    lo = mid
                else:
                    hi = mid
            found.append(hi)
            offset = new
        t = nxt
    return found


def _offset(zone: ZoneInfo, at: int) -> timedelta | None:
    return datetime.fromtimestamp(at, UTC).astimezone(zone).utcoffset()
