"""call POST: who the two sides of a call are, and the dialing that bridges them.

    call_id = calls.place(eid, CallRequest(user_id, origination, destination, text, ...))

1. One read (`store.profiles.look_up`) finds the requester and every user the sides
   name: a side of type 1 (userId) or 2 (email) is a user visible to the enterprise
   (else 922), a side of type 3 is a number dialed as it is. The requester (`userId`)
   must be visible too (else 106): its enterprise and user are charged the minutes.
2. Each user side is resolved at this moment (`domain.resolve`): DND, exceptions, hunt
   order with tryall, default number.
3. An origination on the destination user's blacklist is 303 (RULINGS "blacklist"),
   and nothing is stored or dialed.
4. A new callId, the Calls item, and the dialing execution (`workflows/dialing.py`).
   A failure there is 304; the execution then dials the destination first and, once a
   human presses 1, the origination, and bridges them (reference "call POST").
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from chalicelib import clock
from chalicelib.domain.destinations import Destination
from chalicelib.domain.kinds import PHONE
from chalicelib.domain.numbers import Phone
from chalicelib.domain.profile import Profile, phone_keys
from chalicelib.domain.resolve import Origin, is_blacklisted
from chalicelib.domain.tenants import CALLS as DAILY_CALLS
from chalicelib.errors import Code, OcpError
from chalicelib.store import calls, ids, profiles
from chalicelib.store.failures import AWS_FAILURES
from chalicelib.store.profiles import Directory
from chalicelib.workflows import dialing, spend
from chalicelib.workflows.dialing import Leg
from chalicelib.workflows.legs import Reach, of_phone, of_profile

if TYPE_CHECKING:
    from chalicelib.domain.subscriptions import Subscription

log = logging.getLogger(__name__)

KIND = "call"


@dataclass(frozen=True)
class CallRequest:
    """call POST's variables, read and validated."""

    user_id: int  # the requester: its mouused is charged
    origination: Destination
    destination: Destination
    text: str  # the announcement, spoken to the side asked to accept
    call_origination: bool = False  # dial the origination first; machines may answer
    disable_amd: bool = False  # no answering machine detection on the destination
    callback: Subscription | None = None  # statusCallback (chalicelib/events)

    def record(self) -> dict:
        """As the Calls item keeps it."""
        return {
            "origination": self.origination.wire(),
            "destination": self.destination.wire(),
            "text": self.text,
            "callOrigination": int(self.call_origination),
            "disableAMD": int(self.disable_amd),
        }


def place(eid: int, request: CallRequest) -> int:
    """Check, store and start a call; its callId."""
    at = clock.now()
    for name, named in (("origination", request.origination), ("destination", request.destination)):
        if isinstance(named.value, Phone):
            spend.check_phone(eid, named.value, name)  # 119: outside its countries
    directory = _look_up(eid, request)
    origination = side(request.origination, directory, at, "origination")
    destination = side(request.destination, directory, at, "destination")
    blocker = _user_of(request.destination, directory)
    if blocker is not None and is_blacklisted(blocker, origin(request.origination, directory)):
        raise OcpError(Code.BLACKLISTED_ORIGINATION)
    spend.check_minutes(eid)
    spend.check_mou_allowed(eid, request.user_id)
    spend.charge(eid, DAILY_CALLS, 1)
    return _start(
        eid,
        request,
        spend.reachable_legs(eid, legs(request, origination, destination)),
        calling_number=origination.number,
        at=at,
    )


# -- the sides ---------------------------------------------------------------------------


def _look_up(eid: int, request: CallRequest) -> Directory:
    sides = (request.origination.value, request.destination.value)
    # A phone origination's holder matters only for a user destination's blacklist.
    holders = [sides[0]] if isinstance(sides[0], Phone) and not isinstance(sides[1], Phone) else []
    # A pair's type (1 userId, 2 email, 3 phone) is its value's: int, str or Phone.
    directory = profiles.look_up(
        eid,
        user_ids=[request.user_id, *(v for v in sides if isinstance(v, int))],
        emails=[v for v in sides if isinstance(v, str)],
        phones=holders,
    )
    if request.user_id not in directory.profiles:
        raise OcpError(Code.NO_SUCH_USER)
    unknown = [
        OcpError(Code.INVALID_USER_ID, name=name, value=s.value)
        for name, s in (("origination", request.origination), ("destination", request.destination))
        if s.type != PHONE and _user_of(s, directory) is None
    ]
    if unknown:
        raise OcpError.combine(unknown)
    return directory


def _user_of(destination: Destination, directory: Directory) -> Profile | None:
    named = destination.value
    if isinstance(named, Phone):
        return None
    if isinstance(named, str):  # an email
        return directory.profiles.get(directory.emails.get(named, 0))
    return directory.profiles.get(named)


def side(destination: Destination, directory: Directory, at: int, name: str) -> Reach:
    """A phone is rung as it is; a user on the numbers its preferences give at `at`."""
    if isinstance(destination.value, Phone):
        return of_phone(destination.value)
    profile = _user_of(destination, directory)
    if profile is None:
        raise OcpError(Code.INVALID_USER_ID, name=name, value=destination.value)
    return of_profile(profile, at)


def origin(origination: Destination, directory: Directory) -> Origin:
    """Who the call comes from, for blacklists: a user and every number it holds, or a
    number and the user holding it, if any (a blacklisted user blocks all its numbers)."""
    phone = origination.value
    if isinstance(phone, Phone):
        return Origin.of_phone(phone, directory.phones.get(phone.key))
    profile = _user_of(origination, directory)
    return Origin(profile.user_id, frozenset(phone_keys(profile))) if profile else Origin()


# -- the legs ----------------------------------------------------------------------------


def legs(request: CallRequest, origination: Reach, destination: Reach) -> list[Leg]:
    """The reference's order: the destination first, announced and asked to press 1
    (answering machines fail it, unless disableAMD, when a machine just never presses
    1); then the origination, bridged once it answers. With callOrigination the
    origination first, hearing the announcement; then the destination, answered by a
    person or a machine, so the caller may leave a message."""
    announcement = {"text": request.text}
    if not request.call_origination:
        return [
            _leg(
                "destination",
                destination,
                ask_for_one=True,
                detect_machine=not request.disable_amd,
                announcement=announcement,
                caller_id=origination.caller_id,
            ),
            _leg("origination", origination, ask_for_one=False, caller_id=destination.caller_id),
        ]
    return [
        _leg(
            "origination",
            origination,
            ask_for_one=False,
            announcement=announcement,
            caller_id=destination.caller_id,
        ),
        _leg(
            "destination",
            destination,
            ask_for_one=False,
            accept_machine=True,
            detect_machine=not request.disable_amd,
            caller_id=origination.caller_id,
        ),
    ]


def _leg(role: str, side: Reach, **options: Any) -> Leg:
    return Leg(role, side.targets, label=side.label, tryall=side.tryall, dnd=side.dnd, **options)


# -- storing and starting ------------------------------------------------------------


def _start(
    eid: int, request: CallRequest, call_legs: list[Leg], calling_number: str, at: int
) -> int:
    try:
        call_id = ids.next_id("call")
        calls.create(
            call_id,
            eid=eid,
            user_id=request.user_id,
            kind=KIND,
            time_scheduled=at,
            calling_number=calling_number,
            request=request.record(),
            callback=request.callback,
        )
    except AWS_FAILURES as e:
        raise OcpError(
            Code.CALL_WRITE_FAILED
        ) from e  # logged with the request id (protocol.routes)
    try:
        dialing.start(call_id, call_legs)
    except AWS_FAILURES as e:
        _abandon(call_id, at)
        raise OcpError(Code.CALL_WRITE_FAILED) from e
    return call_id


def _abandon(call_id: int, at: int) -> None:
    """A call that will never be dialed is failed, not left scheduled (best effort)."""
    try:
        calls.finish(call_id, success=False, at=at)
    except AWS_FAILURES:
        log.exception("call %s: could not be marked failed", call_id)


def status(call_id: int, eid: int) -> calls.CallStatus:
    """call GET: the call as it stands (902 for a callId the enterprise has not placed)."""
    return calls.get(call_id, eid)
