"""The token bucket of an enterprise's request rate (domain/buckets.py)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain.buckets import Bucket, retry_after, take

rates = st.floats(min_value=0.1, max_value=1000, allow_nan=False, allow_infinity=False)
bursts = st.integers(min_value=1, max_value=200)
# Gaps between requests, in seconds.
gaps = st.lists(st.floats(min_value=0, max_value=2, allow_nan=False), min_size=1, max_size=300)


def run(rate: float, burst: int, times: list[float]) -> list[tuple[float, bool, float]]:
    bucket = Bucket.full(burst, times[0])
    out = []
    for now in times:
        bucket, wait = take(bucket, rate, burst, now)
        out.append((now, wait == 0.0, wait))
    return out


def timeline(start: float, steps: list[float]) -> list[float]:
    times, now = [], start
    for gap in steps:
        now += gap
        times.append(now)
    return times


@given(rates, bursts, gaps)
def test_no_interval_admits_more_than_the_burst_and_the_rate(rate, burst, steps):
    times = timeline(1_000.0, steps)
    admitted = [now for now, ok, _ in run(rate, burst, times) if ok]
    # Over any interval [a, b] at most burst + rate * (b - a) requests are admitted.
    for i, first in enumerate(admitted):
        for j in range(i, len(admitted)):
            assert j - i + 1 <= burst + rate * (admitted[j] - first) + 1e-6


@given(rates, bursts)
def test_a_full_bucket_admits_its_burst_at_once_then_says_how_long_to_wait(rate, burst):
    results = run(rate, burst, [0.0] * (burst + 1))
    assert [ok for _, ok, _ in results] == [True] * burst + [False]
    wait = results[-1][2]
    assert abs(wait - 1 / rate) < 1e-6
    # After that wait, a request is admitted.
    bucket = Bucket(0.0, 0.0)
    _, after = take(bucket, rate, burst, wait)
    assert after == 0.0


@given(rates, bursts, st.floats(min_value=0, max_value=1e6, allow_nan=False))
def test_a_clock_going_back_adds_no_tokens(rate, burst, back):
    bucket = Bucket(0.0, 10_000.0)
    after, wait = take(bucket, rate, burst, 10_000.0 - back)
    assert wait > 0 and after.tokens == 0.0


@given(st.floats(min_value=0, max_value=1e6, allow_nan=False))
def test_retry_after_is_whole_seconds_rounded_up_and_at_least_one(wait):
    seconds = retry_after(wait)
    assert seconds >= 1 and seconds >= wait - 1e-6 and seconds < max(wait, 1) + 1
