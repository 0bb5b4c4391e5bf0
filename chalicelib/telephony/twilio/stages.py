"""The stages of a Twilio leg as a state machine (twilio/hooks.py has the diagram): each
webhook step moves its number's `Stage` with a conditional write (store.legs) first, and a
step that finds the move made answers the TwiML of the stage reached (twilio/pages.py),
changing nothing. Reports go through the core (telephony/reporting.py)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

from chalicelib.store.legs import Kept
from chalicelib.telephony import (
    DECLINED,
    MACHINE,
    NO_ANSWER,
    SUCCESS,
    CarrierError,
    Outcome,
    opt_out,
    unanswered,
)
from chalicelib.telephony import attempts as attempts_of
from chalicelib.telephony.reporting import Reporter
from chalicelib.telephony.spec import Spec
from chalicelib.telephony.twilio import dials
from chalicelib.telephony.twilio.adapter import TwilioCarrier, reference
from chalicelib.telephony.twilio.pages import EMPTY, HANG_UP, Pages
from chalicelib.telephony.twilio.status import is_machine, result_of, seconds_of

log = logging.getLogger(__name__)


class Stage(StrEnum):
    """A number's stage as store.legs keeps it (none yet: ringing)."""

    ANSWERED = "answered"  # answered, a webhook deciding
    ASKING = "asking"  # the announcement and "press 1"
    ANNOUNCING = "announcing"  # the announcement only
    OUTPULSING = "outpulsing"  # a PIN sent
    UP = "up"  # reported Success: in its room, held, or hearing a blast's message
    AFTER_BEEP = "after-beep"  # a machine hears the blast's message again
    DONE = "done"
    WON = "won"  # a bridged number put through
    DECLINED = "declined"  # a bridged number that did not press 1


RINGING = (None,)
ANSWERING = (Stage.ANSWERED, Stage.ASKING, Stage.ANNOUNCING, Stage.OUTPULSING)
FINAL = frozenset({"completed", "busy", "no-answer", "failed", "canceled"})
REPORTED = "reported"  # store.legs flag: the bridged leg's dial was reported


class Legs(Protocol):
    """store.legs, as the stages use it."""

    def kept(self, call_id: int, key: str) -> Kept | None: ...

    def move(
        self, call_id: int, key: str, index: int, to: str, frm: tuple[str | None, ...]
    ) -> bool: ...

    def once(self, call_id: int, key: str, flag: str) -> bool: ...


@dataclass(frozen=True)
class Step:
    """One webhook: its step (dials.STEPS), the dial and number it is for, its form."""

    name: str
    call_id: int
    key: str
    index: int
    params: dict[str, str]

    def param(self, name: str) -> str:
        return self.params.get(name, "")


@dataclass
class Stages:
    carrier: TwilioCarrier
    reports: Reporter
    pages: Pages

    @property
    def bridged(self) -> Bridged:
        return Bridged(self)

    @property
    def legs(self) -> Legs:
        legs: Legs = self.carrier.legs
        return legs

    def handle(self, step: Step) -> str:
        kept = self.legs.kept(step.call_id, step.key)
        if kept is None:
            # Not a dial of ours (or its call is gone): hang up, change nothing.
            log.warning("webhook %s for an unknown dial: hung up", step.name)
            return HANG_UP if step.name != dials.STATUS else EMPTY
        spec = Spec.from_dict(kept.spec)
        steps: dict[str, Callable[[Step, Spec, Kept], str]] = {
            dials.ANSWER: self.answer,
            dials.STATUS: self.status,
            dials.AMD: self.machine_detected,
            dials.GATHER: self.gathered,
            dials.ACCEPT: self.announced,
            dials.READY: self.pin_sent,
            dials.HOLD: self.holding,
            dials.MESSAGE: self.message_after_beep,
            dials.CALLBACK: self.callback,
            dials.BRIDGE: self.bridged.bridge,
            dials.SCREEN: self.bridged.screen,
            dials.SCREENED: self.bridged.screened,
            dials.DIALED: self.bridged.dialed,
        }
        return steps[step.name](step, spec, kept)

    def move(self, step: Step, to: Stage, from_stages: tuple[Stage | None, ...]) -> bool:
        return bool(
            self.legs.move(
                step.call_id,
                step.key,
                step.index,
                to.value,
                tuple(None if s is None else s.value for s in from_stages),
            )
        )

    def _report(self, step: Step, spec: Spec, kept: Kept, result: str, alive: bool = False) -> bool:
        return self.reports.leg(
            spec.dial(kept.token),
            step.index,
            result,
            reference(spec.call_id, step.param("CallSid")),
            end_leg=self.carrier.end_call,
            alive=alive,
        )

    def _end(self, step: Step) -> str:
        self.move(step, Stage.DONE, (*ANSWERING, None))
        return HANG_UP

    # -- leg A ------------------------------------------------------------------------------

    def answer(self, step: Step, spec: Spec, kept: Kept) -> str:
        if step.index >= len(spec.targets) or not self.move(step, Stage.ANSWERED, RINGING):
            return self.current(step, spec)
        dial = spec.dial(kept.token)
        if self.reports.another_won(dial, step.index):
            return self._end(step)  # another number of the try-all won
        alive = self.reports.too_late(dial, step.index)
        if alive is None:
            return self._end(step)  # the dial timed out or the call ended: a late answer
        machine = is_machine(step.param("AnsweredBy"))
        if machine and spec.detect_machine and not spec.accept_machine:
            self._report(step, spec, kept, MACHINE, alive)
            return self._end(step)
        if spec.role == "recipient":
            # Answered is enough (person or machine): reported now, then the message.
            if not self._report(step, spec, kept, SUCCESS, alive):
                return self._end(step)
            self.move(step, Stage.UP, (Stage.ANSWERED,))
            return self.pages.message(spec, step.index)
        if spec.ask_for_one:
            self.move(step, Stage.ASKING, (Stage.ANSWERED,))
            return self.pages.press_one(spec, step.index, dials.GATHER)
        if spec.announcement:
            self.move(step, Stage.ANNOUNCING, (Stage.ANSWERED,))
            return self.pages.announcement(spec, step.index)
        return self._accepted(step, spec, kept, alive)

    def _accepted(self, step: Step, spec: Spec, kept: Kept, alive: bool = False) -> str:
        """Leg A accepted the call (pressed 1, or answering was enough)."""
        if spec.digits and self.move(step, Stage.OUTPULSING, ANSWERING):
            return self.pages.pin(spec, step.index)
        return self._answered_as_required(step, spec, kept, alive)

    def _answered_as_required(self, step: Step, spec: Spec, kept: Kept, alive: bool) -> str:
        """Report Success, then the room or the hold."""
        if not self._report(step, spec, kept, SUCCESS, alive):
            return self._end(step)
        self.move(step, Stage.UP, ANSWERING)
        return self.pages.up(spec, step.index, first=True)

    def gathered(self, step: Step, spec: Spec, kept: Kept) -> str:
        if not self.move(step, Stage.ANSWERED, (Stage.ASKING,)):
            return self.current(step, spec)  # a repeated request, or detection came first
        if step.param("Digits") == "1":
            return self._accepted(step, spec, kept)
        self._report(step, spec, kept, DECLINED)
        return self._end(step)

    def announced(self, step: Step, spec: Spec, kept: Kept) -> str:
        if not self.move(step, Stage.ANSWERED, (Stage.ANNOUNCING,)):
            return self.current(step, spec)
        return self._accepted(step, spec, kept)

    def pin_sent(self, step: Step, spec: Spec, kept: Kept) -> str:
        if not self.move(step, Stage.ANSWERED, (Stage.OUTPULSING,)):
            return self.current(step, spec)
        return self._answered_as_required(step, spec, kept, False)

    def holding(self, step: Step, spec: Spec, kept: Kept) -> str:
        if spec.bridged:
            # Held after a <Dial> that put nobody through: until the next dial redirects
            # the call, or the release hangs it up.
            return self.pages.hold(spec, step.index, first=False)
        return self.current(step, spec, kept)  # read just now: no second read

    def machine_detected(self, step: Step, spec: Spec, kept: Kept) -> str:
        answered_by = step.param("AnsweredBy")
        if not is_machine(answered_by):
            return EMPTY
        if spec.role == "recipient":
            # The message started while detection ran: a machine hears it again from the
            # start once its greeting is over, so that the recording holds all of it.
            # (Answered: the answer's webhook is still reporting; it plays the message.)
            if answered_by.startswith("machine_end") and self.move(
                step, Stage.AFTER_BEEP, (Stage.ANSWERED, Stage.UP)
            ):
                self._redirect(step, dials.MESSAGE)
            return EMPTY
        if spec.accept_machine:
            return EMPTY
        # A machine on a leg that must be a person, still being asked: Machine.
        if self.move(step, Stage.DONE, (Stage.ANSWERED, Stage.ASKING, Stage.ANNOUNCING)):
            self._report(step, spec, kept, MACHINE)
            sid = step.param("CallSid")
            if sid:
                self.carrier.end_call(sid)
        return EMPTY

    def message_after_beep(self, step: Step, spec: Spec, kept: Kept) -> str:
        return self.pages.message_only(spec)

    def callback(self, step: Step, spec: Spec, kept: Kept) -> str:
        """A blast recipient pressed 1 (allowCallback): put through to the originator; or
        its blast's opt-out digit (issue 27): OptedOut, thanked, hung up."""
        if spec.opt_out and step.param("Digits") == spec.opt_out:
            target = spec.targets[min(step.index, len(spec.targets) - 1)]
            opt_out.record(step.call_id, step.key, target.number, target.e164)
            return self.pages.opted_out(spec)
        if step.param("Digits") != "1" or not spec.callback:
            return HANG_UP
        return self.pages.callback(spec)

    def status(self, step: Step, spec: Spec, kept: Kept) -> str:
        """The call's end (its status callback): how a number that was never put through
        went, or how long a connected call lasted."""
        status = step.param("CallStatus")
        if status not in FINAL or step.index >= len(spec.targets):
            return EMPTY
        stage = kept.stages.get(step.index)
        if stage is None and self.move(step, Stage.DONE, RINGING):
            result = result_of(status) if status != "completed" else NO_ANSWER
            self._report(step, spec, kept, result)
        elif stage in ANSWERING and self.move(step, Stage.DONE, ANSWERING):
            # Answered, then gone before the call was put through.
            self._report(step, spec, kept, DECLINED)
        elif stage in (Stage.UP, Stage.AFTER_BEEP) and self.move(
            step, Stage.DONE, (Stage.UP, Stage.AFTER_BEEP)
        ):
            self.reports.ended(spec.call_id, seconds_of(step.param("CallDuration")))
        return EMPTY

    # -- a repeated webhook ---------------------------------------------------------------

    def current(self, step: Step, spec: Spec, kept: Kept | None = None) -> str:
        """What a number at its stage hears (a repeated webhook gets it again); `kept`: the
        dial as read in this request, else read again (a conditional move just failed)."""
        found = kept or self.legs.kept(step.call_id, step.key)
        at = None if found is None else found.stages.get(step.index)
        pages: dict[Any, Callable[[], str]] = {
            Stage.ASKING: lambda: self.pages.press_one(spec, step.index, dials.GATHER),
            Stage.ANNOUNCING: lambda: self.pages.announcement(spec, step.index),
            Stage.OUTPULSING: lambda: self.pages.pin(spec, step.index),
            Stage.UP: lambda: (
                self.pages.message(spec, step.index)
                if spec.role == "recipient"
                else self.pages.up(spec, step.index)
            ),
            Stage.AFTER_BEEP: lambda: self.pages.message_only(spec),
            Stage.ANSWERED: lambda: self.pages.wait_briefly(spec, step.index),
        }
        page = pages.get(at)
        return page() if page is not None else HANG_UP

    def _redirect(self, step: Step, name: str) -> None:
        sid = step.param("CallSid")
        if sid:
            try:
                self.carrier.redirect(
                    sid, self.carrier.url(name, step.call_id, step.key, step.index)
                )
            except CarrierError as e:
                log.info("call %s: not redirected: %s", step.call_id, e)


@dataclass
class Bridged:
    """The leg bridged to leg A: a <Dial> of its numbers from leg A's call, each screened
    when it answers; the first put through wins."""

    stages: Stages

    def bridge(self, step: Step, spec: Spec, kept: Kept) -> str:
        return self.stages.pages.bridge(spec)

    def screen(self, step: Step, spec: Spec, kept: Kept) -> str:
        if not spec.screened:
            return self._put_through(step, spec, kept)
        return self.stages.pages.press_one(spec, step.index, dials.SCREENED)

    def screened(self, step: Step, spec: Spec, kept: Kept) -> str:
        if step.param("Digits") == "1":
            return self._put_through(step, spec, kept)
        # Declined: this number is hung up; the others of the <Dial> ring on.
        self.stages.move(step, Stage.DECLINED, RINGING)
        return HANG_UP

    def _put_through(self, step: Step, spec: Spec, kept: Kept) -> str:
        """The first number of the <Dial> accepted: report the dial, then bridge."""
        if not self.stages.legs.once(spec.call_id, spec.key, Stage.WON.value):
            return HANG_UP  # another number won (or a repeat)
        self.stages.move(step, Stage.WON, RINGING)
        tried = [
            SUCCESS
            if n == step.index
            else (DECLINED if kept.stages.get(n) == Stage.DECLINED else NO_ANSWER)
            for n in range(len(spec.targets))
        ]
        parent = step.param("ParentCallSid") or step.param("CallSid")
        outcome = Outcome(
            SUCCESS,
            attempts_of(spec.targets, tried),
            answered=spec.targets[step.index].number,
            reference=reference(spec.call_id, parent),
        )
        if not self.stages.reports.send(spec.dial(kept.token), outcome):
            return HANG_UP
        return EMPTY

    def dialed(self, step: Step, spec: Spec, kept: Kept) -> str:
        """The <Dial> is over: the conversation ended, or nobody was put through."""
        if Stage.WON.value in kept.flags:
            self.stages.reports.ended(spec.call_id, seconds_of(step.param("DialCallDuration")))
            return HANG_UP
        if self.stages.legs.once(spec.call_id, spec.key, REPORTED):
            status = step.param("DialCallStatus")
            tried = [
                DECLINED
                if kept.stages.get(n) == Stage.DECLINED
                else (result_of(status) if len(spec.targets) == 1 else NO_ANSWER)
                for n in range(len(spec.targets))
            ]
            self.stages.reports.send(spec.dial(kept.token), unanswered(spec.targets, tried))
        # Leg A waits again: for the next number of the hunt, or to be released.
        return self.stages.pages.hold(spec, step.index, first=False)
