"""The TwiML each stage of a Twilio leg hears (twilio/stages.py decides which): the
rendering half of the webhooks, no state read or written. `Pages(url, presign)`: `url`
makes a webhook's URL (TwilioCarrier.url), `presign` an audio key's presigned GET."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass

from chalicelib.telephony.spec import Spec
from chalicelib.telephony.twilio import dials
from chalicelib.telephony.twilio import twiml as t
from chalicelib.telephony.twilio.adapter import MAX_DIAL_NUMBERS, PIN_PAUSE

HOLD_SECONDS = 30  # a held leg waits in <Pause>s of this length (a webhook each)
GATHER_SECONDS = 5
EMPTY = t.response()
HANG_UP = t.response(t.verb("Hangup"))


@dataclass(frozen=True)
class Pages:
    url: Callable[..., str]  # (step, call_id, key, index=0) -> the webhook's URL
    presign: Callable[[str], str]

    def _to(self, step: str, spec: Spec, index: int = 0) -> str:
        return self.url(step, spec.call_id, spec.key, index)

    def plays(self, *keys: str) -> list[ET.Element]:
        return [t.verb("Play", self.presign(k)) for k in keys if k]

    def wait_briefly(self, spec: Spec, index: int) -> str:
        """A number answered and not yet decided (another webhook is deciding): a second
        of silence, then its stage again."""
        again = t.verb("Redirect", self._to(dials.HOLD, spec, index), method="POST")
        return t.response(t.verb("Pause", length=1), again)

    def press_one(self, spec: Spec, index: int, then: str) -> str:
        """The announcement and the press-1 prompt in a <Gather>; its digit (or none) to
        the step `then`."""
        return t.response(
            t.verb(
                "Gather",
                None,
                *self.plays(spec.announcement, spec.prompt),
                numDigits=1,
                timeout=GATHER_SECONDS,
                action=self._to(then, spec, index),
                method="POST",
                actionOnEmptyResult=True,
            )
        )

    def announcement(self, spec: Spec, index: int) -> str:
        accept = self._to(dials.ACCEPT, spec, index)
        return t.response(*self.plays(spec.announcement), t.verb("Redirect", accept, method="POST"))

    def pin(self, spec: Spec, index: int) -> str:
        sent = self._to(dials.READY, spec, index)
        return t.response(
            t.verb("Play", None, digits=PIN_PAUSE + spec.digits),
            t.verb("Redirect", sent, method="POST"),
        )

    def message(self, spec: Spec, index: int) -> str:
        """A blast's message; with allowCallback, in a <Gather> offering the callback; with
        an opt-out digit (issue 27), in a <Gather> for it (after the audio's prompt)."""
        if not spec.callback and not spec.opt_out:
            return self.message_only(spec)
        offer = t.verb(
            "Gather",
            None,
            *self.plays(
                spec.announcement, spec.opt_out_prompt, spec.prompt if spec.callback else ""
            ),
            numDigits=1,
            timeout=GATHER_SECONDS,
            action=self._to(dials.CALLBACK, spec, index),
            method="POST",
        )
        return t.response(offer, t.verb("Hangup"))

    def message_only(self, spec: Spec) -> str:
        return t.response(*self.plays(spec.announcement), t.verb("Hangup"))

    def opted_out(self, spec: Spec) -> str:
        """issue 27: the recipient pressed the opt-out digit: thanked, hung up."""
        return t.response(*self.plays(spec.thanks), t.verb("Hangup"))

    def callback(self, spec: Spec) -> str:
        """A blast recipient pressed 1: put through to the originator."""
        number = t.verb("Number", spec.callback)
        return t.response(
            t.verb("Dial", None, number, callerId=spec.caller, timeout=spec.ring_seconds)
        )

    def up(self, spec: Spec, index: int, first: bool = False) -> str:
        """Answered as required: in its conference room, or held for the next leg."""
        if spec.room:
            conference = t.verb(
                "Conference",
                spec.room,
                startConferenceOnEnter=True,
                endConferenceOnExit=False,
                beep=False,
            )
            return t.response(t.verb("Dial", None, conference))
        return self.hold(spec, index, first=first)

    def hold(self, spec: Spec, index: int, first: bool) -> str:
        """Waiting for the next leg: the hold message once, then silence, a webhook every
        HOLD_SECONDS (the redirect of the bridge interrupts it)."""
        again = self._to(dials.HOLD, spec, index)
        plays = self.plays(spec.hold) if first else []
        return t.response(
            *plays, t.verb("Pause", length=HOLD_SECONDS), t.verb("Redirect", again, method="POST")
        )

    def bridge(self, spec: Spec) -> str:
        """The next leg: a <Dial> of its numbers, each screened when it answers."""
        numbers = [
            t.verb(
                "Number",
                target.e164,
                url=self._to(dials.SCREEN, spec, n),
                method="POST",
                sendDigits=PIN_PAUSE + spec.digits if spec.digits else None,
            )
            for n, target in enumerate(spec.targets[:MAX_DIAL_NUMBERS])
        ]
        return t.response(
            t.verb(
                "Dial",
                None,
                *numbers,
                action=self._to(dials.DIALED, spec),
                method="POST",
                timeout=spec.ring_seconds,
                callerId=spec.caller,
            )
        )
