"""The Carrier port over a Twilio-compatible REST API (docs/twilio.md):

    place(dial)        one Calls.create per number (a try-all rings each number in a call
                       of its own, first human wins, as with Chime); a dial bridged to an
                       answered leg redirects that leg's call (Calls update `Url`) to TwiML
                       that <Dial>s the new numbers. Returns None: the webhooks report.
    watch(ref, token)  the connected call's end meets the watch task (store.rendezvous)
    hang_up(ref)       Calls update Status=completed
    open_room / close_room   a conference is a named <Conference>: made when its first leg
                       joins, ended by Conferences update Status=completed
    prepare            a blast's audio plays as it is (mp3; wma is refused at upload)
    schedule           None: a blast's turns are planned by workflows/pacing.py

A reference is `twilio:{callId}:{CallSid}` (the CallSid of leg A: a bridged leg lives in
its <Dial>). The dial itself is kept on the Calls item (store.legs) before anything rings,
for the webhooks to read.

Failures (rest.py): throttled, 5xx or no connection is CarrierBusy with the seconds to
wait (tried again here for a moment, then the dial's Backoff waits them); a request Twilio
refuses is CarrierError (the attempt is Failed). The account's limits (calls a second,
calls at once) are not this adapter's: the dialer admits every dial on the shared
pacing board before it calls place (workflows/pacing.py, docs/limits-pacing.md).

The auth token and the webhooks' keys come from store.carrier_secret (read by name with
a TTL, read again after a 401 or a signature that matches no key); a secret missing or
malformed is a CarrierError (the attempt fails, visibly).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from chalicelib import settings
from chalicelib.imports import on_first_use
from chalicelib.providers.twilio.account import auth_token, rest_from_settings, webhook_keys  # noqa: F401
from chalicelib.providers.twilio.rest import Rest
from chalicelib.store import legs, rendezvous
from chalicelib.telephony import (  # the core's modules
    FAILED,
    CarrierError,
    Dial,
    Gone,
    Outcome,
    retries,
    unanswered,
)
from chalicelib.telephony.caller import choose as choose_caller
from chalicelib.telephony.race import ring_all
from chalicelib.telephony.references import References
from chalicelib.telephony.spec import Spec, Voice, make, pool
from chalicelib.telephony.twilio import dials

if TYPE_CHECKING:
    from chalicelib.media import tts
else:
    tts = on_first_use("chalicelib.media.tts")  # Polly, for a dial's announcement only

log = logging.getLogger(__name__)

PREFIX = "twilio"
# How long a Calls.create throttled by the carrier (429) is tried again within place()
# before the dial is handed back to the state machine's Backoff.
RETRY_SECONDS = 2.0
MAX_DIAL_NUMBERS = 10  # <Number>s in one <Dial>
PIN_PAUSE = "wwww"  # two seconds (w: half a second) before a PIN, while the far end listens
MAX_PIN = 32  # sendDigits: 32 characters


LEGS = References(PREFIX, "Twilio")
reference = LEGS.make
parse_reference = LEGS.parse


def _speech(text: str) -> str:
    return tts.speech(text)


def _default_legs() -> Any:
    return legs


@dataclass
class TwilioCarrier:
    rest: Rest
    numbers: tuple[str, ...]
    public_base_url: str
    ring_seconds: int = 60
    stage: str = "dev"
    speech: Callable[[str], str] = _speech
    clock: Callable[[], float] = time.time
    sleep: Callable[[float], None] = time.sleep
    # store.rendezvous and store.legs (in-memory fakes in unit tests).
    board: Any = field(default_factory=lambda: rendezvous)
    legs: Any = field(default_factory=_default_legs)

    @classmethod
    def from_settings(cls) -> TwilioCarrier:
        s = settings.get()
        return cls(
            rest=rest_from_settings(),
            numbers=pool(s.twilio_numbers, "OCP_TWILIO_NUMBERS"),
            public_base_url=s.public_base_url,
            ring_seconds=min(s.twilio_ring_seconds, max(5, s.ring_timeout_seconds - 10)),
            stage=s.stage,
        )

    def url(self, step: str, call_id: int, key: str, index: int = 0) -> str:
        return self.public_base_url + dials.path(step, call_id, key, index)

    # -- dialing --------------------------------------------------------------------------

    def place(self, dial: Dial) -> Outcome | None:
        if not self.public_base_url:
            raise CarrierError("OCP_PUBLIC_BASE_URL is not set: Twilio could not reach us")
        if not self.rest.account_sid:
            raise CarrierError("OCP_TWILIO_ACCOUNT_SID names no account")
        spec = self.spec(dial)
        self.legs.keep(dial.call_id, dial.key, spec.to_dict(), dial.token)
        if dial.bridge_to:
            return self._bridge(dial)
        if len(spec.targets) == 1:
            self._create(spec, 0)
            return None
        return self._race(dial, spec)

    def spec(self, dial: Dial) -> Spec:
        """The dial as its webhooks need it, with its audio made (S3 keys of speech)."""
        if len(PIN_PAUSE + dial.digits) > MAX_PIN:
            raise CarrierError("a PIN longer than TwiML's 32 DTMF characters (with its pause)")
        return make(
            dial,
            Voice(self.speech, lambda announcement: announcement.get("audioKey") or ""),
            screened=dial.ask_for_one or (bool(dial.bridge_to) and len(dial.targets) > 1),
            held=True,
            caller=self.caller_for(dial.caller_id, dial.targets[0].e164, dial.call_id),
            ring_seconds=self.ring_seconds,
            detect_machine=dial.detect_machine,
        )

    def caller_for(self, wish: str | None, to: str, spread: int) -> str:
        """As Chime's (telephony/caller.py): a number of the account's pool; the
        originator's own when it is one of them, else the one nearest the destination."""
        if not self.numbers:
            raise CarrierError("no caller id: OCP_TWILIO_NUMBERS names none of the account's")
        return choose_caller(self.numbers, wish, to, spread)

    def _race(self, dial: Dial, spec: Spec) -> Outcome | None:
        """Try-all: one call per number, all at once (telephony/race.py)."""
        return ring_all(self.board, dial, lambda n: self._create(spec, n))

    def _create(self, spec: Spec, index: int) -> str:
        """Calls.create for number `index`; its CallSid. A 429 is tried again for up to
        RETRY_SECONDS; past that the CarrierBusy goes to the dialer (Carrier.Busy)."""
        target = spec.targets[index]
        caller = self.caller_for(spec.caller or None, target.e164, spec.call_id)
        params = [
            ("To", target.e164),
            ("From", caller),
            ("Url", self.url(dials.ANSWER, spec.call_id, spec.key, index)),
            ("Method", "POST"),
            ("StatusCallback", self.url(dials.STATUS, spec.call_id, spec.key, index)),
            ("StatusCallbackMethod", "POST"),
            ("Timeout", str(spec.ring_seconds)),
            *self._detection(spec, index),
        ]
        created = retries.while_busy(
            lambda: self.rest.post("Calls.json", params),
            self.clock() + RETRY_SECONDS,
            self.clock,
            self.sleep,
        )
        sid = str(created.get("sid") or "")
        if not sid:
            raise CarrierError("Calls.create answered without a sid")
        log.info("call %s attempt %s: placed (%s)", spec.call_id, spec.key, sid)
        return sid

    def _detection(self, spec: Spec, index: int) -> list[tuple[str, str]]:
        """Answering-machine detection (docs/twilio.md): a blast's message waits for the
        machine's beep (DetectMessageEnd, asynchronous: a person hears it at once); a leg
        asked to press 1 hears its question while detection runs (Enable, asynchronous);
        a leg that must be a person and is asked nothing is put through once detection
        says so (Enable, synchronous). Machines accepted, or disableAMD: no detection."""
        if not spec.detect_machine:
            return []
        amd = self.url(dials.AMD, spec.call_id, spec.key, index)
        asynchronous = [
            ("AsyncAmd", "true"),
            ("AsyncAmdStatusCallback", amd),
            ("AsyncAmdStatusCallbackMethod", "POST"),
        ]
        if spec.role == "recipient":
            return [("MachineDetection", "DetectMessageEnd"), *asynchronous]
        if spec.accept_machine:
            return []
        if spec.ask_for_one:
            return [("MachineDetection", "Enable"), *asynchronous]
        return [("MachineDetection", "Enable")]

    def _bridge(self, dial: Dial) -> Outcome | None:
        """The next leg, bridged to the answered one: its call is sent to TwiML that
        <Dial>s the new numbers (hooks.py, BRIDGE)."""
        _call_id, sid = parse_reference(dial.bridge_to or "")
        try:
            self.redirect(sid, self.url(dials.BRIDGE, dial.call_id, dial.key))
        except Gone:
            # The answered leg hung up meanwhile: nobody to bridge to, nobody rung.
            log.info("call %s attempt %s: the held leg is gone", dial.call_id, dial.key)
            return unanswered(dial.targets, [FAILED] * len(dial.targets))
        return None

    def redirect(self, sid: str, url: str) -> None:
        """A live call goes on with the TwiML at `url`."""
        self.rest.post(f"Calls/{sid}.json", [("Url", url), ("Method", "POST")])

    def watch(self, reference_: str, token: str) -> int | None:
        call_id, _sid = parse_reference(reference_)
        return self.board.watch(call_id, token)

    def hang_up(self, reference_: str) -> None:
        _call_id, sid = parse_reference(reference_)
        self.end_call(sid)

    def end_call(self, sid: str) -> None:
        """Status=completed ends a call ringing or in progress (best effort)."""
        retries.hang_up(
            lambda: self.rest.post(f"Calls/{sid}.json", [("Status", "completed")]),
            sid,
            self.sleep,
        )

    # -- pacing ---------------------------------------------------------------------------

    def schedule(self, count: int) -> None:
        """No plan of the adapter's own: workflows/pacing.py plans every carrier's blasts."""

    # -- audio ----------------------------------------------------------------------------

    def prepare(self, announcement: dict, text: str | None = None) -> dict:
        return announcement  # <Play> takes the mp3 as it is

    # -- conference rooms -------------------------------------------------------------------

    def open_room(self, name: str) -> str:
        # The <Conference> name: made when the first leg joins; no personal data in it.
        return f"ocp-{self.stage}-{name}"

    def close_room(self, room: str) -> None:
        try:
            found = self.rest.get(
                "Conferences.json", [("FriendlyName", room), ("Status", "in-progress")]
            )
            for conference in found.get("conferences") or []:
                self.rest.post(f"Conferences/{conference['sid']}.json", [("Status", "completed")])
        except CarrierError as e:  # Gone: it ended by itself (nobody left)
            log.info("conference %s not ended: %s", room, e)
