"""Concurrent requests against the app over moto, for tests of lost updates.

DynamoDB applies each request atomically; moto's in-process backend does not (two threads
can interleave inside one UpdateItem, and a cancelled TransactWriteItems restores a copy of
the tables it touched). The test session gives moto the service's per-request atomicity by
serialising its DynamoDB requests (tests/conftest.py), as `make run`'s local AWS does
(local/aws_server.py), and nothing more: the app's own requests still interleave freely, so
a read-modify-write in the app still loses updates. `atomic_dynamodb` makes sure of it and
switches threads often, so that requests interleave as much as they can.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import pytest

T = TypeVar("T")


@pytest.fixture
def atomic_dynamodb():
    from local.aws_server import serialise_dynamodb

    undo = serialise_dynamodb()
    # Switch threads often, so that requests interleave as much as they can.
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-4)
    try:
        yield
    finally:
        sys.setswitchinterval(interval)
        undo()


def at_once(calls: list[Callable[[], T]], threads: int = 16) -> list[T]:
    """Every call, from `threads` threads released together; their results in order."""
    go = threading.Event()

    def run(call: Callable[[], T]) -> T:
        go.wait()
        return call()

    with ThreadPoolExecutor(max_workers=threads) as pool:
        futures = [pool.submit(run, call) for call in calls]
        go.set()
        return [f.result() for f in futures]
