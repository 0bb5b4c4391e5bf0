"""Leg A of a Chime call as a state machine (the stages of chime/legs.py; chime/sma.py
has the diagram): each invocation event moves the transaction's stage and answers the
SMA actions that follow (chime/actions.py); the leg bridged second is chime/bridging.py's."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from chalicelib.telephony import DECLINED, FAILED, NO_ANSWER, SUCCESS, CarrierError, opt_out
from chalicelib.telephony.chime import actions as act
from chalicelib.telephony.chime import legs, results
from chalicelib.telephony.chime.adapter import ChimeCarrier, reference
from chalicelib.telephony.chime.bridging import HOLD_MS, Bridging
from chalicelib.telephony.chime.events import Event
from chalicelib.telephony.chime.legs import Spec, Stage, State
from chalicelib.telephony.reporting import Reporter

log = logging.getLogger(__name__)

LEAD_MS = 500  # silence before the first words, while the phone reaches the ear
CALLBACK_WAIT_MS = 5_000


@dataclass
class Stages:
    carrier: ChimeCarrier
    reports: Reporter
    bucket: str
    now: Callable[[], int]

    @property
    def endings(self) -> Endings:
        return Endings(self)

    @property
    def bridging(self) -> Bridging:
        return Bridging(self.reports, self.now)

    def ignored(self, event: Event, state: State) -> list | None:
        return None

    def answered(self, event: Event, state: State) -> list | None:
        d = state.dial
        a = event.leg_a
        if state.stage != Stage.RINGING:
            return None  # a repeated event
        if self.reports.another_won(d.dial(state.token), d.index):
            state.stage = Stage.ENDED  # another number of the try-all won
            return [act.hang_up(a)]
        alive = self.reports.too_late(d.dial(state.token), d.index)
        if alive is None:
            # The dial timed out (recorded NoAnswer) or the call ended: a late answer.
            state.stage = Stage.ENDED
            return [act.hang_up(a)]
        state.alive = alive
        if d.role == "recipient":
            return self._message(event, state)
        if d.ask_for_one:
            state.stage = Stage.ASKING
            question = d.announcement or d.prompt
            return [
                act.pause(a, LEAD_MS),
                act.play_and_get_digit(a, self._audio(question), self._audio(d.prompt)),
            ]
        if d.announcement:
            state.stage = Stage.ANNOUNCING
            return [act.pause(a, LEAD_MS), act.play(a, self._audio(d.announcement))]
        return self._accepted(event, state)

    def _message(self, event: Event, state: State) -> list:
        """A blast recipient: answered is enough (person or machine); reported now, then
        the message, then the callback question or the end of the call."""
        d = state.dial
        a = event.leg_a
        if not self.report(event, state, SUCCESS):
            state.stage = Stage.ENDED
            return [act.hang_up(a)]
        state.stage, state.connected_at = Stage.PLAYING, self.now()
        out = [act.pause(a, LEAD_MS)]
        if d.opt_out:
            # issue 27: the message (and the prompt after a blast's own audio) listening
            # for the opt-out digit, and for 1 with allowCallback
            keys = d.opt_out + ("1" if d.callback else "")
            if d.announcement and d.opt_out_prompt:
                out.append(act.play(a, self._audio(d.announcement)))
            first = d.opt_out_prompt or d.announcement
            again = self._audio(d.prompt if d.callback else first)
            out.append(
                act.play_and_get_digit(
                    a, self._audio(first), again, repeat=1, wait_ms=CALLBACK_WAIT_MS, keys=keys
                )
            )
            return out
        if d.announcement:
            out.append(act.play(a, self._audio(d.announcement)))
        if d.callback:
            prompt = self._audio(d.prompt)
            out.append(
                act.play_and_get_digit(a, prompt, prompt, repeat=1, wait_ms=CALLBACK_WAIT_MS)
            )
        else:
            out.append(act.hang_up(a))
        return out

    def _accepted(self, event: Event, state: State) -> list:
        """Leg A accepted the call (pressed 1, or answering was enough)."""
        d = state.dial
        if d.digits:
            state.stage = Stage.OUTPULSING
            return [act.send_digits(event.leg_a, act.PIN_PAUSE + d.digits)]
        return self._connect(event, state)

    def _connect(self, event: Event, state: State) -> list:
        d = state.dial
        a = event.leg_a
        if d.room:
            try:
                meeting, token = self.carrier.join(d.room, d.call_id, event.transaction_id)
            except CarrierError as e:
                log.warning("call %s: could not join %s: %s", d.call_id, d.room, e)
                self.report(event, state, FAILED)
                state.stage = Stage.ENDED
                return [act.hang_up(a)]
            state.stage = Stage.JOINING
            return [act.join_meeting(a, meeting, token)]
        return self._answered_as_required(event, state)

    def _answered_as_required(self, event: Event, state: State) -> list:
        """Leg A is answered as its dial requires: report Success, then wait in the room or
        for the next leg."""
        d = state.dial
        a = event.leg_a
        if not self.report(event, state, SUCCESS):
            state.stage = Stage.ENDED
            return [act.hang_up(a)]
        state.connected_at = self.now()
        if d.room:
            state.stage = Stage.CONNECTED
            return []
        state.stage = Stage.HELD
        held = [act.play(a, self._audio(d.hold))] if d.hold else []
        return [*held, act.pause(a, HOLD_MS)]

    def succeeded(self, event: Event, state: State) -> list | None:
        kind, stage = event.action_type, state.stage
        a = event.leg_a
        if kind == "Pause" and stage == Stage.HELD:
            return [act.pause(a, HOLD_MS)]
        if kind == "PlayAudio" and stage == Stage.ANNOUNCING:
            return self._accepted(event, state)
        if kind == "PlayAudioAndGetDigits":
            pressed = event.received_digits == "1"
            if stage == Stage.ASKING:
                return self._accepted(event, state) if pressed else self._declined(event, state)
            if stage == Stage.PLAYING:
                d = state.dial
                if d.opt_out and event.received_digits == d.opt_out:
                    return self._opted_out(event, state)  # issue 27
                if pressed and d.callback:
                    return self._call_back(event, state)
                return self.end(event, state)
        if kind == "SendDigits":
            if stage == Stage.OUTPULSING:
                return self._connect(event, state)
            if stage == Stage.BRIDGE_OUTPULSING:
                self.bridging.report(event, state, SUCCESS)
                state.stage = Stage.CONNECTED
                return []
        if kind == "JoinChimeMeeting" and stage == Stage.JOINING:
            return self._answered_as_required(event, state)
        if kind == "CallAndBridge":
            if stage == Stage.BRIDGING:
                return self.bridging.answered(event, state)
            if stage == Stage.CALLING_BACK:
                state.stage = Stage.CONNECTED
                return []
        return None

    def failed(self, event: Event, state: State) -> list | None:
        kind, stage = event.action_type, state.stage
        a = event.leg_a
        log.info("call %s: %s failed (%s)", state.dial.call_id, kind, event.error_type)
        if kind == "CallAndBridge" and stage == Stage.BRIDGING:
            return self.bridging.not_answered(event, state)
        if kind == "CallAndBridge" and stage == Stage.CALLING_BACK:
            return self.end(event, state)  # the originator did not answer the callback
        if stage == Stage.ASKING:
            return self._declined(event, state)  # no 1 (or no key at all)
        if stage in legs.ANSWERING:  # ASKING is above
            self.report(event, state, FAILED)
            state.stage = Stage.ENDED
            return [act.hang_up(a)]
        if stage == Stage.BRIDGE_OUTPULSING:
            self.bridging.report(event, state, FAILED)
            state.stage = Stage.HELD
            b = event.leg_b
            return [*([act.hang_up(b)] if b else []), act.pause(a, HOLD_MS)]
        if stage == Stage.PLAYING:
            return self.end(event, state)
        if stage == Stage.HELD:
            return [act.pause(a, HOLD_MS)]
        return None

    def _declined(self, event: Event, state: State) -> list:
        self.report(event, state, DECLINED)
        state.stage = Stage.ENDED
        return [act.hang_up(event.leg_a)]

    def _opted_out(self, event: Event, state: State) -> list:
        """issue 27: the recipient pressed its blast's opt-out digit: OptedOut, thanked,
        hung up."""
        d = state.dial
        target = d.targets[min(d.index, len(d.targets) - 1)]
        opt_out.record(d.call_id, d.key, target.number, target.e164)
        a = event.leg_a
        thanks = [act.play(a, self._audio(d.thanks))] if d.thanks else []
        return [*thanks, act.hang_up(a)]

    def _call_back(self, event: Event, state: State) -> list:
        """A blast recipient pressed 1: bridge them to the originator."""
        d = state.dial
        state.stage = Stage.CALLING_BACK
        return [act.call_and_bridge(d.caller, d.callback, d.ring_seconds)]

    def update(self, event: Event, state: State) -> list | None:
        arguments = event.arguments
        op = arguments.get("op")
        if op == "hangup":
            if state.stage in legs.UP:
                self.ended(state)
            state.stage = Stage.ENDED
            return [act.hang_up(c) for c in event.connected()]
        if op != "bridge" or "dial" not in arguments:
            return None
        return self.bridging.start(
            state, Spec.from_json(arguments["dial"]), arguments.get("tok", "")
        )

    def end(self, event: Event, state: State) -> list:
        """We hang up a connected call (a message played): its end is reported now."""
        self.ended(state)
        state.stage = Stage.ENDED
        return [act.hang_up(c) for c in event.connected()]

    def ended(self, state: State) -> None:
        seconds = max(0, self.now() - (state.connected_at or self.now()))
        self.reports.ended(state.dial.call_id, seconds)

    def report(self, event: Event, state: State, result: str) -> bool:
        """Report leg A's dial: its result, or, for a try-all, the race's. False when the
        leg must not go on: another number won, or the dial is over (timed out)."""
        d = state.dial
        if state.reported:
            return True  # a repeated event, reported when it first came
        state.reported = True
        return self.reports.leg(
            d.dial(state.token),
            d.index,
            result,
            reference(d.call_id, event.transaction_id),
            end_leg=lambda transaction_id: self.carrier.hang_up(
                reference(d.call_id, transaction_id)
            ),
            alive=state.alive,
        )

    def _audio(self, key: str) -> dict:
        return act.audio(self.bucket, key)


@dataclass
class Endings:
    """A leg hung up, or the service refusing our answer: what was pending is reported."""

    stages: Stages

    def hung_up(self, event: Event, state: State) -> list | None:
        stage, tag = state.stage, event.hanging_tag
        if stage == Stage.RINGING:
            self.stages.report(event, state, results.of_hangup(event.sip_code))
            state.stage = Stage.ENDED
            return []
        if stage in legs.ANSWERING:
            # Answered, then gone before the call was put through.
            self.stages.report(event, state, DECLINED)
            state.stage = Stage.ENDED
            return []
        if stage in legs.BRIDGE:
            if tag == act.LEG_B:
                self.stages.bridging.report(event, state, FAILED)
                state.stage = Stage.HELD
                return [act.pause(event.leg_a, HOLD_MS)]
            self.stages.bridging.report(event, state, NO_ANSWER)  # the held leg gave up
            state.stage = Stage.ENDED
            return [act.hang_up(c) for c in event.connected(but=act.LEG_A)]
        if stage == Stage.HELD and tag == act.LEG_B:
            return None  # a leg B we hung up (its PIN failed); leg A still waits
        if stage in legs.UP:
            self.stages.ended(state)
            state.stage = Stage.ENDED
            # The other leg stays up (and billed) until hung up.
            return [act.hang_up(c) for c in event.connected(but=tag)]
        return []

    def invalid(self, event: Event, state: State) -> list:
        """The service refused our last answer (its ErrorType says why) and asks again: end
        the call cleanly, reporting whatever was pending as Failed, instead of leaving the
        service to drop it (480) after its retries."""
        log.error(
            "call %s: invalid response: %s %s",
            state.dial.call_id,
            event.error_type,
            event.error_message,
        )
        state.invalid += 1
        if state.stage == Stage.RINGING or state.stage in legs.ANSWERING:
            self.stages.report(event, state, FAILED)
        elif state.stage in legs.BRIDGE:
            self.stages.bridging.report(event, state, FAILED)
        elif state.stage in legs.UP:
            self.stages.ended(state)
        state.stage = Stage.ENDED
        return [act.hang_up(c) for c in event.connected()]
