"""store.transactions: a transaction cancelled by a conflict is run again, nothing else is."""

import pytest
from pynamodb.exceptions import (
    CancellationReason,
    TransactWriteError,
    UpdateError,
    VerboseClientError,
)

from chalicelib.errors import BUSY, OcpError
from chalicelib.store import transactions


def cancelled(*codes):
    """A TransactWriteError as PynamoDB raises it, with one reason code per item."""
    cause = VerboseClientError(
        {"Error": {"Code": "TransactionCanceledException", "Message": "cancelled"}},
        "TransactWriteItems",
        cancellation_reasons=[None if c is None else CancellationReason(code=c) for c in codes],
    )
    return TransactWriteError("Failed to write transaction items", cause)


class FakeTime:
    """monotonic() and sleep() of a clock that only moves when slept on."""

    def __init__(self):
        self.now = 0.0
        self.pauses = []

    def monotonic(self):
        return self.now

    def sleep(self, seconds):
        self.pauses.append(seconds)
        self.now += seconds


@pytest.fixture(autouse=True)
def fake_time(monkeypatch):
    fake = FakeTime()
    monkeypatch.setattr(transactions.time, "sleep", fake.sleep)
    monkeypatch.setattr(transactions.time, "monotonic", fake.monotonic)
    return fake


def failing(*errors):
    """A callable that raises the given errors in turn, then returns "done"."""
    pending = list(errors)
    calls = []

    def run():
        calls.append(1)
        if pending:
            raise pending.pop(0)
        return "done"

    run.calls = calls
    return run


def test_a_conflict_is_retried_until_it_passes():
    run = failing(cancelled(None, "TransactionConflict"), cancelled("TransactionConflict", None))
    assert transactions.retrying(run) == "done"
    assert len(run.calls) == 3


def test_a_plain_write_rejected_for_a_conflict_is_retried():
    # a plain UpdateItem of an item that a transaction is changing at that moment
    cause = VerboseClientError(
        {"Error": {"Code": "TransactionConflictException", "Message": "conflict"}}, "UpdateItem"
    )
    run = failing(UpdateError("Failed to update item", cause))
    assert transactions.retrying(run) == "done"
    assert len(run.calls) == 2


def test_a_failed_condition_is_not_retried():
    run = failing(cancelled("ConditionalCheckFailed", None))
    with pytest.raises(TransactWriteError) as caught:
        transactions.retrying(run)
    assert len(run.calls) == 1
    assert transactions.failed_condition(caught.value, 0)
    assert not transactions.failed_condition(caught.value, 1)


def test_conflicts_that_outlast_the_budget_are_116(fake_time):
    run = failing(*[cancelled("TransactionConflict")] * 10_000)
    with pytest.raises(OcpError) as caught:
        transactions.retrying(run)
    assert (caught.value.code, caught.value.status) == (BUSY, 503)
    assert fake_time.now <= transactions.CONTENTION_BUDGET_SECONDS
    assert len(run.calls) == len(fake_time.pauses) + 1


def test_pauses_are_jittered_under_a_cap_that_doubles_to_its_maximum(fake_time):
    backoff = transactions.Backoff("test")
    for _ in range(12):
        backoff.pause()
    caps = [
        min(transactions.MAX_BACKOFF_SECONDS, transactions.BACKOFF_SECONDS * 2**n)
        for n in range(12)
    ]
    assert all(0 <= p <= cap for p, cap in zip(fake_time.pauses, caps, strict=True))
    assert len(set(fake_time.pauses)) == 12  # random, so concurrent requests spread out


def test_other_errors_pass_through():
    run = failing(RuntimeError("boom"))
    with pytest.raises(RuntimeError):
        transactions.retrying(run)
    assert len(run.calls) == 1


def test_reasons_of_something_that_is_not_a_cancellation_are_empty():
    assert transactions.reasons(RuntimeError("x")) == []
    assert transactions.reasons(cancelled(None, "ConditionalCheckFailed")) == [
        None,
        "ConditionalCheckFailed",
    ]
