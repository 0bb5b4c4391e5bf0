"""Concurrent changes of one user (issue 13): retried with jittered backoff within a time
budget, so that 20 changes at once all succeed; contention that outlasts the budget is
116 (503 with Retry-After), never an internal error, and changes nothing."""

import random

import pytest

from tests.api.people import new_user
from tests.concurrency import at_once, atomic_dynamodb  # noqa: F401 (fixture)
from tests.examples import error_codes


def numbers(count: int) -> list[str]:
    return [f"720555{n:04d}" for n in range(1000, 1000 + count)]


@pytest.fixture
def patient(monkeypatch):
    """A budget no loaded test machine reaches: these tests are about losing no change,
    not about time (the in-process stack is much slower than Lambda and DynamoDB)."""
    from chalicelib.store import transactions

    monkeypatch.setattr(transactions, "CONTENTION_BUDGET_SECONDS", 120.0)


def test_twenty_numbers_added_at_once_are_all_added(api, atomic_dynamodb, patient):
    user_id = new_user(api)
    adds = [
        lambda n=n: api.post("/phoneNumber", {"userId": user_id, "phoneNumber": n, "phoneType": 2})
        for n in numbers(20)
    ]
    responses = at_once(adds)
    assert [(r.status_code, r.body) for r in responses] == [(201, b"")] * 20
    from chalicelib.store import profiles

    held = {n.phone.digits for n in profiles.load(user_id, 1).phones}
    assert held == {"3035551212", *numbers(20)}


@pytest.fixture
def conflicting_transactions(monkeypatch):
    """Real DynamoDB cancels a transaction that touches an item another one is changing
    (TransactionConflict); moto, serialised, never does. Cancel one in three at random."""
    from moto.dynamodb.exceptions import TransactionCanceledException
    from moto.dynamodb.models import DynamoDBBackend

    real = DynamoDBBackend.transact_write_items
    chance = random.Random(13)

    def sometimes_conflicting(self, transact_items):
        if chance.random() < 1 / 3:
            raise TransactionCanceledException(
                [("TransactionConflict", "Transaction is ongoing for the item", None)]
                * len(transact_items)
            )
        return real(self, transact_items)

    monkeypatch.setattr(DynamoDBBackend, "transact_write_items", sometimes_conflicting)


def test_changes_cancelled_by_conflicts_are_retried(
    api, atomic_dynamodb, conflicting_transactions, patient
):
    user_id = new_user(api)
    adds = [
        lambda n=n: api.post("/email", {"userId": user_id, "email": f"u{n}@example.com"})
        for n in range(19)  # with the user's first: EMAILS, the most a user may have
    ] + [lambda n=n: api.put("/currency", {"userId": user_id, "amount": "1"}) for n in range(10)]
    responses = at_once(adds)
    assert [r.status_code for r in responses] == [201] * 19 + [200] * 10, [
        r.body for r in responses if r.status_code >= 300
    ]
    from chalicelib.store import accounts, profiles

    assert len(profiles.load(user_id, 1).emails) == 20
    assert accounts.balances(1, user_id).currency == 10


def test_contention_past_the_budget_is_116_with_retry_after_and_changes_nothing(api, monkeypatch):
    from chalicelib.store import profiles, transactions, users

    user_id = new_user(api)
    monkeypatch.setattr(transactions, "CONTENTION_BUDGET_SECONDS", 0.2)
    real_get = users.get

    def stale_get(uid, eid, **kwargs):
        item = real_get(uid, eid, **kwargs)
        users.update(uid, eid, {"city": "elsewhere"})  # a user PUT in between, every time
        return item

    monkeypatch.setattr(users, "get", stale_get)
    response = api.post("/email", {"userId": user_id, "email": "x@example.com"})
    monkeypatch.undo()
    assert (response.status_code, error_codes(response.body)) == (503, [116])
    assert response.headers["Retry-After"] == "1"
    assert profiles.load(user_id, 1).emails == ("john@example.com",)
