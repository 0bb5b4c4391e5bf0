"""An enterprise's limits (domain/tenants.py): defaults, an operator's changes and their
stored form, the UTC day and the daily caps' arithmetic."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain import tenants
from chalicelib.domain.tenants import Limits


def test_the_documented_defaults():
    limits = Limits()
    assert (limits.requests_per_second, limits.burst) == (20.0, 20)
    assert limits.countries == {"US", "CA"}
    assert not limits.exclusive_users  # the reference's default: shared
    assert limits.to_stored() == {}


changes = st.fixed_dictionaries(
    {},
    optional={
        "requests_per_second": st.floats(min_value=0.01, max_value=1e4),
        "burst": st.integers(min_value=1, max_value=10_000),
        "calls_per_day": st.integers(min_value=0, max_value=10**9),
        "countries": st.sets(st.sampled_from(["US", "CA", "GB", "MX", "FR"]), min_size=1),
        "exclusive_users": st.booleans(),
    },
)


@given(changes)
def test_what_is_stored_reads_back_as_the_same_limits(change):
    limits = Limits().with_changes(**change)
    assert Limits.from_stored(limits.to_stored()) == limits
    # Only the differences from the defaults are stored.
    assert set(limits.to_stored()) <= set(change)


@pytest.mark.parametrize(
    "name,value",
    [
        ("burst", 0),
        ("requests_per_second", 0),
        ("requests_per_second", "nan"),
        ("calls_per_day", -1),
        ("countries", "USA"),
        ("exclusive_users", "maybe"),
        ("nonsense", 1),
    ],
)
def test_a_bad_change_is_refused_by_name(name, value):
    with pytest.raises(ValueError, match=name):
        Limits().with_changes(**{name: value})


def test_a_stored_limit_no_longer_known_is_ignored():
    assert Limits.from_stored({"gone": 3, "burst": 5}) == dataclasses.replace(Limits(), burst=5)


@given(st.floats(min_value=0, max_value=4e9, allow_nan=False))
def test_the_day_ends_within_a_day_and_then_the_next_begins(now):
    left = tenants.seconds_to_day_end(now)
    assert 1 <= left <= tenants.DAY_SECONDS
    assert tenants.day_of(now + left) == tenants.day_of(now) + 1 or left == 1


@given(
    st.integers(min_value=0, max_value=10_000),
    st.lists(st.integers(min_value=0, max_value=500), max_size=100),
)
def test_daily_spends_never_pass_the_cap_and_are_refused_only_when_they_would(cap, amounts):
    used = 0
    for amount in amounts:
        fits = tenants.admits(used, amount, cap)
        assert fits == (used + amount <= cap)
        if fits:
            used += amount
        assert used <= cap


@pytest.mark.parametrize(
    "e164,region",
    [
        ("+13035551212", "US"),
        ("+13035550102", "US"),  # a test line: no region's plan holds it
        ("+14165551234", "CA"),
        ("+12425551234", "BS"),  # +1 but the Bahamas
        ("+442077994044", "GB"),
    ],
)
def test_the_region_of_a_number(e164, region):
    assert tenants.region_of(e164) == region
