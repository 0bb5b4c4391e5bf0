"""store.transactions: a transaction cancelled by a conflict is run again, nothing else is."""

import pytest
from pynamodb.exceptions import (
    CancellationReason,
    TransactWriteError,
    UpdateError,
    VerboseClientError,
)

from chalicelib.store import transactions


def cancelled(*codes):
    """A TransactWriteError as PynamoDB raises it, with one reason code per item."""
    cause = VerboseClientError(
        {"Error": {"Code": "TransactionCanceledException", "Message": "cancelled"}},
        "TransactWriteItems",
        cancellation_reasons=[None if c is None else CancellationReason(code=c) for c in codes],
    )
    return TransactWriteError("Failed to write transaction items", cause)


@pytest.fixture(autouse=True)
def no_pauses(monkeypatch):
    monkeypatch.setattr(transactions.time, "sleep", lambda seconds: None)


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


def test_conflicts_that_do_not_stop_give_up_after_the_last_attempt():
    run = failing(*[cancelled("TransactionConflict")] * transactions.ATTEMPTS)
    with pytest.raises(TransactWriteError):
        transactions.retrying(run)
    assert len(run.calls) == transactions.ATTEMPTS


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
