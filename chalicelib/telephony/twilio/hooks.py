"""The webhooks of a Twilio-compatible carrier: each step of a call in (a signed form
POST to `/twilio/{step}/{callId}/{key}/{index}`, dials.py), its TwiML out, and each dial's
Outcome reported to its task token through the dialer's report functions, so the state
machine does not know which carrier ran (DESIGN.md "Telephony").

Leg A (a call of its own, Calls.create), per number:

    ringing --answer--> asking (announcement + <Gather> "press 1") --1--> accepted
                        announcing (announcement, <Redirect> accept) ----> accepted
            --status busy/no-answer/failed/canceled--> Busy / NoAnswer / Failed (reported)
    accepted -> outpulsing (<Play digits> a PIN, <Redirect> ready) -> up: reported Success,
             then in its <Conference>, or held (<Pause>/<Redirect> hold) for the next leg
    a blast recipient: answered -> up: reported Success, its message in a <Gather> (the
             callback offer), a machine's message again after the beep (amd -> message)
    up --status completed--> the seconds it lasted, to the watch task (store.rendezvous)

The leg bridged to it (the next dial, bridge_to): leg A's call is redirected to `bridge`,
a <Dial> of up to 10 <Number>s; each number that answers runs `screen` (<Number url>):
"press 1" when it must be a person (asked, or several numbers ringing: a voicemail must
not win), else put through at once. The first to be put through wins (reported Success);
one that declines is hung up and the others ring on until the <Dial>'s timeout. The
<Dial>'s action (`dialed`) reports the results when nobody was put through (leg A is held
again, for the next number of the hunt or the release), or the end of the conversation.

Answering machines: `amd` (asynchronous detection) reports Machine for a leg that must be
a person and has not answered the question yet; a leg asked nothing that must be a person
is answered with Twilio's synchronous result (AnsweredBy on `answer`).

Twilio retries a webhook it got no answer from (15 s): every step moves its number's
stage with a conditional write (store.legs) first, and a step that finds the move made
answers the TwiML of the stage reached, changing nothing. A status callback for a call we
do not know, or a late one, changes nothing. A PIN and a task token are never logged.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from chalicelib import clock, logs, settings
from chalicelib.imports import on_first_use
from chalicelib.providers.twilio import account, signature
from chalicelib.store import rendezvous
from chalicelib.telephony import (
    BUSY,
    DECLINED,
    FAILED,
    MACHINE,
    NO_ANSWER,
    SUCCESS,
    CarrierError,
    Outcome,
    attempts,
    unanswered,
)
from chalicelib.telephony.reporting import Reporter
from chalicelib.telephony.twilio import dials
from chalicelib.telephony.twilio import twiml as t
from chalicelib.telephony.twilio.adapter import (
    MAX_DIAL_NUMBERS,
    PIN_PAUSE,
    TwilioCarrier,
    reference,
)
from chalicelib.telephony.twilio.dials import Spec

log = logging.getLogger(__name__)

# Stages of a number (store.legs).
ANSWERED, ASKING, ANNOUNCING, OUTPULSING = "answered", "asking", "announcing", "outpulsing"
UP, AFTER_BEEP, DONE = "up", "after-beep", "done"
ANSWERING = (ANSWERED, ASKING, ANNOUNCING, OUTPULSING)  # answered, not yet decided
RINGING = (None,)
# A bridged number's stages.
WON, DECLINED_STAGE = "won", "declined"
HOLD_SECONDS = 30  # a held leg waits in <Pause>s of this length (a webhook each)
GATHER_SECONDS = 5
# CallStatus / DialCallStatus of a number nobody put through.
_STATUS = {"busy": BUSY, "no-answer": NO_ANSWER, "failed": FAILED, "canceled": NO_ANSWER}
FINAL = frozenset({"completed", "busy", "no-answer", "failed", "canceled"})
EMPTY = t.response()


def result_of(status: str) -> str:
    """The result of a number that was not put through, from Twilio's status."""
    return _STATUS.get(status, DECLINED if status in ("completed", "answered") else FAILED)


def is_machine(answered_by: str) -> bool:
    return answered_by.startswith("machine") or answered_by == "fax"


@dataclass(frozen=True)
class Step:
    name: str
    call_id: int
    key: str
    index: int
    params: dict[str, str]

    def param(self, name: str) -> str:
        return self.params.get(name, "")


@dataclass
class Handler:
    carrier: TwilioCarrier
    dialer: Any  # workflows.dialer.Dialer: report_dial, report_end, and its tasks
    # The keys a genuine webhook may be signed with (account.webhook_keys: the current
    # one, and the previous auth token during a rotation); called with refreshed=True
    # when a signature matches none of them, in case the secret was rotated meanwhile.
    signing_keys: Callable[..., tuple[str, ...]]
    header: str = signature.TWILIO_HEADER
    presign: Callable[[str], str] = lambda key: _presign(key)
    board: Any = None  # store.rendezvous
    now: Callable[[], int] = clock.now

    def __post_init__(self) -> None:
        if self.board is None:
            self.board = rendezvous

    @property
    def reports(self) -> Reporter:
        return Reporter(self.dialer, self.board)

    @property
    def legs(self) -> Any:
        return self.carrier.legs

    # -- the request ---------------------------------------------------------------------

    def respond(self, path: dict[str, str], headers: Any, body: bytes) -> tuple[int, str]:
        """(HTTP status, TwiML) for one webhook request. The signature is checked over the
        URL Twilio called (OCP_PUBLIC_BASE_URL + the path) and the exact form before
        anything is read or written: 403 otherwise."""
        step = path.get("step", "")
        try:
            call_id, index = int(path.get("call", "")), int(path.get("index", ""))
            params = signature.form(body)
        except ValueError:
            return 403, ""
        key = path.get("key", "")
        url = self.carrier.public_base_url + dials.path(step, call_id, key, index)
        if not self.signed(url, params, headers.get(self.header)):
            log.warning("webhook %s refused: bad or missing signature", step)
            return 403, ""
        if step not in dials.STEPS:
            return 404, ""
        with logs.scope(callId=call_id):
            return 200, self.handle(Step(step, call_id, key, index, dict(params)))

    def signed(self, url: str, params: list[tuple[str, str]], given: str | None) -> bool:
        """Signed with any key of the secret, or of the secret read again now
        (signature.signed_by_any)."""
        return signature.signed_by_any(self.signing_keys, url, params, given)

    def handle(self, step: Step) -> str:
        kept = self.legs.kept(step.call_id, step.key)
        if kept is None:
            # Not a dial of ours (or its call is gone): hang up, change nothing.
            log.warning("webhook %s for an unknown dial: hung up", step.name)
            return t.response(t.verb("Hangup")) if step.name != dials.STATUS else EMPTY
        spec = Spec.from_dict(kept.spec)
        handler = {
            dials.ANSWER: self._answer,
            dials.STATUS: self._status,
            dials.AMD: self._amd,
            dials.GATHER: self._gather,
            dials.ACCEPT: self._accept,
            dials.READY: self._ready_step,
            dials.HOLD: self._hold,
            dials.MESSAGE: self._message_again,
            dials.CALLBACK: self._callback,
            dials.BRIDGE: self._bridge,
            dials.SCREEN: self._screen,
            dials.SCREENED: self._screened,
            dials.DIALED: self._dialed,
        }[step.name]
        return handler(step, spec, kept)

    def _move(self, step: Step, to: str, frm: tuple[str | None, ...]) -> bool:
        return bool(self.legs.move(step.call_id, step.key, step.index, to, frm))

    # -- leg A ------------------------------------------------------------------------------

    def _answer(self, step: Step, spec: Spec, kept: Any) -> str:
        if step.index >= len(spec.targets) or not self._move(step, ANSWERED, RINGING):
            return self._current(step, spec)
        dial = spec.dial(kept.token)
        if self.reports.another_won(dial, step.index):
            return self._end(step)  # another number of the try-all won
        found = self.reports.too_late(dial, step.index)
        if found is None:
            # The dial timed out (recorded NoAnswer) or the call ended: a late answer.
            return self._end(step)
        alive = found
        machine = is_machine(step.param("AnsweredBy"))
        if machine and spec.detect_machine and not spec.accept_machine:
            self._report(step, spec, kept.token, MACHINE, alive)
            return self._end(step)
        if spec.role == "recipient":
            # Answered is enough (person or machine): reported now, then the message.
            if not self._report(step, spec, kept.token, SUCCESS, alive):
                return self._end(step)
            self._move(step, UP, (ANSWERED,))
            return self._message(step, spec)
        if spec.ask_for_one:
            self._move(step, ASKING, (ANSWERED,))
            return self._question(step, spec)
        if spec.announcement:
            self._move(step, ANNOUNCING, (ANSWERED,))
            return self._announced(step, spec)
        return self._accepted(step, spec, kept, alive)

    def _accepted(self, step: Step, spec: Spec, kept: Any, alive: bool = False) -> str:
        """Leg A accepted the call (pressed 1, or answering was enough)."""
        if spec.digits and self._move(step, OUTPULSING, ANSWERING):
            return self._pin(step, spec)
        return self._ready(step, spec, kept, alive)

    def _ready(self, step: Step, spec: Spec, kept: Any, alive: bool = False) -> str:
        """Answered as the dial requires: report Success, then the room or the hold."""
        if not self._report(step, spec, kept.token, SUCCESS, alive):
            return self._end(step)
        self._move(step, UP, ANSWERING)
        return self._up(step, spec, first=True)

    def _gather(self, step: Step, spec: Spec, kept: Any) -> str:
        if not self._move(step, ANSWERED, (ASKING,)):
            return self._current(step, spec)  # a repeated request, or detection came first
        if step.param("Digits") == "1":
            return self._accepted(step, spec, kept)
        self._report(step, spec, kept.token, DECLINED)
        return self._end(step)

    def _accept(self, step: Step, spec: Spec, kept: Any) -> str:
        if not self._move(step, ANSWERED, (ANNOUNCING,)):
            return self._current(step, spec)
        return self._accepted(step, spec, kept)

    def _ready_step(self, step: Step, spec: Spec, kept: Any) -> str:
        if not self._move(step, ANSWERED, (OUTPULSING,)):
            return self._current(step, spec)
        return self._ready(step, spec, kept)

    def _hold(self, step: Step, spec: Spec, kept: Any) -> str:
        if spec.bridged:
            # Held after a <Dial> that put nobody through: until the next dial redirects
            # the call, or the release hangs it up.
            return self._held(spec, first=False, step=step)
        return self._current(step, spec, kept)  # read just now: no second read

    def _amd(self, step: Step, spec: Spec, kept: Any) -> str:
        answered_by = step.param("AnsweredBy")
        if not is_machine(answered_by):
            return EMPTY
        if spec.role == "recipient":
            # The message started while detection ran: a machine hears it again from the
            # start once its greeting is over, so that the recording holds all of it.
            # (Answered: the answer's webhook is still reporting; it plays the message.)
            if answered_by.startswith("machine_end") and self._move(
                step, AFTER_BEEP, (ANSWERED, UP)
            ):
                self._redirect(step, dials.MESSAGE)
            return EMPTY
        if spec.accept_machine:
            return EMPTY
        # A machine on a leg that must be a person, still being asked: Machine.
        if self._move(step, DONE, (ANSWERED, ASKING, ANNOUNCING)):
            self._report(step, spec, kept.token, MACHINE)
            sid = step.param("CallSid")
            if sid:
                self.carrier.end_call(sid)
        return EMPTY

    def _message_again(self, step: Step, spec: Spec, kept: Any) -> str:
        return t.response(*self._plays(spec.announcement), t.verb("Hangup"))

    def _callback(self, step: Step, spec: Spec, kept: Any) -> str:
        """A blast recipient pressed 1 (allowCallback): put through to the originator."""
        if step.param("Digits") != "1" or not spec.callback:
            return t.response(t.verb("Hangup"))
        return t.response(
            t.verb(
                "Dial",
                None,
                t.verb("Number", spec.callback),
                callerId=spec.caller,
                timeout=spec.ring_seconds,
            )
        )

    def _status(self, step: Step, spec: Spec, kept: Any) -> str:
        """The call's end (its status callback): how a number that was never put through
        went, or how long a connected call lasted."""
        status = step.param("CallStatus")
        if status not in FINAL or step.index >= len(spec.targets):
            return EMPTY
        stage = kept.stages.get(step.index)
        if stage is None and self._move(step, DONE, RINGING):
            self._report(
                step, spec, kept.token, result_of(status) if status != "completed" else NO_ANSWER
            )
        elif stage in ANSWERING and self._move(step, DONE, ANSWERING):
            # Answered, then gone before the call was put through.
            self._report(step, spec, kept.token, DECLINED)
        elif stage in (UP, AFTER_BEEP) and self._move(step, DONE, (UP, AFTER_BEEP)):
            self._ended(spec, _seconds(step.param("CallDuration")))
        return EMPTY

    # -- the leg bridged to leg A --------------------------------------------------------

    def _bridge(self, step: Step, spec: Spec, kept: Any) -> str:
        numbers = [
            t.verb(
                "Number",
                target.e164,
                url=self.carrier.url(dials.SCREEN, spec.call_id, spec.key, n),
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
                action=self.carrier.url(dials.DIALED, spec.call_id, spec.key),
                method="POST",
                timeout=spec.ring_seconds,
                callerId=spec.caller,
            )
        )

    def _screen(self, step: Step, spec: Spec, kept: Any) -> str:
        if not spec.screened:
            return self._put_through(step, spec, kept)
        return self._press_one(step, spec, dials.SCREENED)

    def _screened(self, step: Step, spec: Spec, kept: Any) -> str:
        if step.param("Digits") == "1":
            return self._put_through(step, spec, kept)
        # Declined: this number is hung up; the others of the <Dial> ring on.
        self._move(step, DECLINED_STAGE, RINGING)
        return t.response(t.verb("Hangup"))

    def _put_through(self, step: Step, spec: Spec, kept: Any) -> str:
        """The first number of the <Dial> accepted: report the dial, then bridge."""
        if not self.legs.once(spec.call_id, spec.key, WON):
            return t.response(t.verb("Hangup"))  # another number won (or a repeat)
        self._move(step, WON, RINGING)
        tried = [
            SUCCESS
            if n == step.index
            else (DECLINED if kept.stages.get(n) == DECLINED_STAGE else NO_ANSWER)
            for n in range(len(spec.targets))
        ]
        parent = step.param("ParentCallSid") or step.param("CallSid")
        outcome = Outcome(
            SUCCESS,
            attempts(spec.targets, tried),
            answered=spec.targets[step.index].number,
            reference=reference(spec.call_id, parent),
        )
        if not self.reports.send(spec.dial(kept.token), outcome):
            return t.response(t.verb("Hangup"))
        return EMPTY

    def _dialed(self, step: Step, spec: Spec, kept: Any) -> str:
        """The <Dial> is over: the conversation ended, or nobody was put through."""
        if WON in kept.flags:
            self._ended(spec, _seconds(step.param("DialCallDuration")))
            return t.response(t.verb("Hangup"))
        if self.legs.once(spec.call_id, spec.key, "reported"):
            status = step.param("DialCallStatus")
            tried = [
                DECLINED
                if kept.stages.get(n) == DECLINED_STAGE
                else (result_of(status) if len(spec.targets) == 1 else NO_ANSWER)
                for n in range(len(spec.targets))
            ]
            self.reports.send(spec.dial(kept.token), unanswered(spec.targets, tried))
        # Leg A waits again: for the next number of the hunt, or to be released.
        return self._held(spec, first=False, step=step)

    # -- TwiML of a stage -------------------------------------------------------------------

    def _current(self, step: Step, spec: Spec, kept: Any = None) -> str:
        """What a number at its stage hears (a repeated webhook gets it again); `kept`: the
        dial as read in this request, else read again (a conditional move just failed)."""
        stage = kept or self.legs.kept(step.call_id, step.key)
        at = None if stage is None else stage.stages.get(step.index)
        if at == ASKING:
            return self._question(step, spec)
        if at == ANNOUNCING:
            return self._announced(step, spec)
        if at == OUTPULSING:
            return self._pin(step, spec)
        if at == UP:
            return self._message(step, spec) if spec.role == "recipient" else self._up(step, spec)
        if at == AFTER_BEEP:
            return self._message_again(step, spec, None)
        if at == ANSWERED:
            return t.response(t.verb("Pause", length=1), self._again(step))
        return t.response(t.verb("Hangup"))

    def _again(self, step: Step) -> Any:
        return t.verb(
            "Redirect",
            self.carrier.url(dials.HOLD, step.call_id, step.key, step.index),
            method="POST",
        )

    def _question(self, step: Step, spec: Spec) -> str:
        return self._press_one(step, spec, dials.GATHER)

    def _press_one(self, step: Step, spec: Spec, then: str) -> str:
        """The announcement and the press-1 prompt in a <Gather>; its digit (or none) to `then`."""
        return t.response(
            t.verb(
                "Gather",
                None,
                *self._plays(spec.announcement, spec.prompt),
                numDigits=1,
                timeout=GATHER_SECONDS,
                action=self.carrier.url(then, spec.call_id, spec.key, step.index),
                method="POST",
                actionOnEmptyResult=True,
            )
        )

    def _announced(self, step: Step, spec: Spec) -> str:
        accept = self.carrier.url(dials.ACCEPT, spec.call_id, spec.key, step.index)
        return t.response(
            *self._plays(spec.announcement), t.verb("Redirect", accept, method="POST")
        )

    def _pin(self, step: Step, spec: Spec) -> str:
        ready = self.carrier.url(dials.READY, spec.call_id, spec.key, step.index)
        return t.response(
            t.verb("Play", None, digits=PIN_PAUSE + spec.digits),
            t.verb("Redirect", ready, method="POST"),
        )

    def _message(self, step: Step, spec: Spec) -> str:
        """A blast's message; with allowCallback, in a <Gather> offering the callback."""
        if not spec.callback:
            return t.response(*self._plays(spec.announcement), t.verb("Hangup"))
        return t.response(
            t.verb(
                "Gather",
                None,
                *self._plays(spec.announcement, spec.prompt),
                numDigits=1,
                timeout=GATHER_SECONDS,
                action=self.carrier.url(dials.CALLBACK, spec.call_id, spec.key, step.index),
                method="POST",
            ),
            t.verb("Hangup"),
        )

    def _up(self, step: Step, spec: Spec, first: bool = False) -> str:
        if spec.room:
            conference = t.verb(
                "Conference",
                spec.room,
                startConferenceOnEnter=True,
                endConferenceOnExit=False,
                beep=False,
            )
            return t.response(t.verb("Dial", None, conference))
        return self._held(spec, first=first, step=step)

    def _held(self, spec: Spec, first: bool, step: Step | None = None) -> str:
        """Waiting for the next leg: the hold message once, then silence, a webhook every
        HOLD_SECONDS (the redirect of the bridge interrupts it)."""
        hold = self.carrier.url(dials.HOLD, spec.call_id, spec.key, step.index if step else 0)
        plays = self._plays(spec.hold) if first else []
        return t.response(
            *plays, t.verb("Pause", length=HOLD_SECONDS), t.verb("Redirect", hold, method="POST")
        )

    def _plays(self, *keys: str) -> list:
        return [t.verb("Play", self.presign(k)) for k in keys if k]

    def _end(self, step: Step) -> str:
        self._move(step, DONE, (*ANSWERING, None))
        return t.response(t.verb("Hangup"))

    def _redirect(self, step: Step, name: str) -> None:
        sid = step.param("CallSid")
        if sid:
            try:
                self.carrier.redirect(
                    sid, self.carrier.url(name, step.call_id, step.key, step.index)
                )
            except CarrierError as e:
                log.info("call %s: not redirected: %s", step.call_id, e)

    # -- reporting ---------------------------------------------------------------------------

    def _ended(self, spec: Spec, seconds: int) -> None:
        self.reports.ended(spec.call_id, seconds)

    def _report(self, step: Step, spec: Spec, token: str, result: str, alive: bool = False) -> bool:
        """Report number `step.index`'s dial: its result, or, for a try-all, the race's.
        False when the number must not go on: another won, or the dial is over."""
        return self.reports.leg(
            spec.dial(token),
            step.index,
            result,
            reference(spec.call_id, step.param("CallSid")),
            end_leg=self.carrier.end_call,
            alive=alive,
        )


storage = on_first_use("chalicelib.media.storage")  # presigned audio: blasts only


def _seconds(value: str) -> int:
    try:
        return max(0, int(value))
    except ValueError:
        return 0


def _presign(key: str) -> str:
    return storage.presigned_get(key, content_type="audio/mpeg")


_handler: Handler | None = None


def default(dialer_for: Callable[[Any], Any]) -> Handler:
    """The handler with the carrier of settings and the dialer `dialer_for(carrier)` makes
    (workflows.dialer, handed down by the route: telephony never imports workflows; made
    once per process)."""
    global _handler
    if _handler is None:
        s = settings.get()
        carrier = TwilioCarrier.from_settings()
        _handler = Handler(
            carrier=carrier,
            dialer=dialer_for(carrier),
            signing_keys=account.webhook_keys,
            header=signature.HEADERS.get(s.twilio_signature, signature.TWILIO_HEADER),
        )
    return _handler
