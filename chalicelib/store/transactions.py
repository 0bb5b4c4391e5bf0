"""DynamoDB transactions: retrying the ones cancelled by a conflict, reading why they failed,
and reading many items of any tables at once.

DynamoDB cancels a transaction that touches an item another request is changing at that
moment (reason `TransactionConflict`), and rejects a plain write of an item that a
transaction is changing (`TransactionConflictException`). Either changed nothing, so running
it again is safe; botocore retries neither, hence `retrying`. Each retry is a new request
with a new idempotency token (botocore's own retries of one request keep theirs).
Writes of an item that transactions here also touch (a ConditionCheck on the Users item
is one) should go through `retrying` too.

A read-modify-write that lost to a concurrent change (its version condition failed) is
contended the same way. Every such loop waits with `Backoff`: a random pause ("full
jitter") whose cap doubles from BACKOFF_SECONDS to MAX_BACKOFF_SECONDS, for at most
CONTENTION_BUDGET_SECONDS in all; past that the request is 116 (503 with Retry-After,
docs/limits.md), having changed nothing.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from functools import partial
from typing import Any, TypeVar

from pynamodb.exceptions import DoesNotExist, PynamoDBException
from pynamodb.models import Model

from chalicelib.errors import BUSY, OcpError
from chalicelib.store.models import transaction_get

log = logging.getLogger(__name__)

T = TypeVar("T")

# How long a request keeps trying a contended change: well inside API Gateway's 29 s, and
# several times what 20 concurrent changes of one user take to all get through (about
# 2.5 s even in-process over moto, where every request is far slower than DynamoDB's).
CONTENTION_BUDGET_SECONDS = 10.0
BACKOFF_SECONDS = 0.02  # the first pause is up to this long; each next cap doubles it
MAX_BACKOFF_SECONDS = 0.5
MAX_ITEMS = 100  # per TransactGetItems / TransactWriteItems


class Backoff:
    """The pauses between the attempts at one contended change, within the budget."""

    def __init__(self, what: str) -> None:
        self._what = what
        self._attempt = 0
        self._deadline = time.monotonic() + CONTENTION_BUDGET_SECONDS

    def pause(self) -> None:
        """Sleep before the next attempt; OcpError(BUSY) when it would end past the budget."""
        cap = min(MAX_BACKOFF_SECONDS, BACKOFF_SECONDS * 2**self._attempt)
        delay = random.uniform(0, cap)
        self._attempt += 1
        if time.monotonic() + delay > self._deadline:
            log.warning("%s: still contended after %d attempts", self._what, self._attempt)
            raise OcpError(BUSY)
        time.sleep(delay)


def retrying(run: Callable[[], T]) -> T:
    """`run()`, again after a pause (`Backoff`) while it fails for a conflict."""
    backoff = Backoff("a transaction")
    while True:
        try:
            return run()
        except PynamoDBException as e:
            if not conflicted(e):
                raise
            backoff.pause()


def conflicted(e: Exception) -> bool:
    """Whether a request failed, changing nothing, because another was changing its item."""
    return getattr(
        e, "cause_response_code", None
    ) == "TransactionConflictException" or "TransactionConflict" in reasons(e)


def condition_failed(e: Exception) -> bool:
    """Whether a write, or any item of a cancelled transaction, failed its condition
    (read from the cause, never from the message)."""
    return getattr(
        e, "cause_response_code", None
    ) == "ConditionalCheckFailedException" or "ConditionalCheckFailed" in reasons(e)


def reasons(e: Exception) -> list[str | None]:
    """Why each item of a cancelled transaction failed, in item order (None: it did not)."""
    if getattr(e, "cause_response_code", None) != "TransactionCanceledException":
        return []
    return [None if r is None else r.code for r in (getattr(e, "cancellation_reasons", None) or [])]


def failed_condition(e: Exception, index: int) -> bool:
    """Whether item `index` of the cancelled transaction failed its condition."""
    found = reasons(e)
    return index < len(found) and found[index] == "ConditionalCheckFailed"


def get_items(keys: list[tuple[Any, ...]]) -> list[Any]:
    """Items by (model, hash key[, range key]), consistently and at one moment (one
    TransactGetItems per 100); None for each one that does not exist."""
    found: list[Model | None] = []
    for start in range(0, len(keys), MAX_ITEMS):
        chunk = keys[start : start + MAX_ITEMS]
        found += retrying(partial(_get_chunk, chunk))
    return found


def _get_chunk(keys: list[tuple[Any, ...]]) -> list[Any]:
    with transaction_get() as tx:
        futures = [tx.get(*key) for key in keys]
    out = []
    for future in futures:
        try:
            out.append(future.get())
        except DoesNotExist:
            out.append(None)
    return out
