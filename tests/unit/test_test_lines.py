"""The 555-01xx test lines every simulated outcome table is read by (domain/numbers.py)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain import numbers

digits = st.text(alphabet="0123456789", min_size=3, max_size=3)


@given(area=digits, line=st.text(alphabet="0123456789", min_size=2, max_size=2))
def test_any_area_codes_555_01xx_is_its_test_line(area, line):
    assert numbers.test_line(f"+1{area}55501{line}") == f"01{line}"


@given(area=digits, exchange=digits, line=st.text(alphabet="0123456789", min_size=4, max_size=4))
def test_no_other_north_american_number_is_one(area, exchange, line):
    if exchange == "555" and line.startswith("01"):
        return
    assert numbers.test_line(f"+1{area}{exchange}{line}") is None


def test_numbers_outside_north_america_are_none():
    assert numbers.test_line("+443035550101") is None
    assert numbers.test_line("+4420555010") is None
    assert numbers.test_line("+1303555010") is None  # nine digits
