"""The Carrier port over Amazon Chime SDK PSTN Audio (README "Real calls").

    place(dial)        one CreateSipMediaApplicationCall per number (a try-all rings each
                       number in a call of its own); a dial bridged to an answered leg is an
                       UpdateSipMediaApplicationCall asking that call's handler for a
                       CallAndBridge. Returns None: the handler (sma.py) reports.
    watch(ref, token)  the connected call's end meets the watch task (store.rendezvous)
    hang_up(ref)       UpdateSipMediaApplicationCall asking the handler to hang up
    open_room / close_room / join   conference rooms: a Chime SDK meeting per room, made
                       when the first leg joins, deleted when the conference closes
    prepare            a blast's audio as WAV, once per blast
    schedule           turns for a blast's recipients at the calls a second (only with
                       OCP_PACING=false: else workflows/pacing.py plans every carrier's)

A reference is `chime:{callId}:{TransactionId}`: the bridged second leg lives in the same
transaction as the first, so both have the same reference.

Failures: a throttled request, the account's limit of concurrent calls or an unavailable
service is CarrierBusy (nothing rang: the dial waits and is tried again); a request the
service refuses is CarrierError (the attempt is Failed).

Pacing: the account's limits are the dialer's (workflows/pacing.py admits every dial, of
every carrier, on one shared board before place is called; docs/limits-pacing.md). Only
with OCP_PACING=false (`limited`) does every CreateSipMediaApplicationCall first take a
slot of the adapter's own fixed-window limiter (store.pacing.take), so that all dialers
together stay under OCP_CALLS_PER_SECOND (or OCP_CHIME_CALLS_PER_SECOND) all the same.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError, EndpointConnectionError

from chalicelib import settings
from chalicelib.imports import on_first_use
from chalicelib.store import aws, pacing, rendezvous
from chalicelib.telephony import (  # the core's modules
    FAILED,
    CarrierBusy,
    CarrierError,
    Dial,
    Gone,
    Outcome,
    caller,
    race,
    retries,
    unanswered,
)
from chalicelib.telephony.chime import legs
from chalicelib.telephony.chime.actions import MAX_DIGITS, PIN_PAUSE
from chalicelib.telephony.references import References
from chalicelib.telephony.spec import Spec, Voice, make, pool

log = logging.getLogger(__name__)

# A blast's audio, made once by the fan-out: the sma function never loads it.
if TYPE_CHECKING:
    from chalicelib.media import wav
else:
    wav = on_first_use("chalicelib.media.wav")

PREFIX = "chime"
ROOM_PREFIX = "chime-room"
LIMITER = "chime-calls"  # store.pacing names
PLAN = "chime-plan"
# Seconds to wait before trying again, by the service's error.
_BUSY = {
    "ThrottledClientException": 1.0,
    "ResourceLimitExceededException": 5.0,  # the account's concurrent calls are all up
    "ServiceUnavailableException": 2.0,
}
_ROOM = re.compile(r"conference-(\d+)")


LEGS = References(PREFIX, "Chime")
reference = LEGS.make
parse_reference = LEGS.parse


def _client(service: str) -> Callable[[], Any]:
    def get() -> Any:
        return aws.client(service)

    return get


def _speech(text: str) -> str:
    return wav.speech(text)


def _recorded(announcement: dict) -> str:
    """A blast's recording, as prepare() made it WAV (its `wavKey`)."""
    if not announcement.get("audioKey"):
        return ""
    if not announcement.get("wavKey"):
        raise CarrierError("blast audio not prepared for Chime (no wavKey)")
    return str(announcement["wavKey"])


@dataclass
class ChimeCarrier:
    sma_id: str
    numbers: tuple[str, ...]
    calls_per_second: float = 1.0
    ring_seconds: int = 60
    media_region: str = "us-east-1"
    stage: str = "dev"
    voice: Callable[[], Any] = field(default_factory=lambda: _client("chime-sdk-voice"))
    meetings: Callable[[], Any] = field(default_factory=lambda: _client("chime-sdk-meetings"))
    speech: Callable[[str], str] = _speech
    clock: Callable[[], float] = time.time
    sleep: Callable[[float], None] = time.sleep
    # store.pacing and store.rendezvous (in-memory fakes in unit tests).
    pacing: Any = field(default_factory=lambda: pacing)
    board: Any = field(default_factory=lambda: rendezvous)
    # The adapter's own limiter of new calls: only when the dialer does not pace
    # (OCP_PACING=false); with pacing on, a second limiter would only add waits.
    limited: bool = True

    @classmethod
    def from_settings(cls) -> ChimeCarrier:
        s = settings.get()
        return cls(
            sma_id=s.chime_sma_id,
            numbers=pool(s.chime_numbers, "OCP_CHIME_NUMBERS"),
            calls_per_second=s.chime_calls_per_second,
            ring_seconds=min(s.chime_ring_seconds, max(1, s.ring_timeout_seconds - 10)),
            media_region=s.chime_media_region,
            stage=s.stage,
            limited=not s.pacing,
        )

    # -- dialing --------------------------------------------------------------------------

    def place(self, dial: Dial) -> Outcome | None:
        if not self.sma_id:
            raise CarrierError("OCP_CHIME_SMA_ID names no SIP media application")
        spec = self.spec(dial)
        if dial.bridge_to:
            return self._bridge(dial, spec)
        if not spec.race:
            self._create(spec, dial.token, patience=self._window() * 2)
            return None
        return self._race(dial, spec)

    def spec(self, dial: Dial) -> Spec:
        """The dial as its calls carry it, with its audio made (WAV keys)."""
        if len(dial.digits) > MAX_DIGITS - len(PIN_PAUSE):
            raise CarrierError("a PIN longer than Chime's 50 DTMF digits (with its pause)")
        return make(
            dial,
            Voice(self.speech, _recorded),
            screened=dial.ask_for_one,
            held=not (dial.bridge_to or dial.room or dial.role == "recipient"),
            caller=self.caller_for(dial.caller_id, dial.targets[0].e164, dial.call_id),
            ring_seconds=self.ring_seconds,
        )

    def caller_for(self, wish: str | None, to: str, spread: int) -> str:
        try:
            return caller.choose(self.numbers, wish, to, spread)
        except ValueError as e:
            raise CarrierError(str(e)) from None

    def _race(self, dial: Dial, spec: Spec) -> Outcome | None:
        """Try-all: one call per number, all at once (telephony/race.py)."""

        def create(n: int) -> str:
            caller_id = self.caller_for(dial.caller_id, dial.targets[n].e164, dial.call_id)
            leg = replace(spec.at(n), caller=caller_id)
            return self._create(leg, dial.token, patience=self._window() * (2 + n))

        return race.ring_all(self.board, dial, create)

    def _create(self, spec: Spec, token: str, patience: float) -> str:
        """One call to `spec.target`; its TransactionId. Waits up to `patience` seconds for
        a slot of the limiter, and for the service to take it (a 429 is tried again)."""
        deadline = self.clock() + patience

        def create() -> Any:
            self._slot(deadline - self.clock())
            return self._request(
                self.voice().create_sip_media_application_call,
                FromPhoneNumber=spec.caller,
                ToPhoneNumber=spec.target.e164,
                SipMediaApplicationId=self.sma_id,
                ArgumentsMap=legs.arguments("dial", spec, token),
            )

        response = retries.while_busy(create, deadline, self.clock, self.sleep)
        transaction_id = response["SipMediaApplicationCall"]["TransactionId"]
        log.info("call %s attempt %s: placed (%s)", spec.call_id, spec.key, transaction_id)
        return transaction_id

    def _bridge(self, dial: Dial, spec: Spec) -> Outcome | None:
        """The next leg, bridged to the answered one: its call's handler rings it."""
        _call_id, transaction_id = parse_reference(dial.bridge_to or "")
        self._slot(self._window() * 2)
        try:
            self._update(transaction_id, legs.arguments("bridge", spec, dial.token))
        except Gone:
            # The answered leg hung up meanwhile: nobody to bridge to, nobody rung.
            log.info("call %s attempt %s: the held leg is gone", dial.call_id, dial.key)
            return unanswered(dial.targets, [FAILED] * len(dial.targets))
        return None

    def watch(self, reference_: str, token: str) -> int | None:
        call_id, _transaction_id = parse_reference(reference_)
        return self.board.watch(call_id, token)

    def hang_up(self, reference_: str) -> None:
        _call_id, transaction_id = parse_reference(reference_)
        # UpdateSipMediaApplicationCall: 5 a second
        retries.hang_up(
            lambda: self._update(transaction_id, legs.arguments("hangup", None)),
            transaction_id,
            self.sleep,
        )

    def _update(self, transaction_id: str, arguments: dict[str, str]) -> None:
        self._request(
            self.voice().update_sip_media_application_call,
            SipMediaApplicationId=self.sma_id,
            TransactionId=transaction_id,
            Arguments=arguments,
        )

    # -- pacing ---------------------------------------------------------------------------

    def _window(self) -> float:
        return self.pacing.window(self.calls_per_second)[0]

    def _slot(self, patience: float) -> None:
        """Take a slot of the shared limiter, waiting up to `patience` seconds for one
        (nothing to take when the dialer paces: not `limited`)."""
        if not self.limited:
            return
        deadline = self.clock() + patience
        while True:
            now = self.clock()
            wait = self.pacing.take(LIMITER, self.calls_per_second, now)
            if wait is None:
                return
            if now + wait > deadline:
                raise CarrierBusy("over OCP_CHIME_CALLS_PER_SECOND", retry_after=wait)
            self.sleep(wait)

    def schedule(self, count: int) -> tuple[float, float] | None:
        every = 1.0 / self.calls_per_second
        return self.pacing.reserve(PLAN, count, every, self.clock()), every

    # -- audio ----------------------------------------------------------------------------

    def prepare(self, announcement: dict, text: str | None = None) -> dict:
        if text:
            return {**announcement, "wavKey": self.speech(text)}
        key = announcement.get("audioKey")
        if not key:
            return announcement
        return {**announcement, "wavKey": wav.upload(key, key.rsplit("/", 1)[-1])}

    # -- conference rooms -------------------------------------------------------------------

    def open_room(self, name: str) -> str:
        return f"{ROOM_PREFIX}:{name}"  # its meeting is made when the first leg joins

    def join(self, room: str, call_id: int, transaction_id: str) -> tuple[str, str]:
        """(MeetingId, JoinToken) for a leg joining `room`: the room's meeting, made now if
        it has none or the service ended it (no attendee for a while, or 24 hours)."""
        conference_id = self._conference_of(room)
        meeting = self.board.meeting(conference_id)
        for _ in range(3):
            if meeting is None:
                meeting = self.board.set_meeting(conference_id, self._new_meeting(room), None)
            try:
                attendee = self._request(
                    self.meetings().create_attendee,
                    MeetingId=meeting,
                    ExternalUserId=f"call-{call_id}-{transaction_id}"[:64],
                )
                return meeting, attendee["Attendee"]["JoinToken"]
            except Gone:
                stale = meeting
                meeting = self.board.set_meeting(conference_id, self._new_meeting(room), stale)
        raise CarrierError(f"no meeting for {room}")

    def _new_meeting(self, room: str) -> str:
        response = self._request(
            self.meetings().create_meeting,
            ClientRequestToken=uuid.uuid4().hex,
            MediaRegion=self.media_region,
            ExternalMeetingId=f"ocp-{self.stage}-{room}"[:64],
        )
        return response["Meeting"]["MeetingId"]

    def close_room(self, room: str) -> None:
        if not room.startswith(f"{ROOM_PREFIX}:"):
            return
        meeting = self.board.meeting(self._conference_of(room))
        if meeting is None:
            return
        try:
            self._request(self.meetings().delete_meeting, MeetingId=meeting)
        except CarrierError as e:  # Gone: the service ended it already
            log.info("meeting of %s not deleted: %s", room, e)

    @staticmethod
    def _conference_of(room: str) -> int:
        found = _ROOM.search(room)
        if found is None:
            raise CarrierError(f"not a conference room: {room}")
        return int(found.group(1))

    # -- the service's errors ---------------------------------------------------------------

    def _request(self, operation: Callable[..., Any], **parameters: Any) -> Any:
        try:
            return operation(**parameters)
        except ClientError as e:
            code = e.response.get("Error", {}).get("Code", "")
            if code in _BUSY:
                raise CarrierBusy(code, retry_after=_BUSY[code]) from None
            if code == "NotFoundException":
                raise Gone(code) from None
            raise CarrierError(code or str(e)) from None
        except EndpointConnectionError as e:
            # Nothing reached the service: safe to try again. (A request that reached it and
            # lost its answer is not: it may have rung someone; that one fails the attempt.)
            raise CarrierBusy(str(e), retry_after=2.0) from None
        except BotoCoreError as e:
            raise CarrierError(str(e)) from None
