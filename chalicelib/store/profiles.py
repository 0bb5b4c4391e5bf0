"""The find-me/follow-me profile in the one Users item: read it, change it.

`load` is one read (resolving a user costs exactly that). `change` is a
read-modify-write of the item: the new profile is saved under the item's
version condition together with the Uniques rows it claims or releases (phone
numbers, emails), in one transaction, so a change applies whole or not at all
and a concurrent change is never lost (a version conflict reads again and
retries). A user exclusive to another enterprise is 106, as if it did not exist.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from pynamodb.exceptions import TransactWriteError

from chalicelib.domain.numbers import Phone
from chalicelib.domain.profile import (
    BLOCK_PHONE,
    Block,
    CallTimeException,
    Number,
    Profile,
    check_limits,
)
from chalicelib.domain.windows import Window
from chalicelib.errors import Code, OcpError
from chalicelib.store import ids, transactions, users
from chalicelib.store.models import (
    BlockMap,
    ExceptionMap,
    PhoneMap,
    Unique,
    User,
    WindowMap,
    transaction,
)

log = logging.getLogger(__name__)


def load(user_id: int, eid: int) -> Profile:
    """The user's profile, in one read; 106 if the user is not visible."""
    return profile_of(users.get(user_id, eid))


@dataclass(frozen=True)
class Directory:
    """The users a request names, read together (`look_up`)."""

    profiles: dict[int, Profile] = field(default_factory=dict)  # visible users by userId
    emails: dict[str, int] = field(default_factory=dict)  # address -> visible userId
    phones: dict[str, int] = field(default_factory=dict)  # Phone.key -> holder's userId


def look_up(
    eid: int, user_ids: Iterable[int] = (), emails: Iterable[str] = (), phones: Iterable[Phone] = ()
) -> Directory:
    """Profiles of the users named by userId or email, and who holds some numbers, in one
    consistent read (TransactGetItems of the Users items and the Uniques rows), plus one
    more for users named only by an email. A user not visible to the enterprise is left
    out, as is an email such a user holds; a number's holder is kept whoever it is (it is
    only compared with blacklist entries)."""
    user_ids, emails = list(dict.fromkeys(user_ids)), list(dict.fromkeys(emails))
    phones = list({p.key: p for p in phones}.values())
    keys = (
        [(User, i) for i in user_ids]
        + [(Unique, users.email_key(e)) for e in emails]
        + [(Unique, users.phone_key(p)) for p in phones]
    )
    found = transactions.get_items(keys) if keys else []
    items = dict(zip(user_ids, found, strict=False))
    rows = found[len(user_ids) :]
    by_email = {
        e: int(row.user_id)
        for e, row in zip(emails, rows, strict=False)
        if row is not None and users.is_visible(row.exclusive_eid, eid)
    }
    phone_rows = rows[len(emails) :]
    holders = {
        p.key: int(row.user_id)
        for p, row in zip(phones, phone_rows, strict=True)
        if row is not None
    }
    more = [i for i in dict.fromkeys(by_email.values()) if i not in items]
    if more:
        items.update(zip(more, transactions.get_items([(User, i) for i in more]), strict=True))
    profiles = {
        i: profile_of(item)
        for i, item in items.items()
        if item is not None and users.is_visible(item.exclusive_eid, eid)
    }
    # An address whose user went between the two reads names nobody.
    return Directory(profiles, {e: i for e, i in by_email.items() if i in profiles}, holders)


def change(
    user_id: int,
    eid: int,
    rule: Callable[..., Profile],
    *args: Any,
    new_phones: int | None = None,
    **kwargs: Any,
) -> Profile:
    """`rule(profile, *args, **kwargs)` applied to the stored profile and saved;
    returns the new profile. `rule` is a pure function of `domain.profile`.

    A rule that may add numbers is given `new_phones`, the most the request can
    add, and is called with `new_id=`, which hands out phone ids: one block is
    allocated on first use, so a request costs at most one counter write.
    """
    new_id = _IdBlock(new_phones or 0)
    if new_phones is not None:
        kwargs["new_id"] = new_id
    backoff = transactions.Backoff("a profile change")
    while True:
        item = users.get(user_id, eid, consistent=True)
        before = profile_of(item)
        new_id.rewind()
        after = rule(before, *args, **kwargs)
        if after == before:
            return after
        check_limits(before, after)  # 117: the item and its transaction stay in bounds
        if _save(item, before, after):
            return after
        backoff.pause()  # changed meanwhile: read again (116 past the budget)


def visible_blacklist(blacklist: tuple[Block, ...], eid: int) -> tuple[Block, ...]:
    """Blacklist entries as the enterprise may see them: without those naming a user
    exclusive to another enterprise (one read of the users named, if any)."""
    named = [b.value for b in blacklist if not isinstance(b.value, Phone)]  # users
    hidden = users.hidden(eid, named) if named else set()
    return tuple(b for b in blacklist if b.type == BLOCK_PHONE or b.value not in hidden)


def blocked_user(user_id: int, eid: int, name: str) -> int:
    """A blacklist terminationValue of type 1: a user visible to the enterprise (922)."""
    try:
        users.get(user_id, eid)
    except OcpError:
        raise OcpError(Code.INVALID_USER_ID, name=name, value=user_id) from None
    return user_id


def user_with_email(email: str, eid: int, name: str) -> int:
    """A blacklist terminationValue of type 2: the visible user holding it (922)."""
    try:
        return users.id_by_email(email, eid)
    except OcpError:
        raise OcpError(Code.INVALID_USER_ID, name=name, value=email) from None


# -- the item <-> Profile -------------------------------------------------------------


def profile_of(item: User) -> Profile:
    return Profile(
        user_id=int(item.user_id),
        phones=tuple(_number(p) for p in item.phones),
        default_phone_id=int(item.default_phone_id),
        hunt_order=tuple(int(i) for i in item.hunt_order or ()),
        tryall=bool(item.tryall),
        exceptions=tuple(
            CallTimeException(_window(e), int(e.phone_id)) for e in item.call_time_exceptions or ()
        ),
        dnd=tuple(_window(w) for w in item.dnd or ()),
        sms_phones=tuple(_number(p) for p in item.sms_phones or ()),
        default_sms_phone_id=(
            None if item.default_sms_phone_id is None else int(item.default_sms_phone_id)
        ),
        emails=tuple(item.emails),
        default_email=item.default_email,
        blacklist=tuple(_block(b) for b in item.blacklist or ()),
    )


def _number(p: PhoneMap) -> Number:
    return Number(
        int(p.id),
        Phone(p.country_code, p.city_code or "", p.digits),
        int(p.phone_type),
        int(p.carrier_id or 0),
        int(p.validation_status or 2),
    )


def _window(w: WindowMap) -> Window:
    return Window(int(w.start_hour), int(w.end_hour), int(w.days), int(w.timezone or 0))


def _block(b: BlockMap) -> Block:
    if int(b.type) == BLOCK_PHONE:
        return Block(BLOCK_PHONE, Phone(b.country_code, b.city_code or "", b.digits))
    return Block(int(b.type), int(b.user_id))


def _block_map(b: Block) -> BlockMap:
    if isinstance(b.value, Phone):
        return BlockMap(
            type=b.type,
            country_code=b.value.country_code,
            city_code=b.value.city_code,
            digits=b.value.digits,
        )
    return BlockMap(type=b.type, user_id=b.value)


def _write_profile(item: User, profile: Profile) -> None:
    item.phones = [_phone_map(n) for n in profile.phones]
    item.default_phone_id = profile.default_phone_id
    item.sms_phones = [_phone_map(n) for n in profile.sms_phones]
    item.default_sms_phone_id = profile.default_sms_phone_id
    item.hunt_order = list(profile.hunt_order)
    item.tryall = profile.tryall
    item.call_time_exceptions = [
        ExceptionMap(phone_id=e.phone_id, **_window_fields(e.window)) for e in profile.exceptions
    ]
    item.dnd = [WindowMap(**_window_fields(w)) for w in profile.dnd]
    item.emails = list(profile.emails)
    item.default_email = profile.default_email
    item.blacklist = [_block_map(b) for b in profile.blacklist]


def _phone_map(n: Number) -> PhoneMap:
    return PhoneMap(
        id=n.id,
        country_code=n.phone.country_code,
        city_code=n.phone.city_code,
        digits=n.phone.digits,
        phone_type=n.phone_type,
        carrier_id=n.carrier_id,
        validation_status=n.validation_status,
    )


def _window_fields(w: Window) -> dict[str, int]:
    return {
        "start_hour": w.start_hour,
        "end_hour": w.end_hour,
        "days": w.days,
        "timezone": w.timezone,
    }


# -- saving ---------------------------------------------------------------------------


def unique_keys(profile: Profile) -> set[str]:
    """The Uniques rows a profile holds: its emails and its numbers on either list."""
    return {users.email_key(e) for e in profile.emails} | {
        users.phone_key(n.phone) for n in profile.phones + profile.sms_phones
    }


def _save(item: User, before: Profile, after: Profile) -> bool:
    """One transaction: the item under its version condition, the keys `after`
    claims and releases. False on a version conflict (the caller reads again)."""
    held, wanted = unique_keys(before), unique_keys(after)
    released, claimed = sorted(held - wanted), sorted(wanted - held)
    user_id, exclusive_eid = int(item.user_id), item.exclusive_eid
    _write_profile(item, after)
    try:
        with transaction() as tx:
            # PynamoDB orders a transaction's items as deletes, then puts.
            for key in released:
                tx.delete(
                    Unique(key), condition=(Unique.user_id == user_id) | Unique.key.does_not_exist()
                )
            tx.save(item)  # conditioned on the version that was read
            for key in claimed:
                tx.save(
                    Unique(key, user_id=user_id, exclusive_eid=exclusive_eid),
                    condition=Unique.key.does_not_exist(),
                )
    except TransactWriteError as e:
        return _on_failure(e, released, claimed)
    return True


def _on_failure(e: TransactWriteError, released: list[str], claimed: list[str]) -> bool:
    found = transactions.reasons(e)
    if not found:
        raise e
    if transactions.conflicted(e):
        return False
    failed = {i for i, code in enumerate(found) if code == "ConditionalCheckFailed"}
    user_index = len(released)
    if user_index in failed:
        return False
    if failed & set(range(user_index + 1, user_index + 1 + len(claimed))):
        raise OcpError(Code.DUPLICATE_PHONE)  # another user holds the number or address
    if failed:
        log.error("a uniqueness key of the user is held by another user")
        raise OcpError(Code.CORRUPT_DATA)
    raise e


class _IdBlock:
    """Phone ids for one request: one block allocated on first use, the same ids
    handed out again on a retry."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._ids: list[int] = []
        self._next = 0

    def rewind(self) -> None:
        self._next = 0

    def __call__(self) -> int:
        if self._next >= len(self._ids):
            self._ids += ids.next_ids("phone", max(self._size - len(self._ids), 1))
        self._next += 1
        return self._ids[self._next - 1]
