"""Which of the account's numbers a Chime call presents as caller id (docs/carriers.md#chime):
PSTN Audio presents only numbers of the account's inventory (CreateSipMediaApplicationCall
FromPhoneNumber; CallAndBridge CallerIdNumber: "a number belonging to the customer"), and
has no way to withhold the number.

- The originator's number is shown when it is one of the account's numbers (the pool).
- Otherwise (any other originator, or hideAni: no wish) a pool number is shown, never the
  originator's: the one sharing the longest prefix with the destination (its country and
  area, where the pool has one), ties spread by `spread` (the callId).
"""

from __future__ import annotations


def _shared(a: str, b: str) -> int:
    """How many leading characters two numbers share."""
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


def choose(pool: tuple[str, ...], wish: str | None, to: str, spread: int = 0) -> str:
    if not pool:
        raise ValueError("no caller id: OCP_CHIME_NUMBERS names none of the account's numbers")
    if wish is not None and wish in pool:
        return wish
    best = max(_shared(n, to) for n in pool)
    nearest = [n for n in pool if _shared(n, to) == best]
    return nearest[spread % len(nearest)]
