"""Currency and minutes of use, kept per enterprise and user (RULINGS "Authentication").

Every change is one atomic SET or ADD on the account item, in one transaction with a check
that the user exists and is visible to the enterprise (else 106): one DynamoDB request,
never read-modify-write, so concurrent changes never lose an update. A read is one
TransactGetItems of the user and the account. An account nobody has written yet is all 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactWrite

from chalicelib.errors import Code, OcpError
from chalicelib.store.conditional import commit_if
from chalicelib.store.models import Account, User, transaction
from chalicelib.store.transactions import get_items
from chalicelib.store.users import is_visible, visible_condition

ZERO = Decimal(0)


@dataclass(frozen=True)
class Balances:
    currency: Decimal
    mou_allowed: Decimal
    mou_used: Decimal


def balances(eid: int, user_id: int) -> Balances:
    user, account = get_items([(User, user_id), (Account, user_id, eid)])
    if user is None or not is_visible(user.exclusive_eid, eid):
        raise OcpError(Code.NO_SUCH_USER)
    if account is None:
        return Balances(ZERO, ZERO, ZERO)
    return Balances(account.currency or ZERO, account.mou_allowed or ZERO, account.mou_used or ZERO)


def set_currency(eid: int, user_id: int, amount: Decimal) -> None:
    _change(eid, user_id, Account.currency.set(amount))


def add_currency(eid: int, user_id: int, amount: Decimal) -> None:
    _change(eid, user_id, Account.currency.add(amount))


def subtract_currency(eid: int, user_id: int, amount: Decimal) -> None:
    """currency DELETE: the balance may go negative."""
    _change(eid, user_id, Account.currency.add(ZERO - amount))  # ZERO - 0 is 0, not -0


def set_minutes_allowed(eid: int, user_id: int, minutes: Decimal) -> None:
    _change(eid, user_id, Account.mou_allowed.set(minutes))


def reset_minutes_used(eid: int, user_id: int) -> None:
    _change(eid, user_id, Account.mou_used.set(ZERO))


def add_minutes_used(eid: int, user_id: int, minutes: Decimal) -> None:
    """Billed minutes added to mouused of an enterprise and user (RULINGS "mouallowed /
    mouused") on their own; 106 if the user is gone meanwhile."""
    _change(eid, user_id, Account.mou_used.add(minutes))


def add_minutes_used_in(tx: TransactWrite, eid: int, user_id: int, minutes: Decimal) -> None:
    """The same, inside the transaction that ends a call or closes a conference, so the
    minutes are added exactly once however often that end is delivered."""
    tx.update(Account(user_id, eid), actions=[Account.mou_used.add(minutes)])


def delete_all(user_id: int) -> None:
    """Every enterprise's account of a user (user DELETE)."""
    with Account.batch_write() as batch:
        for account in Account.query(user_id, attributes_to_get=["user_id", "eid"]):
            batch.delete(account)


def _change(eid: int, user_id: int, action: Action) -> None:
    def run() -> None:
        with transaction() as tx:
            tx.condition_check(
                User, user_id, condition=User.user_id.exists() & visible_condition(eid)
            )
            tx.update(Account(user_id, eid), actions=[action])

    if not commit_if(run, item=0):  # the user's ConditionCheck
        raise OcpError(Code.NO_SUCH_USER)
