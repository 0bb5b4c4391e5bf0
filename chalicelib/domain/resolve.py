"""Who to dial for a user at a time, and whether an origination is blacklisted.

Pure: plain values in and out, time is an argument. Used by phonenumber and
smsphone GET, and by every call, blast and conference that reaches a user.

    from chalicelib.domain.resolve import resolve, is_blacklisted, Origin
    profile = store.profiles.load(user_id, eid)        # one DynamoDB read
    found = resolve(profile, at=clock.now())
    found.dnd          # True: do not call at all
    found.numbers      # the Numbers to dial, in order (Number.phone.e164 ...)
    found.tryall       # True: ring them all at once; False: one after another

The profile dataclasses (`Profile`, `Number`, `CallTimeException`, `Block`) live
in `domain.profile` and are re-exported here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from chalicelib.domain.numbers import Phone
from chalicelib.domain.profile import (
    BLOCK_PHONE,
    BLOCK_USER,
    Block,
    CallTimeException,
    Number,
    Profile,
)
from chalicelib.domain.windows import Window, covers

__all__ = [
    "Block",
    "CallTimeException",
    "Number",
    "Origin",
    "Profile",
    "Resolution",
    "Window",
    "is_blacklisted",
    "resolve",
    "resolve_sms",
]


@dataclass(frozen=True)
class Resolution:
    numbers: tuple[Number, ...]  # in dialing order; empty when dnd
    tryall: bool  # dial all numbers at once
    dnd: bool  # a do-not-disturb window is in force


def resolve(profile: Profile, at: int) -> Resolution:
    """RULINGS "Resolution": DND in force at `at` -> no number (dnd); else the
    numbers of the call-time exceptions in force; else the hunt order with its
    tryall; else the default number. Ids that name no number of the user are
    skipped, so the answer only ever holds the user's own numbers."""
    if any(covers(window, at) for window in profile.dnd):
        return Resolution((), False, True)
    excepted = resolve_exceptions(profile, at)
    if excepted:
        return Resolution(excepted, False, False)
    hunt = _in_order({n.id: n for n in profile.phones}, profile.hunt_order)
    if hunt:
        return Resolution(hunt, profile.tryall, False)
    default = profile.default()
    return Resolution((default,) if default else (), False, False)


def resolve_sms(profile: Profile, at: int) -> Resolution:
    """smsphone GET at a time: DND -> none; else the SMS numbers that are also the
    number of a call-time exception in force; else the default SMS number."""
    if any(covers(window, at) for window in profile.dnd):
        return Resolution((), False, True)
    sms_by_key = {n.phone.key: n for n in profile.sms_phones}
    excepted = [
        sms_by_key[n.phone.key]
        for n in resolve_exceptions(profile, at)
        if n.phone.key in sms_by_key
    ]
    if excepted:
        return Resolution(tuple(dict.fromkeys(excepted)), False, False)
    default = profile.default(sms=True)
    return Resolution((default,) if default else (), False, False)


def resolve_exceptions(profile: Profile, at: int) -> tuple[Number, ...]:
    """The numbers of the call-time exceptions in force at `at`."""
    by_id = {n.id: n for n in profile.phones}
    return _in_order(by_id, (e.phone_id for e in profile.exceptions if covers(e.window, at)))


def _in_order(by_id: dict[int, Number], ids: Iterable[int]) -> tuple[Number, ...]:
    return tuple(by_id[i] for i in dict.fromkeys(ids) if i in by_id)


@dataclass(frozen=True)
class Origin:
    """Who a call comes from, as far as the caller knows: the user (for an
    origination of type 1 or 2, or a type 3 number found on a user) and the
    phone keys (`Phone.key`) it may ring from."""

    user_id: int | None = None
    phone_keys: frozenset[str] = frozenset()

    @classmethod
    def of_phone(cls, phone: Phone, user_id: int | None = None) -> Origin:
        return cls(user_id, frozenset({phone.key}))


def is_blacklisted(profile: Profile, origin: Origin) -> bool:
    """RULINGS "blacklist": a type 1/2 entry (kept as the user) blocks that user
    and so all of its numbers; a type 3 entry blocks that number."""
    return any(
        (block.type == BLOCK_USER and block.value == origin.user_id)
        or (block.type == BLOCK_PHONE and block.identity[1] in origin.phone_keys)
        for block in profile.blacklist
    )
