"""Calling hours (domain/calling_hours.py): the window on each recipient's wall clock,
across daylight-saving changes, numbers in two zones and windows at the day's edges."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.domain import calling_hours as ch
from chalicelib.domain import compliance
from chalicelib.domain.calling_hours import CallingWindow
from chalicelib.domain.numbers import Phone

ZONES = (
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Phoenix",  # no daylight saving
    "America/Los_Angeles",
    "Europe/London",
    "Australia/Lord_Howe",  # a 30-minute change
    "Asia/Kolkata",
)
# Around the 2026 and 2027 changes of the zones above.
TIMES = st.integers(min_value=1_772_000_000, max_value=1_830_000_000)


@st.composite
def windows(draw: st.DrawFn) -> CallingWindow:
    start = draw(st.integers(0, ch.MINUTES_PER_DAY - 1))
    end = draw(st.integers(start + 1, ch.MINUTES_PER_DAY))
    return CallingWindow(start, end)


zone_sets = st.lists(st.sampled_from(ZONES), min_size=1, max_size=2, unique=True).map(tuple)


def wall(zone: str, at: int) -> int:
    local = datetime.fromtimestamp(at, ZoneInfo(zone))
    return local.hour * 60 + local.minute


def utc(zone: str, text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(zone)).timestamp())


def test_parse_and_print() -> None:
    assert str(CallingWindow.parse("08:00-21:00")) == "08:00-21:00"
    assert CallingWindow.parse("00:00-24:00") == CallingWindow(0, 1440)
    for bad in ("22:00-06:00", "08:00-08:00", "8:00-21:00", "08:60-21:00", "24:00-24:00", ""):
        with pytest.raises(ValueError):
            CallingWindow.parse(bad)


@settings(max_examples=150, deadline=None)
@given(windows(), zone_sets, TIMES)
def test_next_open_is_open_and_nothing_earlier_is(
    window: CallingWindow, zones: tuple[str, ...], at: int
) -> None:
    found = ch.next_open(window, zones, at)
    if found is None:
        # Two zones may never share the window (Kolkata and Los Angeles at 09:00-10:00).
        assert len(zones) == 2
        return
    assert found >= at
    assert all(window.holds(wall(z, found)) for z in zones)
    # Every minute boundary before it is closed somewhere (a sample of them).
    step = max(60, (found - at) // 200)
    for t in range(at, found, step):
        assert not ch.is_open(window, zones, t)


@settings(max_examples=150, deadline=None)
@given(windows(), st.sampled_from(ZONES), TIMES)
def test_open_is_the_wall_clock(window: CallingWindow, zone: str, at: int) -> None:
    assert ch.is_open(window, (zone,), at) == window.holds(wall(zone, at))


def test_spring_forward_in_new_york() -> None:
    # 2027-03-14 02:00 EST -> 03:00 EDT: a window from 02:30 opens when the clock jumps.
    window = CallingWindow.parse("02:30-05:00")
    before = utc("America/New_York", "2027-03-14T01:00")
    jump = utc("America/New_York", "2027-03-14T03:00")  # 07:00 UTC
    assert ch.next_open(window, ("America/New_York",), before) == jump


def test_eight_am_stays_eight_am_across_the_change() -> None:
    window = CallingWindow.parse("08:00-21:00")
    ny = ("America/New_York",)
    saturday = utc("America/New_York", "2027-03-13T07:00")
    sunday = utc("America/New_York", "2027-03-14T07:00")
    assert ch.next_open(window, ny, saturday) == saturday + 3600  # 13:00 UTC
    assert ch.next_open(window, ny, sunday) == sunday + 3600  # 12:00 UTC, EDT
    assert ch.next_open(window, ny, saturday) - saturday == 3600
    assert (sunday + 3600) - (saturday + 3600) == 23 * 3600


def test_fall_back_repeated_hour() -> None:
    # 2026-11-01 in New York: 01:00-02:00 happens twice; a window ending 01:30 is open
    # in both readings, and closed between them.
    window = CallingWindow.parse("00:00-01:30")
    first = utc("America/New_York", "2026-11-01T01:45")  # EDT (fold 0)
    again = ch.next_open(window, ("America/New_York",), first)
    assert again == first + 15 * 60  # 01:00 EST, the clock set back


def test_a_number_in_two_zones_waits_for_the_later() -> None:
    window = CallingWindow.parse("08:00-21:00")
    zones = ch.zones_of(Phone("1", "", "6055551212"), "UTC")
    at = utc("America/Chicago", "2026-12-08T07:30")
    assert ch.next_open(window, zones, at) == utc("America/Denver", "2026-12-08T08:00")


def test_two_zones_must_both_be_open() -> None:
    window = CallingWindow.parse("08:00-21:00")
    zones = ("America/Chicago", "America/New_York")
    at = utc("America/New_York", "2026-12-08T07:30")
    assert ch.next_open(window, zones, at) == utc("America/Chicago", "2026-12-08T08:00")


def test_window_to_midnight_and_from_midnight() -> None:
    ny = ("America/New_York",)
    late = CallingWindow.parse("23:00-24:00")
    at = utc("America/New_York", "2026-12-08T23:59")
    assert ch.is_open(late, ny, at)
    assert not ch.is_open(late, ny, at + 60)
    early = CallingWindow.parse("00:00-00:01")
    assert ch.next_open(early, ny, at) == at + 60


def test_zones_of_numbers() -> None:
    assert ch.zones_of(Phone("1", "", "3035551212"), "UTC") == ("America/Denver",)
    assert ch.zones_of(Phone("44", "20", "77994044"), "UTC") == ("Europe/London",)
    # An area code spanning two zones: South Dakota's 605 (Mountain and Central).
    assert ch.zones_of(Phone("1", "", "6055551212"), "UTC") == (
        "America/Denver",
        "America/North_Dakota/Center",
    )
    assert ch.zones_of(Phone("1", "", "8005551212"), "America/Chicago") != ()


def test_screen_waits_then_ends_outside_hours() -> None:
    window = CallingWindow.parse("08:00-21:00")
    ny = ("America/New_York",)
    night = utc("America/New_York", "2026-12-08T23:00")
    verdict = compliance.screen(
        window=window, zones=ny, now=night, started=night, on_list=False, cap=None, take=bool
    )
    assert verdict.at == utc("America/New_York", "2026-12-09T08:00")
    gone = compliance.screen(
        window=window,
        zones=ny,
        now=night,
        started=night - 7 * 86400,
        on_list=False,
        cap=None,
        take=bool,
    )
    assert gone.result == compliance.OUTSIDE_HOURS
    listed = compliance.screen(
        window=None, zones=ny, now=night, started=night, on_list=True, cap=None, take=bool
    )
    assert listed.result == compliance.DO_NOT_CALL


def test_screen_cap_moves_to_next_day_then_caps() -> None:
    window = CallingWindow.parse("08:00-21:00")
    ny = ("America/New_York",)
    noon = utc("America/New_York", "2026-12-08T12:00")
    days: list[int] = []

    def full_today(at: int) -> bool:
        days.append(at)
        return at > noon + 3600

    verdict = compliance.screen(
        window=window, zones=ny, now=noon, started=noon, on_list=False, cap=1, take=full_today
    )
    assert verdict.at == utc("America/New_York", "2026-12-09T08:00")
    always_full = compliance.screen(
        window=window, zones=ny, now=noon, started=noon, on_list=False, cap=1, take=lambda _: False
    )
    assert always_full.result == compliance.CAPPED
