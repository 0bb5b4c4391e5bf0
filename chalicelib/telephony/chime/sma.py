"""The SIP media application's handler: every event of a Chime call in, the actions that
follow out, and the dial's Outcome reported to its task token through the dialer's report
functions, so the state machine does not know which carrier ran (DESIGN.md "Telephony").

A call (one transaction) goes through the stages of `legs.py`:

    placed  -> ringing --answered--> asking (announcement, "press 1")  --1--> accepted
                      \\                 announcing (announcement only) -----> accepted
                       `--HANGUP 486/480/...--> Busy / NoAnswer / Failed (reported)
    accepted -> outpulsing (a PIN) -> joining (a conference room) -> reported Success:
             -> held (the next leg will be bridged: CallAndBridge) -> connected
             -> connected (a room)
    a blast recipient: answered -> reported Success -> playing (the message, then the
             callback question) -> hung up, or calling back the originator -> connected
    connected --HANGUP--> the seconds it lasted, to the watch task (store.rendezvous)

Machines: PSTN Audio has no answering-machine detection. A machine answering a leg that
asks for 1 never presses it: Declined (the simulated carrier says Machine with detection
on). Where machines are accepted (a blast, the destination of callOrigination=1, a
conference engine), answering is enough, person or machine (docs/carriers.md#chime).

The service waits 5 s for an answer, then retries: every write here is conditional, so a
repeated event reports nothing twice, and nothing here synthesises audio or calls Polly.
A PIN and a task token are never logged.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from chalicelib import clock, logs, settings
from chalicelib.store import rendezvous
from chalicelib.telephony import (
    DECLINED,
    FAILED,
    NO_ANSWER,
    SUCCESS,
    Attempt,
    CarrierError,
    Dial,
    Outcome,
    attempts,
    unanswered,
)
from chalicelib.telephony.chime import actions as act
from chalicelib.telephony.chime import events as ev
from chalicelib.telephony.chime import legs, results
from chalicelib.telephony.chime.adapter import ChimeCarrier, reference
from chalicelib.telephony.chime.events import Event
from chalicelib.telephony.chime.legs import Spec, State

log = logging.getLogger(__name__)

HOLD_MS = 30_000  # a held leg waits in Pauses of this length (an invocation each)
LEAD_MS = 500  # silence before the first words, while the phone reaches the ear
CALLBACK_WAIT_MS = 5_000


@dataclass
class Handler:
    carrier: ChimeCarrier
    dialer: Any  # workflows.dialer.Dialer: report_dial, report_end, and its tasks
    bucket: str
    board: Any = None  # store.rendezvous (races, watch, meeting)
    now: Callable[[], int] = clock.now

    def __post_init__(self) -> None:
        if self.board is None:
            self.board = rendezvous

    def handle(self, raw: dict[str, Any]) -> dict[str, Any]:
        event = Event(raw)
        if not self.carrier.sma_id and event.application_id:
            # This function is made before the application that invokes it, so its
            # settings cannot name it (infra/chime.py): each event does.
            self.carrier.sma_id = event.application_id
        if event.type == ev.NEW_OUTBOUND_CALL:
            return self._placed(event)
        state = State.from_attributes(event.attributes)
        if state is None:
            # Not a call this application placed (an inbound call, or attributes lost).
            log.warning("%s for a call without OCP attributes: hung up", event.type)
            if event.type in (ev.HANGUP, ev.RINGING, ev.ACTION_INTERRUPTED):
                return act.response([])
            return act.response([act.hang_up(c) for c in event.connected()])
        step = {
            ev.RINGING: self._ignored,
            ev.CALL_ANSWERED: self._answered,
            ev.ACTION_SUCCESSFUL: self._succeeded,
            ev.ACTION_FAILED: self._failed,
            ev.ACTION_INTERRUPTED: self._ignored,
            ev.DIGITS_RECEIVED: self._ignored,
            ev.HANGUP: self._hung_up,
            ev.CALL_UPDATE_REQUESTED: self._update,
            ev.INVALID_LAMBDA_RESPONSE: self._invalid,
        }.get(event.type, self._ignored)
        with logs.scope(callId=state.dial.call_id):
            return act.response(step(event, state), state.attributes())

    # -- the call starts ---------------------------------------------------------------

    def _placed(self, event: Event) -> dict[str, Any]:
        """NEW_OUTBOUND_CALL: our ArgumentsMap becomes the call's TransactionAttributes
        (the actions of this answer are ignored by the service)."""
        arguments = event.arguments
        if arguments.get("op") != "dial" or "dial" not in arguments:
            log.warning("call placed without an OCP dial: left alone")
            return act.response([])
        state = State(dial=Spec.from_json(arguments["dial"]), token=arguments.get("tok", ""))
        return act.response([], state.attributes())

    def _ignored(self, event: Event, state: State) -> list | None:
        return None

    def _answered(self, event: Event, state: State) -> list | None:
        d = state.dial
        a = event.leg_a
        if state.stage != legs.RINGING:
            return None  # a repeated event
        if d.race:
            race = self.board.race_of(d.call_id, d.key)
            if race is not None and race.winner is not None and race.winner != d.index:
                state.stage = legs.ENDED  # another number of the try-all won
                return [act.hang_up(a)]
        if self.dialer.tasks.alive(state.token):
            state.alive = True
        elif not self.board.reported(d.call_id, d.key, d.target.number):
            # The dial timed out (recorded NoAnswer) or the call ended: a late answer.
            log.info("call %s attempt %s: answered too late; hung up", d.call_id, d.key)
            state.stage = legs.ENDED
            return [act.hang_up(a)]
        if d.role == "recipient":
            return self._message(event, state)
        if d.ask_for_one:
            state.stage = legs.ASKING
            question = d.announcement or d.prompt
            return [
                act.pause(a, LEAD_MS),
                act.play_and_get_digit(a, self._audio(question), self._audio(d.prompt)),
            ]
        if d.announcement:
            state.stage = legs.ANNOUNCING
            return [act.pause(a, LEAD_MS), act.play(a, self._audio(d.announcement))]
        return self._accepted(event, state)

    def _message(self, event: Event, state: State) -> list:
        """A blast recipient: answered is enough (person or machine); reported now, then
        the message, then the callback question or the end of the call."""
        d = state.dial
        a = event.leg_a
        if not self._report(event, state, SUCCESS):
            state.stage = legs.ENDED
            return [act.hang_up(a)]
        state.stage, state.connected_at = legs.PLAYING, self.now()
        out = [act.pause(a, LEAD_MS)]
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
            state.stage = legs.OUTPULSING
            return [act.send_digits(event.leg_a, act.PIN_PAUSE + d.digits)]
        return self._ready(event, state)

    def _ready(self, event: Event, state: State) -> list:
        d = state.dial
        a = event.leg_a
        if d.room:
            try:
                meeting, token = self.carrier.join(d.room, d.call_id, event.transaction_id)
            except CarrierError as e:
                log.warning("call %s: could not join %s: %s", d.call_id, d.room, e)
                self._report(event, state, FAILED)
                state.stage = legs.ENDED
                return [act.hang_up(a)]
            state.stage = legs.JOINING
            return [act.join_meeting(a, meeting, token)]
        return self._win(event, state)

    def _win(self, event: Event, state: State) -> list:
        """Leg A is answered as its dial requires: report Success, then wait in the room or
        for the next leg."""
        d = state.dial
        a = event.leg_a
        if not self._report(event, state, SUCCESS):
            state.stage = legs.ENDED
            return [act.hang_up(a)]
        state.connected_at = self.now()
        if d.room:
            state.stage = legs.CONNECTED
            return []
        state.stage = legs.HELD
        held = [act.play(a, self._audio(d.hold))] if d.hold else []
        return [*held, act.pause(a, HOLD_MS)]

    # -- actions done ------------------------------------------------------------------

    def _succeeded(self, event: Event, state: State) -> list | None:
        kind, stage = event.action_type, state.stage
        a = event.leg_a
        if kind == "Pause" and stage == legs.HELD:
            return [act.pause(a, HOLD_MS)]
        if kind == "PlayAudio" and stage == legs.ANNOUNCING:
            return self._accepted(event, state)
        if kind == "PlayAudioAndGetDigits":
            pressed = event.received_digits == "1"
            if stage == legs.ASKING:
                return self._accepted(event, state) if pressed else self._declined(event, state)
            if stage == legs.PLAYING:
                return self._call_back(event, state) if pressed else self._end(event, state)
        if kind == "SendDigits":
            if stage == legs.OUTPULSING:
                return self._ready(event, state)
            if stage == legs.BRIDGE_OUTPULSING:
                self._report_bridge(event, state, SUCCESS)
                state.stage = legs.CONNECTED
                return []
        if kind == "JoinChimeMeeting" and stage == legs.JOINING:
            return self._win(event, state)
        if kind == "CallAndBridge":
            if stage == legs.BRIDGING:
                return self._bridged(event, state)
            if stage == legs.CALLING_BACK:
                state.stage = legs.CONNECTED
                return []
        return None

    def _failed(self, event: Event, state: State) -> list | None:
        kind, stage = event.action_type, state.stage
        a = event.leg_a
        log.info("call %s: %s failed (%s)", state.dial.call_id, kind, event.error_type)
        if kind == "CallAndBridge" and stage == legs.BRIDGING:
            return self._not_bridged(event, state)
        if kind == "CallAndBridge" and stage == legs.CALLING_BACK:
            return self._end(event, state)  # the originator did not answer the callback
        if stage == legs.ASKING:
            return self._declined(event, state)  # no 1 (or no key at all)
        if stage in legs.ANSWERING:  # ASKING is above
            self._report(event, state, FAILED)
            state.stage = legs.ENDED
            return [act.hang_up(a)]
        if stage == legs.BRIDGE_OUTPULSING:
            self._report_bridge(event, state, FAILED)
            state.stage = legs.HELD
            b = event.leg_b
            return [*([act.hang_up(b)] if b else []), act.pause(a, HOLD_MS)]
        if stage == legs.PLAYING:
            return self._end(event, state)
        if stage == legs.HELD:
            return [act.pause(a, HOLD_MS)]
        return None

    def _declined(self, event: Event, state: State) -> list:
        self._report(event, state, DECLINED)
        state.stage = legs.ENDED
        return [act.hang_up(event.leg_a)]

    def _call_back(self, event: Event, state: State) -> list:
        """A blast recipient pressed 1: bridge them to the originator."""
        d = state.dial
        state.stage = legs.CALLING_BACK
        return [act.call_and_bridge(d.caller, d.callback, d.ring_seconds)]

    # -- the leg bridged second ------------------------------------------------------------

    def _update(self, event: Event, state: State) -> list | None:
        arguments = event.arguments
        op = arguments.get("op")
        if op == "hangup":
            if state.stage in legs.UP:
                self._ended(state)
            state.stage = legs.ENDED
            return [act.hang_up(c) for c in event.connected()]
        if op != "bridge" or "dial" not in arguments:
            return None
        spec = Spec.from_json(arguments["dial"])
        token = arguments.get("tok", "")
        if state.stage != legs.HELD:
            # Nothing is waiting to be bridged any more (the leg is being hung up).
            log.info("call %s attempt %s: no held leg to bridge", spec.call_id, spec.key)
            self.dialer.report_dial(
                spec.dial(token), unanswered(spec.targets, [FAILED] * len(spec.targets))
            )
            return None
        state.bridge, state.bridge_token = spec.at(0), token
        state.bridge_results, state.bridge_reported = [], False
        state.stage = legs.BRIDGING
        return [self._ring(state.bridge)]

    def _ring(self, spec: Spec) -> dict:
        # Several numbers (try-all) are rung one after another, sharing the ring time.
        seconds = max(10, spec.ring_seconds // len(spec.targets))
        return act.call_and_bridge(spec.caller, spec.target.e164, seconds)

    def _bridged(self, event: Event, state: State) -> list:
        b = state.bridge
        assert b is not None
        state.connected_at = self.now()
        if b.digits:
            state.stage = legs.BRIDGE_OUTPULSING
            return [act.send_digits(event.leg_b, act.PIN_PAUSE + b.digits)]
        self._report_bridge(event, state, SUCCESS)
        state.stage = legs.CONNECTED
        return []

    def _not_bridged(self, event: Event, state: State) -> list:
        b = state.bridge
        assert b is not None
        state.bridge_results.append(
            results.of_bridge_failure(event.error_type, event.error_message)
        )
        if b.index + 1 < len(b.targets):
            state.bridge = b.at(b.index + 1)
            return [self._ring(state.bridge)]
        self._report_bridge(event, state, None)
        state.stage = legs.HELD  # for the next number of the hunt, or the release
        return [act.pause(event.leg_a, HOLD_MS)]

    # -- hang ups ----------------------------------------------------------------------------

    def _hung_up(self, event: Event, state: State) -> list | None:
        stage, tag = state.stage, event.hanging_tag
        if stage == legs.RINGING:
            self._report(event, state, results.of_hangup(event.sip_code))
            state.stage = legs.ENDED
            return []
        if stage in legs.ANSWERING:
            # Answered, then gone before the call was put through.
            self._report(event, state, DECLINED)
            state.stage = legs.ENDED
            return []
        if stage in legs.BRIDGE:
            if tag == act.LEG_B:
                self._report_bridge(event, state, FAILED)
                state.stage = legs.HELD
                return [act.pause(event.leg_a, HOLD_MS)]
            self._report_bridge(event, state, NO_ANSWER)  # the held leg gave up
            state.stage = legs.ENDED
            return [act.hang_up(c) for c in event.connected(but=act.LEG_A)]
        if stage == legs.HELD and tag == act.LEG_B:
            return None  # a leg B we hung up (its PIN failed); leg A still waits
        if stage in legs.UP:
            self._ended(state)
            state.stage = legs.ENDED
            # The other leg stays up (and billed) until hung up.
            return [act.hang_up(c) for c in event.connected(but=tag)]
        return []

    def _end(self, event: Event, state: State) -> list:
        """We hang up a connected call (a message played): its end is reported now."""
        self._ended(state)
        state.stage = legs.ENDED
        return [act.hang_up(c) for c in event.connected()]

    def _ended(self, state: State) -> None:
        d = state.dial
        seconds = max(0, self.now() - (state.connected_at or self.now()))
        token = self.board.ended(d.call_id, seconds)
        if token:
            self.dialer.report_end(token, seconds)
        log.info("call %s ended after %s s", d.call_id, seconds)

    def _invalid(self, event: Event, state: State) -> list:
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
        if state.stage == legs.RINGING or state.stage in legs.ANSWERING:
            self._report(event, state, FAILED)
        elif state.stage in legs.BRIDGE:
            self._report_bridge(event, state, FAILED)
        elif state.stage in legs.UP:
            self._ended(state)
        state.stage = legs.ENDED
        return [act.hang_up(c) for c in event.connected()]

    # -- reporting ---------------------------------------------------------------------------

    def _report(self, event: Event, state: State, result: str) -> bool:
        """Report leg A's dial: its result, or, for a try-all, the race's. False when the
        leg must not go on: another number won, or the dial is over (timed out)."""
        d = state.dial
        if state.reported:
            return True  # a repeated event, reported when it first came
        state.reported = True
        ref = reference(d.call_id, event.transaction_id)
        if not d.race:
            answered = d.target.number if result == SUCCESS else None
            outcome = Outcome(
                result,
                (Attempt(d.target.number, result),),
                answered=answered,
                reference=ref if answered else None,
            )
            return self._send(d.dial(state.token), outcome, state.alive)
        if result == SUCCESS:
            race = self.board.won(d.call_id, d.key, d.index)
            if race is None:
                return False  # another number won
            tried = [
                SUCCESS if n == d.index else race.results.get(n, NO_ANSWER)
                for n in range(len(d.targets))
            ]
            sent = self._send(
                d.dial(state.token),
                Outcome(
                    SUCCESS, attempts(d.targets, tried), answered=d.target.number, reference=ref
                ),
                state.alive,
            )
            if sent:
                for n, transaction_id in race.placed.items():
                    if n != d.index and n not in race.results:
                        self.carrier.hang_up(reference(d.call_id, transaction_id))
            return sent
        race = self.board.lost(d.call_id, d.key, d.index, result)
        if race is not None and race.done:
            ordered = [race.results.get(n, NO_ANSWER) for n in range(len(d.targets))]
            self._send(d.dial(state.token), unanswered(d.targets, ordered))
        return True

    def _report_bridge(self, event: Event, state: State, result: str | None) -> None:
        """Report the bridged leg's dial: `result` for the number rung now, or (None) the
        results of every number it rang."""
        b = state.bridge
        if b is None or state.bridge_reported:
            return
        state.bridge_reported = True
        tried = list(state.bridge_results)
        if result is not None:
            tried = [*tried[: b.index], result]
        tried += [NO_ANSWER] * (len(b.targets) - len(tried))
        if result == SUCCESS:
            outcome = Outcome(
                SUCCESS,
                attempts(b.targets, tried),
                answered=b.target.number,
                reference=reference(b.call_id, event.transaction_id),
            )
        else:
            outcome = unanswered(b.targets, tried)
        self._send(b.dial(state.bridge_token), outcome)

    def _send(self, dial: Dial, outcome: Outcome, alive: bool = False) -> bool:
        """Through the dialer. A Success whose task no longer waits is either this report
        made before (the service repeated the event: go on) or a late one (stop).
        `alive`: the task was found waiting earlier in this invocation."""
        if outcome.result == SUCCESS and not alive and not self.dialer.tasks.alive(dial.token):
            return bool(
                outcome.answered and self.board.reported(dial.call_id, dial.key, outcome.answered)
            )
        self.dialer.report_dial(dial, outcome)
        return True

    def _audio(self, key: str) -> dict:
        return act.audio(self.bucket, key)


_handler: Handler | None = None


def default(dialer_for: Callable[[ChimeCarrier], Any]) -> Handler:
    """The handler with the carrier of settings and the dialer `dialer_for` makes for it
    (workflows/handlers.py passes workflows.dialer's), made once per process."""
    global _handler
    if _handler is None:
        carrier = ChimeCarrier.from_settings()
        _handler = Handler(
            carrier=carrier, dialer=dialer_for(carrier), bucket=settings.get().audio_bucket
        )
    return _handler
