"""A user's find-me/follow-me profile as plain values, and the rules that change it.

`Profile` is what `store.profiles` reads from the one Users item and what
`domain.resolve` takes. Every change is a pure function `Profile -> Profile`
that raises `OcpError` instead of half-applying: the store saves the result
(and the uniqueness keys it implies) in one transaction, or nothing.

Phone numbers are compared by `Phone.key` (E.164). The voice list (`phones`)
and the SMS list (`sms_phones`) follow the same rules apart; one number may be
on both lists of the same user, never on another user's (`store` enforces that).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace

from chalicelib.domain import limits, windows
from chalicelib.domain.numbers import Phone
from chalicelib.domain.windows import Window
from chalicelib.errors import FULL, Code, OcpError

NewId = Callable[[], int]

# blacklist terminationType (reference "blacklist POST"); types 1 and 2 are kept
# resolved to the user, so only USER and PHONE entries exist.
BLOCK_USER, BLOCK_PHONE = 1, 3  # blacklist types; an email (2) is stored as its user


@dataclass(frozen=True)
class Number:
    """One of the user's numbers (`<number>` in the GET bodies)."""

    id: int
    phone: Phone
    phone_type: int  # 1 office, 2 mobile, 3 home, 4 other
    carrier_id: int = 0  # domain.numbers.CARRIERS; 0 "(unknown)"
    validation_status: int = 2


@dataclass(frozen=True)
class NumberRequest:
    """A number named by a request: known ones are found by `phone`; unknown ones
    are added with `phone_type` (required then) and `carrier_id` (None: not given)."""

    phone: Phone
    phone_type: int | None = None
    carrier_id: int | None = None


@dataclass(frozen=True)
class CallTimeException:
    """While `window` is in force, calls to the user go to the number `phone_id`."""

    window: Window
    phone_id: int


@dataclass(frozen=True)
class Block:
    """A blacklist entry: `type` BLOCK_USER with a userId, or BLOCK_PHONE with a Phone."""

    type: int
    value: int | Phone

    @property
    def identity(self) -> tuple[int, int | str]:
        """What makes two entries the same: the user, or the number's key."""
        return (self.type, self.value.key if isinstance(self.value, Phone) else self.value)


@dataclass(frozen=True)
class Profile:
    user_id: int
    phones: tuple[Number, ...]
    default_phone_id: int
    hunt_order: tuple[int, ...] = ()  # phone ids, dialing order
    tryall: bool = False
    exceptions: tuple[CallTimeException, ...] = ()
    dnd: tuple[Window, ...] = ()
    sms_phones: tuple[Number, ...] = ()
    default_sms_phone_id: int | None = None
    emails: tuple[str, ...] = ()
    default_email: str = ""
    blacklist: tuple[Block, ...] = ()

    def phone(self, phone_id: int) -> Number | None:
        return next((n for n in self.phones if n.id == phone_id), None)

    def number_for(self, phone: Phone, *, sms: bool = False) -> Number | None:
        return next((n for n in _numbers(self, sms) if n.phone.key == phone.key), None)

    def default(self, *, sms: bool = False) -> Number | None:
        wanted = self.default_sms_phone_id if sms else self.default_phone_id
        return next((n for n in _numbers(self, sms) if n.id == wanted), None)


def _numbers(profile: Profile, sms: bool) -> tuple[Number, ...]:
    return profile.sms_phones if sms else profile.phones


def _with_numbers(profile: Profile, numbers: Iterable[Number], sms: bool) -> Profile:
    if sms:
        return replace(profile, sms_phones=tuple(numbers))
    return replace(profile, phones=tuple(numbers))


def _require(profile: Profile, phone: Phone, sms: bool = False) -> Number:
    found = profile.number_for(phone, sms=sms)
    if found is None:
        raise OcpError(Code.NO_SUCH_PHONE)
    return found


# -- phonenumber and smsphone ---------------------------------------------------


def add_number(
    profile: Profile, new: NumberRequest, new_id: NewId, *, sms: bool = False
) -> Profile:
    """phonenumber / smsphone POST. A number already on the list is 113; the first
    SMS number becomes the default SMS number."""
    if profile.number_for(new.phone, sms=sms) is not None:
        raise OcpError(Code.DUPLICATE_PHONE)
    profile, _number = _added(profile, new, new_id, sms)
    return profile


def _added(
    profile: Profile, new: NumberRequest, new_id: NewId, sms: bool = False
) -> tuple[Profile, Number]:
    if new.phone_type is None:
        raise OcpError(Code.REQUIRED, name="phoneType")
    number = Number(new_id(), new.phone, new.phone_type, new.carrier_id or 0)
    profile = _with_numbers(profile, (*_numbers(profile, sms), number), sms)
    if sms and profile.default(sms=True) is None:
        profile = replace(profile, default_sms_phone_id=number.id)
    return profile, number


def _known_or_added(
    profile: Profile, wanted: NumberRequest, new_id: NewId
) -> tuple[Profile, Number]:
    found = profile.number_for(wanted.phone)
    return (profile, found) if found is not None else _added(profile, wanted, new_id)


def set_default_number(profile: Profile, wanted: NumberRequest, new_id: NewId) -> Profile:
    """phonenumber PUT /phonenumber: the number becomes the default. A number the
    user does not have is added when a phoneType comes with it, else it is 110.
    A phoneType or carrierId given for a known number updates it."""
    found = profile.number_for(wanted.phone)
    if found is None:
        if wanted.phone_type is None:
            raise OcpError(Code.NO_SUCH_PHONE)
        profile, found = _added(profile, wanted, new_id)
    else:
        profile = change_number(
            profile, found.phone, phone_type=wanted.phone_type, carrier_id=wanted.carrier_id
        )
    return replace(profile, default_phone_id=found.id)


def change_number(
    profile: Profile,
    existing: Phone,
    *,
    phone: Phone | None = None,
    phone_type: int | None = None,
    carrier_id: int | None = None,
) -> Profile:
    """phonenumber PUT /phonenumber/{existing}: new digits, type or carrier for a
    number; its id, and so the hunt order and exceptions naming it, stay."""
    number = _require(profile, existing)
    if phone is not None and phone.key != existing.key and profile.number_for(phone) is not None:
        raise OcpError(Code.DUPLICATE_PHONE)
    changed = replace(
        number,
        phone=phone or number.phone,
        phone_type=number.phone_type if phone_type is None else phone_type,
        carrier_id=number.carrier_id if carrier_id is None else carrier_id,
    )
    return _with_numbers(
        profile, (changed if n.id == number.id else n for n in profile.phones), False
    )


def remove_number(profile: Profile, phone: Phone, *, sms: bool = False) -> Profile:
    """phonenumber / smsphone DELETE. The default number is 109. A voice number
    leaves the hunt order and takes its call-time exceptions with it.

    The SMS list has no PUT to move its default, so its default may go when it
    is the last SMS number; with others left it is 109 like a voice default.
    """
    number = _require(profile, phone, sms)
    numbers = _numbers(profile, sms)
    if sms:
        if number.id == profile.default_sms_phone_id and len(numbers) > 1:
            raise OcpError(Code.PRIMARY_PHONE)
        rest = tuple(n for n in numbers if n.id != number.id)
        return replace(
            profile,
            sms_phones=rest,
            default_sms_phone_id=profile.default_sms_phone_id if rest else None,
        )
    if number.id == profile.default_phone_id:
        raise OcpError(Code.PRIMARY_PHONE)
    return replace(
        profile,
        phones=tuple(n for n in numbers if n.id != number.id),
        hunt_order=tuple(i for i in profile.hunt_order if i != number.id),
        exceptions=tuple(e for e in profile.exceptions if e.phone_id != number.id),
    )


# -- huntorder ------------------------------------------------------------------------


def set_hunt_order(
    profile: Profile, wanted: Sequence[NumberRequest], tryall: int | None, new_id: NewId
) -> Profile:
    """huntorder POST: the order becomes exactly these numbers (a repeated one
    counts once); numbers the user does not have are added to it."""
    return _hunt(replace(profile, hunt_order=()), wanted, tryall, new_id)


def extend_hunt_order(
    profile: Profile, wanted: Sequence[NumberRequest], tryall: int | None, new_id: NewId
) -> Profile:
    """huntorder PUT: append numbers (one already in the order keeps its place)
    and/or set tryall."""
    return _hunt(profile, wanted, tryall, new_id)


def _hunt(
    profile: Profile, wanted: Sequence[NumberRequest], tryall: int | None, new_id: NewId
) -> Profile:
    order = list(profile.hunt_order)
    for request in wanted:
        profile, number = _known_or_added(profile, request, new_id)
        if number.id not in order:
            order.append(number.id)
    tryall_now = profile.tryall if tryall is None else bool(tryall)
    return replace(profile, hunt_order=tuple(order), tryall=tryall_now)


def clear_hunt_order(profile: Profile) -> Profile:
    """huntorder DELETE: the entries go; tryall is the user's and stays."""
    return replace(profile, hunt_order=())


# -- calltimeexception ------------------------------------------------------------


def add_exception(
    profile: Profile, window: Window, wanted: NumberRequest, new_id: NewId
) -> Profile:
    """calltimeexception POST: the number (added to the user if new) for the
    window, replacing older exceptions where they overlap."""
    profile, number = _known_or_added(profile, wanted, new_id)
    covered = windows.hours(window)
    kept = [
        CallTimeException(piece, e.phone_id)
        for e in profile.exceptions
        for piece in windows.subtract(e.window, covered)
    ]
    return replace(profile, exceptions=(*kept, CallTimeException(window, number.id)))


def remove_exception_hours(profile: Profile, window: Window, phone: Phone) -> Profile:
    """calltimeexception DELETE: exactly these hours and days leave the number's
    exceptions (110 if the user has no such number)."""
    number = _require(profile, phone)
    removed = windows.hours(window)
    return replace(
        profile,
        exceptions=tuple(
            CallTimeException(piece, e.phone_id)
            for e in profile.exceptions
            for piece in (
                windows.subtract(e.window, removed) if e.phone_id == number.id else [e.window]
            )
        ),
    )


def clear_exceptions(profile: Profile, phone: Phone | None = None) -> Profile:
    """calltimeexception DELETE all=1: every exception, or every one of a number."""
    if phone is None:
        return replace(profile, exceptions=())
    number = _require(profile, phone)
    return replace(
        profile, exceptions=tuple(e for e in profile.exceptions if e.phone_id != number.id)
    )


# -- dnd ------------------------------------------------------------------------------


def add_dnd(profile: Profile, window: Window) -> Profile:
    return replace(profile, dnd=tuple(windows.place(profile.dnd, window)))


def remove_dnd_hours(profile: Profile, window: Window) -> Profile:
    return replace(profile, dnd=tuple(windows.without(profile.dnd, windows.hours(window))))


def clear_dnd(profile: Profile) -> Profile:
    return replace(profile, dnd=())


# -- email ------------------------------------------------------------------------------


def add_email(profile: Profile, email: str) -> Profile:
    """email POST: a new address (113 if the user already has it)."""
    if email in profile.emails:
        raise OcpError(Code.DUPLICATE_PHONE)
    return replace(profile, emails=(*profile.emails, email))


def set_default_email(profile: Profile, email: str) -> Profile:
    """email PUT: the address becomes the default, added first if it is new."""
    if email not in profile.emails:
        profile = add_email(profile, email)
    return replace(profile, default_email=email)


def remove_email(profile: Profile, email: str) -> Profile:
    """email DELETE: 107 if the user has no such address, 108 for the default."""
    if email not in profile.emails:
        raise OcpError(Code.NO_SUCH_EMAIL)
    if email == profile.default_email:
        raise OcpError(Code.PRIMARY_EMAIL)
    return replace(profile, emails=tuple(e for e in profile.emails if e != email))


# -- blacklist --------------------------------------------------------------------------


def add_block(profile: Profile, block: Block) -> Profile:
    """blacklist POST: 113 if the entry is already there."""
    if any(b.identity == block.identity for b in profile.blacklist):
        raise OcpError(Code.DUPLICATE_PHONE)
    return replace(profile, blacklist=(*profile.blacklist, block))


def remove_block(profile: Profile, block: Block) -> Profile:
    """blacklist DELETE: 110 if there is no such entry."""
    kept = tuple(b for b in profile.blacklist if b.identity != block.identity)
    if len(kept) == len(profile.blacklist):
        raise OcpError(Code.NO_SUCH_PHONE)
    return replace(profile, blacklist=kept)


def phone_keys(profile: Profile) -> set[str]:
    """Every phone key the user holds, on either list (each is unique system-wide)."""
    return {n.phone.key for n in profile.phones + profile.sms_phones}


# -- limits ----------------------------------------------------------------------------

# Each list of a profile, the name its error gives it, and its limit in domain.limits.
_LIMITS: tuple[tuple[str, str, str], ...] = (
    ("phones", "phone numbers", "PHONES"),
    ("sms_phones", "SMS numbers", "SMS_PHONES"),
    ("emails", "email addresses", "EMAILS"),
    ("exceptions", "call-time exceptions", "EXCEPTIONS"),
    ("dnd", "DND windows", "DND_WINDOWS"),
    ("blacklist", "blacklist entries", "BLACKLIST"),
)


def check_limits(before: Profile, after: Profile) -> None:
    """117 for each list that a change made longer than its limit. A list that did not
    grow passes, so a profile over a limit (one made before it) can still shrink."""
    full = [
        OcpError(FULL, name=label, high=getattr(limits, limit))
        for attr, label, limit in _LIMITS
        if len(getattr(after, attr)) > getattr(limits, limit)
        and len(getattr(after, attr)) > len(getattr(before, attr))
    ]
    if full:
        raise OcpError.combine(full)
