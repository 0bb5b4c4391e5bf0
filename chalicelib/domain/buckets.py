"""A token bucket (docs/limits.md "Request rate"): `rate` tokens a second, at most `burst`
kept; a request takes one. Pure: the state and the time are arguments.

    bucket = Bucket.full(burst, now)
    bucket, wait = take(bucket, rate, burst, now)   # wait == 0.0: admitted

Over any interval of T seconds a bucket admits at most burst + rate * T requests
(tests/unit/test_buckets.py checks it with hypothesis).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

_EPSILON = 1e-9


@dataclass(frozen=True)
class Bucket:
    tokens: float
    at: float  # when `tokens` was counted

    @classmethod
    def full(cls, burst: int, now: float) -> Bucket:
        return cls(float(burst), now)


def refilled(bucket: Bucket, rate: float, burst: int, now: float) -> Bucket:
    """The bucket as it stands at `now` (a clock that went back adds nothing)."""
    elapsed = max(0.0, now - bucket.at)
    return Bucket(min(float(burst), bucket.tokens + elapsed * rate), max(now, bucket.at))


def take(bucket: Bucket, rate: float, burst: int, now: float) -> tuple[Bucket, float]:
    """(the bucket after, 0.0) if a token was taken, else (the bucket, seconds until one)."""
    current = refilled(bucket, rate, burst, now)
    # A token refilled "exactly" after the wait take() named may fall short in floats.
    if current.tokens >= 1.0 - _EPSILON:
        return Bucket(max(0.0, current.tokens - 1.0), current.at), 0.0
    return current, (1.0 - current.tokens) / rate


def retry_after(wait: float) -> int:
    """A Retry-After header's whole seconds for a wait: rounded up, at least 1."""
    return max(1, math.ceil(wait - 1e-9))
