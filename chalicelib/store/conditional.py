"""The conditional write every store module makes: one UpdateItem that applies only if its
condition holds, with a failed condition an answer (False), not an error.

    update_if(Call(call_id), [Call.state.set(...)], Call.state == SCHEDULED)

The item is updated in place with what UpdateItem returns (all its attributes after the
write), so a caller that needs the item as the write left it reads it from `item`.
"""

from __future__ import annotations

from pynamodb.exceptions import UpdateError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action
from pynamodb.models import Model

from chalicelib.store.transactions import condition_failed


def update_if(item: Model, actions: list[Action], condition: Condition) -> bool:
    """Apply `actions` to `item` if `condition` holds; False (nothing changed) if it did not."""
    try:
        item.update(actions=actions, condition=condition)
    except UpdateError as e:
        if condition_failed(e):
            return False
        raise
    return True
