"""The list APIs' pure parts: page tokens (opaque, validated: a bad one is 902, never a
500), the same-number rule of `number=`, the price estimate, a usage delta from a stream
record."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain import prices
from chalicelib.errors import Code, OcpError
from chalicelib.store import listing

POSITION = {"t": int, "c": int}
keys = st.integers(min_value=0, max_value=10**19 - 1)


@given(keys, keys)
def test_a_token_gives_back_the_position_it_holds(t, c):
    token = listing.encode_token("calls", {"t": t, "c": c})
    assert listing.decode_token("calls", token, POSITION) == {"t": t, "c": c}
    assert token.replace("-", "").replace("_", "").isalnum()  # safe in a query string


def _decoded(text: str) -> dict | OcpError:
    try:
        return listing.decode_token("calls", text, POSITION)
    except OcpError as e:
        return e


@given(st.text(max_size=80))
def test_any_other_text_is_902_on_page_token(text):
    found = _decoded(text)
    if isinstance(found, OcpError):
        assert found.code == Code.INVALID_VALUE
        assert "pageToken" in found.details[0].message
    else:  # the text happened to be a valid token
        assert set(found) == {"t", "c"}


@given(keys, keys)
def test_a_token_of_another_list_is_902(t, c):
    token = listing.encode_token("blasts", {"t": t, "b": c})
    with pytest.raises(OcpError) as e:
        listing.decode_token("calls", token, POSITION)
    assert e.value.code == Code.INVALID_VALUE


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("3035551212", "3035551212", True),
        ("13035551212", "3035551212", True),
        ("442077994044", "2077994044", True),
        ("3035551212", "3035551213", False),
        ("5551212", "3035551212", True),  # seven digits: a local number
        ("1212", "3035551212", False),
        ("", "3035551212", False),
    ],
)
def test_same_number(a, b, same):
    assert listing.same_number(a, b) is same
    assert listing.same_number(b, a) is same


@given(
    st.integers(0, 10**6),
    st.decimals(0, 10**6, places=1),
    st.integers(0, 10**6),
    st.integers(0, 10**6),
    st.integers(0, 10**7),
)
def test_an_estimate_is_its_two_parts_and_never_negative(calls, mou, texts, parts, chars):
    cost = prices.estimate(
        prices.DEFAULT, calls=calls, mou=mou, texts=texts, segments=parts, tts_characters=chars
    )
    assert cost.carrier >= 0 and cost.aws >= 0
    assert cost.total == cost.carrier + cost.aws


def test_a_price_table_from_the_environment():
    table = prices.parse('{"carrier_per_minute": "0.02", "aws_per_call": 0}')
    assert table.carrier_per_minute == Decimal("0.02") and table.aws_per_call == 0
    assert table.carrier_per_segment == prices.DEFAULT.carrier_per_segment
    assert prices.parse("") == prices.DEFAULT
    for bad in (
        '{"nope": 1}',
        '{"aws_per_call": -1}',
        "[]",
        '{"aws_per_call": "NaN"}',
        '{"aws_per_call": "x"}',
    ):
        with pytest.raises(ValueError):
            prices.parse(bad)
