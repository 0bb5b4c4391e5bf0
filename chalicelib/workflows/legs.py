"""Reaching a destination (a userId, an email or a phone: RULINGS "Destinations") at a
time: who it is, the numbers to dial in order (RULINGS "Resolution"), and whether an
origination is on its blacklist (RULINGS "blacklist"). Conferences and autoconferences
build their dialing Legs from this; a phone destination is dialed as given.
"""
from __future__ import annotations

from dataclasses import dataclass

from chalicelib.domain.resolve import Origin, Profile, is_blacklisted, resolve
from chalicelib.errors import OcpError
from chalicelib.protocol.types import EMAIL, USER_ID, Destination
from chalicelib.telephony import Target


@dataclass(frozen=True)
class Reach:
    label: str                    # printed as the <number> of a leg-level result (DND, ...)
    numbers: tuple[Target, ...]   # in dialing order
    tryall: bool = False
    dnd: bool = False
    profile: Profile | None = None   # the user reached, for types 1 and 2

    def blacklists(self, origin: Origin) -> bool:
        return self.profile is not None and is_blacklisted(self.profile, origin)


def reach(destination: Destination, eid: int, at: int, *, name: str) -> Reach:
    """922 (`name`) for a userId or email that names no user visible to the enterprise."""
    if destination.type not in (USER_ID, EMAIL):
        phone = destination.value
        return Reach(phone.display, (Target(phone.display, phone.e164),))
    return of_user(_user_id(destination, eid, name), eid, at, name=name)


def of_user(user_id: int, eid: int, at: int, *, name: str) -> Reach:
    from chalicelib.store import profiles

    try:
        profile = profiles.load(user_id, eid)
    except OcpError:
        raise OcpError(922, name=name, value=user_id) from None
    return of_profile(profile, at)


def of_profile(profile: Profile, at: int) -> Reach:
    found = resolve(profile, at)
    default = profile.default()
    label = found.numbers[0].phone.display if found.numbers else (
        default.phone.display if default else str(profile.user_id))
    return Reach(label, tuple(Target(n.phone.display, n.phone.e164) for n in found.numbers),
                 found.tryall, found.dnd, profile)


def origin_of(profile: Profile | None, user_id: int) -> tuple[Origin, str | None]:
    """Who a call placed for `user_id` comes from, and the caller id it shows: the
    user's default number (withheld if the user is gone)."""
    default = profile.default() if profile is not None else None
    if default is None:
        return Origin(user_id), None
    return Origin.of_phone(default.phone, user_id), default.phone.e164


def _user_id(destination: Destination, eid: int, name: str) -> int:
    if destination.type == USER_ID:
        return int(destination.value)
    from chalicelib.store import users

    try:
        return users.id_by_email(str(destination.value), eid)
    except OcpError:
        raise OcpError(922, name=name, value=destination.value) from None
