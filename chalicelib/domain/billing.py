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


def conference_seconds(started: int, legs: list[tuple[int | None, int | None, int | None]]) -> int:
    """How long a conference lasted (RULINGS "conference": its moderator is charged that):
    from `started` until its last answered leg hung up. A leg is (time dialing began, time
    its end was recorded, seconds it was connected; None where unknown); it hung up at the
    later of when its end was recorded and when it began plus its connected seconds (a
    carrier may record the end late, or report connected seconds without real time
    passing, as the simulated one does). 0 when no leg was ever connected."""
    ends = [
        max(completed or 0, (originated or started) + seconds)
        for originated, completed, seconds in legs
        if seconds is not None
    ]
    return max(0, max(ends) - started) if ends else 0
