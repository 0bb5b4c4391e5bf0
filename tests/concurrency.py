"""Concurrent requests against the app over moto, for tests of lost updates.

DynamoDB applies each request atomically; moto's in-process backend does not (two threads
can interleave inside one UpdateItem, and a cancelled TransactWriteItems restores a copy of
the whole table). `atomic_dynamodb` gives moto the service's per-request atomicity by
serialising its DynamoDB requests, and nothing more: the app's own requests still
interleave freely, so a read-modify-write in the app still loses updates.
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
def atomic_dynamodb(monkeypatch):
    from moto.dynamodb.responses import DynamoHandler

    lock = threading.Lock()
    call_action = DynamoHandler.call_action

    def atomic(self, *args, **kwargs):
        with lock:
            return call_action(self, *args, **kwargs)

    monkeypatch.setattr(DynamoHandler, "call_action", atomic)
    # Switch threads often, so that requests interleave as much as they can.
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-4)
    yield
    sys.setswitchinterval(interval)


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
