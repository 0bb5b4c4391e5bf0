"""The one destination type: what the stores write of it decodes back to it."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain.destinations import Destination
from chalicelib.domain.numbers import Phone

digits = st.text("0123456789", min_size=1, max_size=12)
nanp = st.builds(Phone, st.just("1"), st.just(""), st.text("0123456789", min_size=10, max_size=10))
international = st.builds(
    Phone,
    st.text("0123456789", min_size=1, max_size=3).filter(lambda c: c != "1"),
    st.one_of(st.just(""), digits),
    digits,
)
phones = st.one_of(nanp, international)
destinations = st.one_of(
    st.builds(Destination, st.just(1), st.integers(1, 10**19 - 1)),
    st.builds(Destination, st.just(2), st.emails()),
    st.builds(Destination, st.just(3), phones),
)


@given(phones)
def test_a_phone_reads_back_from_its_display(phone: Phone) -> None:
    assert Phone.from_display(phone.display) == phone


@given(destinations)
def test_a_destination_reads_back_from_its_wire_form(destination: Destination) -> None:
    assert Destination.from_wire(destination.wire()) == destination


@given(destinations)
def test_a_destination_reads_back_from_its_json(destination: Destination) -> None:
    assert Destination.from_json(destination.to_json()) == destination


@pytest.mark.parametrize("text", ["", "4:x", "1:", "3:+1 303", "3:1 303 5551212", "3:44 20 77 99"])
def test_what_the_stores_never_write_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        Destination.from_wire(text)
