"""Minutes of use: what a call of some seconds is billed (RULINGS "Call vocabulary":
`<mou>` is the billed minutes, rounded up to the next tenth)."""
from __future__ import annotations

from decimal import Decimal

TENTH_OF_A_MINUTE = 6  # seconds


def billed_minutes(seconds: int) -> Decimal:
    """Whole seconds -> minutes with one decimal place, rounded up: 12 s is 0.2, 13 s is 0.3,
    0 s is 0.0. Exact (Decimal): these minutes are added to mouused."""
    if seconds < 0:
        raise ValueError(f"a call cannot last {seconds} seconds")
    tenths = -(-seconds // TENTH_OF_A_MINUTE)  # ceiling division in integers
    return Decimal(tenths).scaleb(-1)
