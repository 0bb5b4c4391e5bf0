"""Numbers in text that is logged are masked (chalicelib/logs.py mask_digits): a carrier's
error text quotes the numbers it refused."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.logs import MASKED_FROM_DIGITS, mask_digits


@pytest.mark.parametrize(
    ("text", "logged"),
    [
        (
            "The 'To' number +15551234567 is not a valid phone number.",
            "The 'To' number +xxxxxxxxx67 is not a valid phone number.",
        ),
        ("from +1 (303) 555-0100 to 720.555.0199", "from +x (xxx) xxx-xx00 to xxx.xxx.xx99"),
        # not phone numbers: an error code, a year, a count
        ("error 21211 in 2026, 3 attempts", "error 21211 in 2026, 3 attempts"),
        ("", ""),
    ],
)
def test_numbers_are_masked_but_their_last_two_digits(text, logged):
    assert mask_digits(text) == logged


words = st.text(alphabet=st.characters(categories=["L", "Zs", "P"]), max_size=30)
separators = st.sampled_from(["", " ", "-", ".", "(", ")"])


@st.composite
def written_numbers(draw) -> tuple[str, str]:
    """(a phone number as text may write it, its digits)."""
    digits = draw(st.text(alphabet="0123456789", min_size=MASKED_FROM_DIGITS, max_size=15))
    text = "".join(d + draw(separators) for d in digits[:-1]) + digits[-1]
    return ("+" if draw(st.booleans()) else "") + text, digits


@given(words, written_numbers(), words)
def test_only_the_last_two_digits_of_a_number_remain(before, number, after):
    written, digits = number
    text = f"{before} {written} {after}"
    logged = mask_digits(text)
    # only digits change, each to an x; everything else is as it was
    assert re.sub(r"\d", "x", logged) == re.sub(r"\d", "x", text)
    # of the number, its last two digits are left
    assert re.sub(r"\D", "", logged) == digits[-2:]


def test_a_carriers_error_text_is_logged_masked():
    from chalicelib.providers.errors import CarrierError
    from chalicelib.providers.twilio import rest

    answer = json.dumps({"code": 21612, "message": "Cannot route to +15551234567"}).encode()
    with pytest.raises(CarrierError) as e:
        rest._answer(400, answer)
    assert "5551234567" not in str(e.value) and "+xxxxxxxxx67" in str(e.value)
    assert "21612" in str(e.value)  # the code stays
