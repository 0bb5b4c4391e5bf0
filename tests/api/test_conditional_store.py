"""store.conditional over moto's DynamoDB: a failed condition is an answer (False, nothing
changed), any other failure raises."""

from __future__ import annotations

from typing import Any

import pytest
from pynamodb.exceptions import TransactWriteError, UpdateError

from chalicelib.store.conditional import commit_if, delete_if, put_if, update_if
from chalicelib.store.models import Call, transaction

pytestmark = pytest.mark.usefixtures("aws")


def a_call(call_id: int, state: str = "scheduled") -> Call:
    return Call(call_id, eid=1, user_id=235, kind="call", time_scheduled=1, state=state)


def test_put_if_writes_a_new_item_once() -> None:
    assert put_if(a_call(1), Call.call_id.does_not_exist())
    assert not put_if(a_call(1, "dialing"), Call.call_id.does_not_exist())
    assert Call.get(1, consistent_read=True).state == "scheduled"


def test_update_if_applies_only_while_its_condition_holds() -> None:
    a_call(2).save()
    item = Call(2)
    assert update_if(item, [Call.state.set("dialing")], Call.state == "scheduled")
    assert item.state == "dialing"  # the item as the write left it
    assert not update_if(Call(2), [Call.state.set("complete")], Call.state == "scheduled")
    assert Call.get(2, consistent_read=True).state == "dialing"


def test_delete_if_deletes_only_while_its_condition_holds() -> None:
    a_call(3, "dialing").save()
    assert not delete_if(Call(3), Call.state == "scheduled")
    assert delete_if(Call(3), Call.state == "dialing")
    assert Call.count(3) == 0


def test_commit_if_answers_for_any_item_or_for_the_one_named() -> None:
    a_call(4).save()

    def both() -> None:
        with transaction() as tx:
            tx.condition_check(Call, 4, condition=Call.state == "scheduled")
            tx.update(Call(5), actions=[Call.state.set("x")], condition=Call.call_id.exists())

    assert not commit_if(both)  # item 1 (no call 5) failed
    assert not Call.count(5)
    with pytest.raises(TransactWriteError):
        commit_if(both, item=0)  # item 0 held: another item's failure is not the answer


def test_another_failure_raises() -> None:
    a_call(7).save()
    slot: Any = Call.attempts[3]  # past the end of a list the item does not have
    with pytest.raises(UpdateError):
        update_if(Call(7), [slot.result.set("Busy")], Call.call_id.exists())
