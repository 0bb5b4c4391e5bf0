"""Reaching a destination (a userId, an email or a phone: RULINGS "Destinations") at a
time: who it is, the numbers to dial in order (RULINGS "Resolution"), and whether an
origination is on its blacklist (RULINGS "blacklist"). Calls, conferences and
autoconferences build their dialing Legs from a `Reach`; a phone is dialed as given.
(Blasts resolve recipients in batches, in the pure `domain/recipients.py`.)
"""

from __future__ import annotations

from dataclasses import dataclass, field

from chalicelib.domain.destinations import Destination
from chalicelib.domain.numbers import Phone
from chalicelib.domain.resolve import Origin, Profile, is_blacklisted, resolve
from chalicelib.errors import Code, OcpError
from chalicelib.store import profiles, users
from chalicelib.telephony import Target


@dataclass(frozen=True)
class Reach:
    """One side of a call, resolved: what to ring, and what to print for it."""

    targets: tuple[Target, ...]  # in dialing order
    # Printed as the <number> of a result of the whole side (DND, Blacklisted, no
    # number): a user's default number, a phone as given.
    label: str
    tryall: bool = False
    dnd: bool = False
    # The user reached (types 1 and 2), for its blacklist.
    profile: Profile | None = field(default=None, compare=False)

    @property
    def caller_id(self) -> str | None:
        """The number shown to the other side: the first one this side is rung on."""
        return self.targets[0].e164 if self.targets else None

    @property
    def number(self) -> str:
        return self.targets[0].number if self.targets else self.label

    def blacklists(self, origin: Origin) -> bool:
        return self.profile is not None and is_blacklisted(self.profile, origin)


def reach(destination: Destination, eid: int, at: int, *, name: str) -> Reach:
    """922 (`name`) for a userId or email that names no user visible to the enterprise."""
    named = destination.value
    if isinstance(named, Phone):
        return of_phone(named)
    return of_user(_user_id(named, eid, name), eid, at, name=name)


def of_user(user_id: int, eid: int, at: int, *, name: str) -> Reach:
    try:
        profile = profiles.load(user_id, eid)
    except OcpError:
        raise OcpError(Code.INVALID_USER_ID, name=name, value=user_id) from None
    return of_profile(profile, at)


def of_phone(phone: Phone) -> Reach:
    """A number rung as it is given."""
    return Reach((Target(phone.display, phone.e164),), phone.display)


def of_profile(profile: Profile, at: int) -> Reach:
    found = resolve(profile, at)
    default = profile.default()
    return Reach(
        tuple(Target(n.phone.display, n.phone.e164) for n in found.numbers),
        default.phone.display if default else "",
        found.tryall,
        found.dnd,
        profile,
    )


def origin_of(profile: Profile | None, user_id: int) -> tuple[Origin, str | None]:
    """Who a call placed for `user_id` comes from, and the caller id it shows: the
    user's default number (withheld if the user is gone)."""
    default = profile.default() if profile is not None else None
    if default is None:
        return Origin(user_id), None
    return Origin.of_phone(default.phone, user_id), default.phone.e164


def _user_id(named: int | str, eid: int, name: str) -> int:
    """The user a userId (int) or an email (str) names."""
    if isinstance(named, int):
        return named
    try:
        return users.id_by_email(named, eid)
    except OcpError:
        raise OcpError(Code.INVALID_USER_ID, name=name, value=named) from None
