"""How amounts and minutes are printed: exact, currency with 2 decimals as `<amount>50.25`,
minutes whole as `<mou>50</mou>` or with their one decimal."""

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.api.accounting import minutes, money

quick = settings(max_examples=60, deadline=None)


def test_examples():
    assert [str(money(Decimal(v))) for v in ("50.25", "50", "-2.5", "0.3", "1E+3", "-0")] == [
        "50.25",
        "50.00",
        "-2.50",
        "0.30",
        "1000.00",
        "0.00",
    ]
    assert [str(minutes(Decimal(v))) for v in ("50", "50.0", "12.5", "0", "1E+2", "-0")] == [
        "50",
        "50",
        "12.5",
        "0",
        "100",
        "0",
    ]


@quick
@given(
    st.decimals(
        places=2, min_value=-(10**12), max_value=10**12, allow_nan=False, allow_infinity=False
    )
)
def test_money_is_exact_with_two_decimals(value):
    text = str(money(value))
    assert Decimal(text) == value
    assert len(text.partition(".")[2]) == 2 and "E" not in text


@quick
@given(st.decimals(places=1, min_value=0, max_value=10**12, allow_nan=False, allow_infinity=False))
def test_minutes_are_exact_with_at_most_one_decimal(value):
    text = str(minutes(value))
    assert Decimal(text) == value
    assert len(text.partition(".")[2]) == (0 if value == int(value) else 1)
    assert "E" not in text
