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


class _Results:
    """A Query's items as PynamoDB's iterator gives them, and DynamoDB's LastEvaluatedKey:
    set when the Limit was reached (even if nothing is left), as DynamoDB does."""

    def __init__(self, items: list[int], limit: int, start: dict | None) -> None:
        after = -1 if start is None else start["k"]
        rest = [i for i in items if i > after]
        self.page = rest[:limit]
        self.last_evaluated_key = {"k": self.page[-1]} if len(self.page) == limit else None

    def __iter__(self):
        return iter(self.page)


@given(
    st.lists(st.booleans(), max_size=300),
    st.integers(1, 40),
    st.booleans(),
    st.integers(5, 120),
)
def test_pages_hold_every_kept_item_once_in_order_and_read_a_bounded_number(
    kept, page_size, filtered, budget
):
    items = list(range(len(kept)))
    queries: list[int] = []

    def run(limit: int, start: dict | None) -> _Results:
        queries.append(limit)
        return _Results(items, limit, start)

    keep = (lambda i: kept[i]) if filtered else None
    wanted = [i for i in items if not filtered or kept[i]]
    listing_max = listing.MAX_READ
    listing.MAX_READ = budget
    try:
        seen: list[int] = []
        start = None
        for _ in range(len(items) + 2):
            queries.clear()
            found, last, read = listing.query_page(run, page_size=page_size, start=start, keep=keep)
            assert len(found) <= page_size
            assert read <= (max(budget, page_size + 1) if filtered else page_size + 1)
            if not filtered:
                assert len(queries) == 1  # an unfiltered page is one Query
            seen += found
            if last is None:
                break
            start = {"k": last}
        assert seen == wanted
    finally:
        listing.MAX_READ = listing_max
