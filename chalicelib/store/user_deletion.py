"""user DELETE across tables (RULINGS "user DELETE"): the user item with every uniqueness
key it holds, then its groups and every enterprise's balances of it.

Above store.users, store.accounts and store.groups: the last two read the user item (its
visibility) and their writes check that it exists, so the cascade is theirs to join, not
the user module's.
"""

from __future__ import annotations

from chalicelib.store import accounts, groups, users


def delete(user_id: int, eid: int) -> None:
    """Remove the user (106 if the enterprise does not see it), then what names it."""
    users.delete(user_id, eid)
    # After the user item is gone, since writes of accounts and groups check it exists.
    accounts.delete_all(user_id)
    groups.delete_all(user_id)
