"""Weekly time windows: calltimeexception and dnd (RULINGS "Days", "Hours", "Overlap").

A `Window` is kept as the client gave it (start hour, end hour, day bitmask,
timezone offset) so that GET shows it back unchanged. For overlap and resolution
it is a set of UTC hours of the week: 0 is Sunday 00:00-01:00 UTC, 167 is
Saturday 23:00-24:00 UTC.

- days: 1 Sunday, 2 Monday, 4 Tuesday, 8 Wednesday, 16 Thursday, 32 Friday,
  64 Saturday (the reference's examples 28 and 96 are Tue-Thu and Fri-Sat);
- hours: [start, end) in local time on each named day; end < start runs past
  midnight into the next day, end = start is 24 hours from start ("all day");
- timezone: local = UTC + offset hours, -11..+12.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

HOURS_PER_WEEK = 7 * 24
ALL_DAYS = 127
TIMEZONES = (-11, 12)
# 1970-01-01, Unix time 0, was a Thursday: day 4 when Sunday is day 0.
_EPOCH_HOUR_OF_WEEK = 4 * 24


@dataclass(frozen=True)
class Window:
    start_hour: int
    end_hour: int
    days: int
    timezone: int = 0

    def __post_init__(self) -> None:
        if not (
            0 <= self.start_hour <= 23
            and 0 <= self.end_hour <= 23
            and 1 <= self.days <= ALL_DAYS
            and TIMEZONES[0] <= self.timezone <= TIMEZONES[1]
        ):
            raise ValueError(f"not a window: {self}")

    @property
    def length(self) -> int:
        """Hours covered on each named day: 1..24."""
        return (self.end_hour - self.start_hour - 1) % 24 + 1


def days_of(mask: int) -> list[int]:
    """The day numbers (0 Sunday .. 6 Saturday) set in a day bitmask."""
    return [day for day in range(7) if mask & (1 << day)]


def hour_of_week(unix_time: int) -> int:
    """The UTC hour of the week a Unix time falls in."""
    return (unix_time // 3600 + _EPOCH_HOUR_OF_WEEK) % HOURS_PER_WEEK


def _local_runs(window: Window) -> list[int]:
    """The local hour of the week each day's run starts at, Sunday first."""
    return [day * 24 + window.start_hour for day in days_of(window.days)]


def hours(window: Window) -> frozenset[int]:
    """The UTC hours of the week the window covers."""
    return frozenset(
        (start + offset - window.timezone) % HOURS_PER_WEEK
        for start in _local_runs(window)
        for offset in range(window.length)
    )


def hours_of_all(windows: Iterable[Window]) -> frozenset[int]:
    return frozenset().union(*(hours(w) for w in windows))


def covers(window: Window, unix_time: int) -> bool:
    """Whether the window is in force at a Unix time."""
    local = (hour_of_week(unix_time) + window.timezone) % HOURS_PER_WEEK
    return any((local - start) % HOURS_PER_WEEK < window.length for start in _local_runs(window))


def subtract(window: Window, removed: frozenset[int]) -> list[Window]:
    """What remains of `window` without the UTC hours `removed`, as windows in
    the same timezone; the window itself, untouched, when nothing overlaps.

    Each day's run is cut where hours are removed; the pieces that are left are
    grouped by their (start, end) hours into one window per shape, days OR-ed.
    """
    if not removed & hours(window):
        return [window]
    removed_local = {(h + window.timezone) % HOURS_PER_WEEK for h in removed}
    shapes: dict[tuple[int, int], int] = {}
    for day_start in _local_runs(window):
        for start, length in _runs_without(day_start, window.length, removed_local):
            shape = (start % 24, (start + length) % 24)
            shapes[shape] = shapes.get(shape, 0) | 1 << (start % HOURS_PER_WEEK // 24)
    return [Window(start, end, days, window.timezone) for (start, end), days in shapes.items()]


def _runs_without(start: int, length: int, removed: set[int]) -> list[tuple[int, int]]:
    """The maximal runs (start, length) of [start, start + length) outside `removed`."""
    runs: list[tuple[int, int]] = []
    run_start = None
    for hour in range(start, start + length):
        if hour % HOURS_PER_WEEK in removed:
            if run_start is not None:
                runs.append((run_start, hour - run_start))
                run_start = None
        elif run_start is None:
            run_start = hour
    if run_start is not None:
        runs.append((run_start, start + length - run_start))
    return runs


def without(windows: Iterable[Window], removed: frozenset[int]) -> list[Window]:
    """Every window with the hours `removed` cut out (windows left empty vanish)."""
    return [piece for w in windows for piece in subtract(w, removed)]


def place(windows: Iterable[Window], new: Window) -> list[Window]:
    """RULINGS "Overlap": the new window replaces older ones hour by hour where they
    overlap; the rest of the older ones stays. The new window comes last."""
    return [*without(windows, hours(new)), new]
