"""Blast recipients: a blast's terminations and who each one reaches when it fires.

Pure: plain values in and out, time is an argument. The fan-out (workflows/fanout.py)
reads the profiles a batch of recipients needs in a few batched requests and asks here:

    reach = voice(profile, at, origin)     # a userId or email destination
    reach = sms(profile, at, origin)
    reach = number(phone, holder, origin)  # a phone destination; holder: who owns it

A user destination follows RULINGS "Resolution" at the time of dialing; a phone
destination rings that number (RULINGS "user DELETE": work that names a number still
completes), unless the user holding it has blacklisted the origination (RULINGS
"blacklist": a blast whose origination is on a destination user's blacklist). A user
that no longer exists or is no longer visible reaches no number: its leg fails.
"""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.domain.destinations import Destination
from chalicelib.domain.numbers import Phone
from chalicelib.domain.resolve import Origin, Profile, is_blacklisted, resolve, resolve_sms

# A blast's destination or origination: the one destination type (domain/destinations.py).
Termination = Destination


@dataclass(frozen=True)
class Reach:
    """What one recipient's leg rings (voice) or texts (SMS), or why nothing."""

    numbers: tuple[Phone, ...]
    tryall: bool = False
    dnd: bool = False
    blacklisted: bool = False


def origin(origination: Termination, profile: Profile | None) -> Origin:
    """Who a blast comes from, for recipients' blacklists: the user its origination names
    (with all of that user's numbers), or its number and the user holding it, if any.
    `profile` is that user's, or None if there is none."""
    if isinstance(origination.value, Phone):
        return Origin.of_phone(origination.value, profile.user_id if profile else None)
    if profile is None:
        named = origination.value
        return Origin(named if isinstance(named, int) else None)  # a userId, not an email
    return Origin(profile.user_id, frozenset(n.phone.key for n in profile.phones))


def caller(origination: Termination, profile: Profile | None) -> Phone | None:
    """The number recipients see (unless hideAni), and call back: the origination's
    number, or the default number of the user it names."""
    if isinstance(origination.value, Phone):
        return origination.value
    default = profile.default() if profile else None
    return default.phone if default else None


def voice(profile: Profile | None, at: int, origin: Origin) -> Reach:
    """A user destination: its numbers at `at`, or the reason there are none."""
    if profile is None:
        return Reach(())
    if is_blacklisted(profile, origin):
        return Reach((), blacklisted=True)
    found = resolve(profile, at)
    return Reach(tuple(n.phone for n in found.numbers), found.tryall, found.dnd)


def sms(profile: Profile | None, at: int, origin: Origin) -> Reach:
    """A user destination of blastsms: its SMS number at `at` (smsphone), or, for a user
    with no SMS number at all, its default number."""
    if profile is None:
        return Reach(())
    if is_blacklisted(profile, origin):
        return Reach((), blacklisted=True)
    found = resolve_sms(profile, at)
    if found.dnd:
        return Reach((), dnd=True)
    if not found.numbers and not profile.sms_phones:
        default = profile.default()
        return Reach((default.phone,) if default else ())
    return Reach(tuple(n.phone for n in found.numbers))


def number(phone: Phone, holder: Profile | None, origin: Origin) -> Reach:
    """A phone destination: that number, unless the user holding it blacklisted the origin."""
    if holder is not None and is_blacklisted(holder, origin):
        return Reach((), blacklisted=True)
    return Reach((phone,))
