"""domain.windows: the day bitmask, hour windows, timezones and the overlap rule."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.domain.windows import (
    HOURS_PER_WEEK,
    Window,
    covers,
    hour_of_week,
    hours,
    hours_of_all,
    place,
    subtract,
    without,
)

quick = settings(max_examples=150, deadline=None)

SUNDAY = 1704585600  # 2024-01-07 00:00 UTC, a Sunday
MON, TUE, WED, THU, FRI, SAT, SUN = 2, 4, 8, 16, 32, 64, 1

windows = st.builds(
    Window, st.integers(0, 23), st.integers(0, 23), st.integers(1, 127), st.integers(-11, 12)
)
hour_sets = st.frozensets(st.integers(0, HOURS_PER_WEEK - 1), max_size=60)


def utc(day: int, hour: int) -> set[int]:
    return {day * 24 + hour}


# --- examples ------------------------------------------------------------------------


def test_unix_time_zero_was_a_thursday_and_the_week_starts_on_sunday():
    assert hour_of_week(0) == 4 * 24
    assert hour_of_week(SUNDAY) == 0
    assert hour_of_week(SUNDAY + 7 * 86400 - 1) == HOURS_PER_WEEK - 1


def test_days_are_a_bitmask_sunday_first():
    # the reference's example values: 28 = Tue, Wed, Thu; 96 = Fri, Sat
    assert hours(Window(6, 8, 28)) == {
        2 * 24 + 6,
        2 * 24 + 7,
        3 * 24 + 6,
        3 * 24 + 7,
        4 * 24 + 6,
        4 * 24 + 7,
    }
    assert hours(Window(0, 1, SUN)) == {0}
    assert hours(Window(23, 0, SAT)) == {167}


def test_a_window_is_half_open_and_wraps_past_midnight():
    assert hours(Window(9, 12, MON)) == {33, 34, 35}
    assert hours(Window(22, 2, SAT)) == {166, 167, 0, 1}


def test_start_equal_to_end_is_all_day_from_that_hour():
    assert hours(Window(6, 6, FRI)) == set(range(5 * 24 + 6, 6 * 24 + 6))
    assert len(hours(Window(0, 0, 127))) == HOURS_PER_WEEK


def test_timezone_is_an_offset_from_gmt():
    # 9-17 in GMT-7 is 16-24 GMT
    assert hours(Window(9, 17, MON, -7)) == set(range(24 + 16, 48))
    # 1 am Monday in GMT+2 is 11 pm Sunday GMT
    assert hours(Window(1, 2, MON, 2)) == {23}
    assert covers(Window(9, 17, MON, -7), SUNDAY + 24 * 3600 + 16 * 3600)
    assert not covers(Window(9, 17, MON, -7), SUNDAY + 24 * 3600 + 9 * 3600)


def test_the_references_overlap_example():
    # "9 AM to Noon" then "11 to 5 PM": 9-11 and 11-17 remain
    assert place([Window(9, 12, 127)], Window(11, 17, 127)) == [
        Window(9, 11, 127),
        Window(11, 17, 127),
    ]


def test_an_overlap_on_one_day_splits_that_day_only():
    assert subtract(Window(9, 17, MON | TUE | WED | THU | FRI), hours(Window(11, 12, WED))) == [
        Window(9, 17, MON | TUE | THU | FRI),
        Window(9, 11, WED),
        Window(12, 17, WED),
    ]


def test_a_window_without_overlap_is_kept_as_given():
    given_window = Window(22, 3, MON | FRI, 5)
    assert subtract(given_window, hours(Window(10, 11, 127, 5))) == [given_window]


def test_a_window_covered_whole_vanishes():
    assert subtract(Window(9, 10, MON), hours(Window(8, 12, MON))) == []


def test_pieces_keep_the_timezone_of_the_older_window():
    # Monday 9-17 at GMT-7 (16-24 GMT) minus 20-22 GMT: 9-13 and 15-17 local
    assert subtract(Window(9, 17, MON, -7), utc(1, 20) | utc(1, 21)) == [
        Window(9, 13, MON, -7),
        Window(15, 17, MON, -7),
    ]


def test_what_remains_after_midnight_starts_on_the_next_day():
    assert subtract(Window(22, 2, MON), hours(Window(22, 0, MON))) == [Window(0, 2, TUE)]


@pytest.mark.parametrize(
    "bad",
    [
        {"start_hour": 24},
        {"end_hour": -1},
        {"days": 0},
        {"days": 128},
        {"timezone": 13},
        {"timezone": -12},
    ],
)
def test_out_of_range_windows_do_not_exist(bad):
    with pytest.raises(ValueError):
        Window(**{"start_hour": 1, "end_hour": 2, "days": 1, "timezone": 0, **bad})


# --- properties ------------------------------------------------------------------------


@quick
@given(windows)
def test_each_named_day_gets_its_length(window):
    assert len(hours(window)) == bin(window.days).count("1") * window.length


@quick
@given(windows, st.integers(0, 2 * 10**9))
def test_covers_agrees_with_the_hours(window, t):
    assert covers(window, t) == (hour_of_week(t) in hours(window))


@quick
@given(windows, hour_sets)
def test_subtract_removes_exactly_the_hours(window, removed):
    pieces = subtract(window, removed)
    assert hours_of_all(pieces) == hours(window) - removed
    assert all(p.timezone == window.timezone for p in pieces)
    covered = [h for p in pieces for h in hours(p)]
    assert len(covered) == len(set(covered)), "pieces never overlap each other"


@quick
@given(st.lists(windows, max_size=5), windows)
def test_place_replaces_hour_by_hour_and_keeps_the_rest(older, new):
    placed = place(older, new)
    assert placed[-1] == new
    assert hours_of_all(placed) == hours_of_all(older) | hours(new)
    assert not hours_of_all(placed[:-1]) & hours(new)


@quick
@given(st.lists(windows, max_size=5), windows)
def test_without_leaves_none_of_the_removed_hours(older, removed):
    assert hours_of_all(without(older, hours(removed))) == hours_of_all(older) - hours(removed)
