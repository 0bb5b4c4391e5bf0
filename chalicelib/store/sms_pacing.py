"""Texts' pacing: messages a second from one origination identity, shared by every
batch of every blast and every function at once (the provider's throughput is per
identity, not per Lambda instance). The mechanism is store/pacing.py's fixed-window
limiter, on its own Counters item per identity.
"""

from __future__ import annotations

from chalicelib.store import pacing


def name(identity: str) -> str:
    return f"sms#{identity}"


def take(identity: str, per_second: float, now: float) -> float | None:
    """None: the identity's next message may go now. Else the seconds to wait."""
    return pacing.take(name(identity), per_second, now)
