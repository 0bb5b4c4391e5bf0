"""Billed minutes: call seconds rounded up to the next tenth of a minute (RULINGS
"Call vocabulary")."""

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.domain.billing import billed_minutes, conference_seconds

quick = settings(max_examples=200, deadline=None)
seconds = st.integers(min_value=0, max_value=10 * 24 * 3600)


@pytest.mark.parametrize(
    "call_seconds, minutes",
    [
        (0, "0.0"),
        (1, "0.1"),
        (6, "0.1"),
        (7, "0.2"),
        (12, "0.2"),
        (13, "0.3"),
        (59, "1.0"),
        (60, "1.0"),
        (61, "1.1"),
        (24, "0.4"),
        (3600, "60.0"),
    ],
)
def test_examples(call_seconds, minutes):
    # Given a call of some seconds, When it is billed, Then the minutes are rounded up
    assert billed_minutes(call_seconds) == Decimal(minutes)
    assert str(billed_minutes(call_seconds)) == minutes


def test_the_reference_example_is_a_call_of_up_to_12_seconds():
    # call GET prints <mou>0.2</mou>: anything over 6 and up to 12 seconds
    assert {billed_minutes(s) for s in range(7, 13)} == {Decimal("0.2")}


def test_negative_seconds_are_a_bug():
    with pytest.raises(ValueError):
        billed_minutes(-1)


@quick
@given(seconds)
def test_never_bills_less_than_the_call_nor_a_tenth_more(s):
    minutes = billed_minutes(s)
    assert minutes * 60 >= s
    assert minutes * 60 - s < 6


@quick
@given(seconds)
def test_always_exactly_one_decimal_place(s):
    minutes = billed_minutes(s)
    assert isinstance(minutes, Decimal)
    assert minutes.as_tuple().exponent == -1


@quick
@given(seconds, seconds)
def test_a_longer_call_never_costs_less(a, b):
    shorter, longer = sorted((a, b))
    assert billed_minutes(shorter) <= billed_minutes(longer)


@quick
@given(st.integers(min_value=0, max_value=100_000))
def test_whole_tenths_are_billed_exactly(tenths):
    assert billed_minutes(tenths * 6) == Decimal(tenths) / 10


# --- a conference's length (RULINGS "conference": the moderator is charged for it) ----------

START = 1212186144
legs = st.lists(
    st.tuples(
        st.one_of(st.none(), st.integers(START, START + 3600)),
        st.one_of(st.none(), st.integers(START, START + 7200)),
        st.one_of(st.none(), st.integers(0, 3600)),
    ),
    max_size=6,
)


def test_a_conference_lasts_until_its_last_connected_leg_hung_up():
    # Given legs that began ringing, ended, and were connected so long
    answered = [(START + 5, START + 40, 30), (START + 20, START + 90, 60)]
    never = [(START + 30, START + 200, None)]  # rang, nobody answered
    # Then it lasted from its start to the later hang-up
    assert conference_seconds(START, answered + never) == 90


def test_connected_seconds_count_when_the_end_was_recorded_at_once():
    # The simulated carrier reports 12 s without 12 s passing
    assert conference_seconds(START, [(START, START, 12)]) == 12
    assert conference_seconds(START, [(None, None, 12)]) == 12


def test_nobody_connected_is_zero():
    assert conference_seconds(START, []) == 0
    assert conference_seconds(START, [(START, START + 150, None)]) == 0


@quick
@given(legs)
def test_never_negative_and_covers_every_connected_leg(found):
    lasted = conference_seconds(START, found)
    assert lasted >= 0
    for originated, _completed, connected in found:
        if connected is not None:
            assert START + lasted >= (originated or START) + connected
