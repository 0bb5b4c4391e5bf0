"""The conditional write every store module makes: a write that applies only if its
condition holds, with a failed condition an answer (False), not an error.

    update_if(Call(call_id), [Call.state.set(...)], Call.state == SCHEDULED)
    delete_if(Blast(blast_id), Blast.state == SCHEDULED)
    put_if(Call(call_id, ...), Call.call_id.does_not_exist())
    commit_if(write_both)   # a transaction (retried on conflicts), any item's condition
    commit_if(write_both, item=0)   # False only if its first item failed its condition

`update_if` updates the item in place with what UpdateItem returns (all its attributes
after the write), so a caller that needs the item as the write left it reads it from
`item`. Every other failure (throttling, validation, a conflict past `retrying`) raises,
as PynamoDB raised it. No store module catches a failed condition by hand.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from pynamodb.exceptions import PynamoDBException
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action
from pynamodb.models import Model

from chalicelib.store.transactions import condition_failed, failed_condition, retrying


def update_if(
    item: Model,
    actions: Sequence[Action],
    condition: Condition,
    *,
    retry_conflicts: bool = False,
    **options: Any,
) -> bool:
    """Apply `actions` to `item` if `condition` holds; False (nothing changed) if it did not.
    `retry_conflicts`: through `retrying`, for an item transactions also touch; `options`
    go to Model.update (add_version_condition)."""

    def update() -> None:
        item.update(actions=list(actions), condition=condition, **options)

    return _applied(lambda: retrying(update) if retry_conflicts else update())


def delete_if(item: Model, condition: Condition) -> bool:
    """Delete `item` if `condition` holds; False (nothing deleted) if it did not."""
    return _applied(lambda: item.delete(condition=condition))


def put_if(item: Model, condition: Condition) -> bool:
    """Save `item` whole if `condition` holds (a new item: `Key.does_not_exist()`); False
    (nothing written) if it did not."""
    return _applied(lambda: item.save(condition=condition))


def commit_if(write: Callable[[], Any], *, item: int | None = None) -> bool:
    """Run `write` (a transaction) through `retrying`; False (nothing changed) if any of
    its items failed its condition, or with `item`, if that one did (a failure of another
    raises: a ConditionCheck first, say, whose failure is the answer)."""
    return _applied(lambda: retrying(write), item)


def _applied(write: Callable[[], Any], item: int | None = None) -> bool:
    try:
        write()
    except PynamoDBException as e:
        if condition_failed(e) if item is None else failed_condition(e, item):
            return False
        raise
    return True
