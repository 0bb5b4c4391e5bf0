"""autoconference: at conferenceTime, dial the user (the origination, by its preferences),
play the text and ask for 1; then dial the conference number, outpulse the PIN and
bridge the two (reference "autoconference POST"). The user's MOU is charged.

A future conferenceTime is one schedule (workflows/schedule.py) whose delivery calls
`fire`; none, 0 or a time not in the future starts at once (RULINGS "Scheduled work").
PUT moves the schedule and bumps the item's version, DELETE cancels both; both are
refused (304) once it has fired. Firing is idempotent: `store.autoconferences.claim`.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import TYPE_CHECKING

from chalicelib import clock
from chalicelib.domain.destinations import Destination
from chalicelib.domain.kinds import USER_ID
from chalicelib.domain.numbers import Phone
from chalicelib.domain.tenants import CALLS as DAILY_CALLS
from chalicelib.errors import OcpError
from chalicelib.store import autoconferences, ids, profiles, users
from chalicelib.store.autoconferences import Autoconference, Stored
from chalicelib.telephony import Target
from chalicelib.workflows import dialing, schedule, spend
from chalicelib.workflows.legs import Reach, of_profile, reach

if TYPE_CHECKING:
    from chalicelib.domain.resolve import Profile
    from chalicelib.domain.subscriptions import Subscription

log = logging.getLogger(__name__)

KIND = autoconferences.KIND


def create(
    eid: int, user_id: int, conference: Autoconference, callback: Subscription | None = None
) -> tuple[int, bool]:
    """(callId, whether it started now). `callback`: its statusCallback."""
    requester = profiles.load(user_id, eid)  # 106
    dials_requester = conference.origination == Destination(USER_ID, user_id)
    if not dials_requester:
        _require_origination(eid, conference.origination)
    # 119 for a bridge outside the enterprise's countries, 118 past its calls a day
    spend.check_phone(eid, conference.number, "phoneNumber")
    spend.charge(eid, DAILY_CALLS, 1)
    call_id = ids.next_id("call")
    now = clock.now()
    if conference.time > now:
        # The schedule first: if the item then fails to save, a delivery finds no item
        # and is dropped; the other way round an item could wait for a schedule forever.
        schedule.put(KIND, call_id, 0, conference.time)
        autoconferences.create(call_id, eid, user_id, conference, callback)
        return call_id, False
    autoconferences.create(call_id, eid, user_id, replace(conference, time=now), callback)
    stored = autoconferences.claim(call_id, 0)
    if stored is not None:
        # Dialed now: the requester's profile, just read, is the one to resolve.
        _start(stored, requester if dials_requester else None)
    return call_id, True


def change(eid: int, user_id: int, call_id: int, changes: dict, when: int | None) -> None:
    """PUT: `changes` (Autoconference fields) and the new time; no time, or one not in
    the future, starts it now (reference "autoconference PUT")."""
    if "origination" in changes:
        _require_origination(eid, changes["origination"])
    if changes.get("number"):
        spend.check_phone(eid, changes["number"], "phoneNumber")
    now = clock.now()
    start = when is None or when <= now
    changes = {**changes, "time": now if start else when}

    def move(after: Stored) -> None:
        schedule.put(KIND, call_id, after.version, after.conference.time)

    stored = autoconferences.change(
        call_id, eid, user_id, changes, start=start, before_write=None if start else move
    )
    if start:
        _start(stored)
        schedule.cancel(KIND, call_id)


def cancel(eid: int, user_id: int | None, call_id: int) -> None:
    autoconferences.cancel(call_id, eid, user_id)
    schedule.cancel(KIND, call_id)


def fire(call_id: int, version: int) -> None:
    """The schedule's target (workflows/fire.py KINDS)."""
    stored = autoconferences.claim(call_id, version)
    if stored is not None:
        _start(stored)


def _start(stored: Stored, origination: Profile | None = None) -> None:
    """Dial it; `origination`: the profile of the user it names, if already read."""
    c = stored.conference
    at = clock.now()
    user = (
        _origination(stored.eid, c.origination, at)
        if origination is None
        else of_profile(origination, at)
    )
    bridge = c.number
    dialing.start(
        stored.call_id,
        # Numbers outside the enterprise's countries are not rung (docs/limits.md).
        spend.reachable_legs(
            stored.eid,
            [
                # The user first, as a human who presses 1 (answering machines are not enough).
                dialing.Leg(
                    "origination",
                    user.targets,
                    label=user.label,
                    tryall=user.tryall,
                    dnd=user.dnd,
                    ask_for_one=True,
                    detect_machine=not c.disable_amd,
                    announcement={"text": c.text} if c.text else {},
                    caller_id=bridge.e164,
                ),
                # Then the conference engine, which answers as a machine and asks for the PIN.
                dialing.Leg(
                    "conference",
                    (Target(bridge.display, bridge.e164),),
                    label=bridge.display,
                    ask_for_one=False,
                    detect_machine=False,
                    accept_machine=True,
                    digits=c.pin,
                    caller_id=user.caller_id,
                ),
            ],
        ),
    )
    log.info("autoconference %s started", stored.call_id)


def _origination(eid: int, who: Destination, at: int) -> Reach:
    """The user to dial, resolved now. A user deleted since the POST is not dialed: the
    call fails with the attempt Failed (RULINGS "user DELETE")."""
    try:
        return reach(who, eid, at, name="origination")
    except OcpError:
        log.warning("autoconference origination of type %s names no user now", who.type)
        return Reach((), str(who.value))


def _require_origination(eid: int, origination: Destination) -> None:
    named = origination.value
    if not isinstance(named, Phone):  # a userId or an email
        users.require_visible(eid, [named], name="origination")
