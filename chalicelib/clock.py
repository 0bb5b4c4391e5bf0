"""now(): the one source of time. Tests freeze it; nothing else calls time.time()."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

_frozen: int | None = None


def now() -> int:
    """Unix time in whole seconds (UTC)."""
    return _frozen if _frozen is not None else int(time.time())


def precise() -> float:
    """Unix time in seconds with its fraction (rate limits); the frozen time when frozen."""
    return float(_frozen) if _frozen is not None else time.time()


@contextmanager
def frozen(at: int) -> Iterator[None]:
    global _frozen
    previous, _frozen = _frozen, at
    try:
        yield
    finally:
        _frozen = previous


def advance(seconds: int) -> None:
    """Move a frozen clock forward (tests only)."""
    global _frozen
    if _frozen is None:
        raise RuntimeError("the clock is not frozen")
    _frozen += seconds
