"""Contact groups (reference "group"; RULINGS "group").

A group belongs to its userId. Items are keyed (userId, groupId) and carry a copy of the
owner's exclusive_eid, so each route is one consistent read or one conditional write of
the group item; only a failure reads more, to tell 106, 112 and 115 apart. Members are
destinations in their wire form ("3:3035551212") in a string set: adding and removing
them are atomic ADD and DELETE updates, so concurrent changes are never lost.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import partial

from pynamodb.expressions.condition import Condition, size
from pynamodb.expressions.update import Action

from chalicelib.domain import limits
from chalicelib.errors import FULL, Code, OcpError
from chalicelib.store import ids, users
from chalicelib.store.conditional import commit_if, delete_if, update_if
from chalicelib.store.models import Group, User, transaction
from chalicelib.store.transactions import Backoff

USER_ID, EMAIL = 1, 2  # destination types that name a user


@dataclass(frozen=True)
class GroupInfo:
    group_id: int
    name: str


def create(eid: int, user_id: int, name: str) -> int:
    """A new group of the user (106 if the user is not visible); its groupId."""
    group_id = ids.next_id("group")
    # Most users are shared, so that is tried first and creating a group is one write;
    # only an exclusive owner takes a second, which copies its enterprise onto the group.
    for exclusive_eid, owner in (
        (None, User.exclusive_eid.does_not_exist()),
        (eid, User.exclusive_eid == eid),
    ):
        group = Group(user_id, group_id, name=name, exclusive_eid=exclusive_eid)
        condition = User.user_id.exists() & owner
        if commit_if(partial(_put_checked, group, condition), item=0):  # the owner's check
            return group_id
    raise OcpError(Code.NO_SUCH_USER)


def list_for(eid: int, user_id: int) -> list[GroupInfo]:
    """The user's groups by groupId; [] when it has none (106 if the user is not visible)."""
    found = list(
        Group.query(
            user_id, consistent_read=True, attributes_to_get=["group_id", "name", "exclusive_eid"]
        )
    )
    if not found:
        users.get(user_id, eid)  # no groups, or no such user (106)
        return []
    if not users.is_visible(found[0].exclusive_eid, eid):
        raise OcpError(Code.NO_SUCH_USER)
    return [GroupInfo(int(g.group_id), g.name) for g in found]


def members(eid: int, user_id: int, group_id: int) -> list[tuple[int, int | str]]:
    """The group's members as (type, value), by type then value; value is an int for type 1.
    Members naming a user exclusive to another enterprise are left out (`users.hidden`)."""
    group = _find(user_id, group_id)
    if group is None:
        raise _why_missing(eid, user_id, group_id)
    if not users.is_visible(group.exclusive_eid, eid):
        raise OcpError(Code.NO_SUCH_USER)
    found = [_parse(wire) for wire in group.members or ()]
    hidden = users.hidden(eid, _users_named(found))
    return sorted(m for m in found if m[1] not in hidden)


def rename(eid: int, user_id: int, group_id: int, name: str) -> None:
    _update(eid, user_id, group_id, Group.name.set(name))


def add_members(eid: int, user_id: int, group_id: int, wires: list[str]) -> None:
    """Adds destinations (wire form); userIds and emails must name users the enterprise
    sees (922, RULINGS "Destinations"). Members already there stay once. A group holds at
    most limits.GROUP_MEMBERS (117), checked in the same write, so that no concurrent
    additions take it past the limit."""
    users.require_visible(eid, _users_named(map(_parse, wires)), name="destination")
    new = set(wires)
    backoff = Backoff(f"group {group_id}")
    while True:
        room = Group.members.does_not_exist() | (
            size(Group.members) <= limits.GROUP_MEMBERS - len(new)
        )
        if update_if(
            Group(user_id, group_id), [Group.members.add(new)], _visible_group(eid) & room
        ):
            return
        group = _find(user_id, group_id)
        if group is None or not users.is_visible(group.exclusive_eid, eid):
            raise _why_missing(eid, user_id, group_id)
        held = set(group.members or ())
        if len(held | new) > limits.GROUP_MEMBERS:
            raise OcpError(FULL, name="group members", high=limits.GROUP_MEMBERS)
        new -= held  # some were members already: they take no room
        if not new:
            return
        backoff.pause()


def remove_members(eid: int, user_id: int, group_id: int, wires: list[str]) -> None:
    """Removes destinations (wire form); ones that are not members are ignored. A member
    naming a user that no longer exists can still be removed; one naming a user exclusive
    to another enterprise is not there for this one, so it stays."""
    pairs = {w: _parse(w) for w in wires}
    hidden = users.hidden(eid, _users_named(pairs.values()))
    kept = {w for w, (_kind, value) in pairs.items() if value not in hidden}
    if kept:
        _update(eid, user_id, group_id, Group.members.delete(kept))
    else:
        members(eid, user_id, group_id)  # nothing to remove: still 106 / 112 / 115


def delete(eid: int, user_id: int, group_id: int) -> None:
    """The group only: the users its members name stay (reference "group DELETE")."""
    if not delete_if(Group(user_id, group_id), _visible_group(eid)):
        raise _why_missing(eid, user_id, group_id)


def delete_all(user_id: int) -> None:
    """Every group of a user (user DELETE)."""
    with Group.batch_write() as batch:
        for group in Group.query(
            user_id, consistent_read=True, attributes_to_get=["user_id", "group_id"]
        ):
            batch.delete(group)


def _find(user_id: int, group_id: int) -> Group | None:
    try:
        return Group.get(user_id, group_id, consistent_read=True)
    except Group.DoesNotExist:
        return None


def _put_checked(group: Group, owner_condition: Condition) -> None:
    with transaction() as tx:
        tx.condition_check(User, group.user_id, condition=owner_condition)
        tx.save(group, condition=Group.group_id.does_not_exist())


def _update(eid: int, user_id: int, group_id: int, action: Action) -> None:
    if not update_if(Group(user_id, group_id), [action], _visible_group(eid)):
        raise _why_missing(eid, user_id, group_id)


def _visible_group(eid: int) -> Condition:
    """The group exists (under this user, by its key) and its owner is visible."""
    return Group.group_id.exists() & (
        Group.exclusive_eid.does_not_exist() | (Group.exclusive_eid == eid)
    )


def _why_missing(eid: int, user_id: int, group_id: int) -> OcpError:
    """No group `group_id` of `user_id` visible to `eid`: 106, 112 or 115."""
    users.get(user_id, eid)  # raises 106 for a user the enterprise does not see
    owned_by_another = next(iter(Group.by_group_id.query(group_id, limit=1)), None)
    return OcpError(Code.GROUP_NOT_OWNED if owned_by_another is not None else 115)


def _users_named(members: Iterable[tuple[int, int | str]]) -> list[int | str]:
    """The references to users (userIds and emails) among members as (type, value)."""
    return [value for kind, value in members if kind in (USER_ID, EMAIL)]


def _parse(wire: str) -> tuple[int, int | str]:
    kind, _, value = wire.partition(":")
    return (USER_ID, int(value)) if int(kind) == USER_ID else (int(kind), value)
