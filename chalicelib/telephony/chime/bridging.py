"""The leg a Chime call bridges second (CallAndBridge from leg A's transaction, asked by
UpdateSipMediaApplicationCall `bridge`): its numbers rung one after another, a PIN sent
down it, and its dial reported (chime/stages.py hands its events here)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from chalicelib.telephony import FAILED, NO_ANSWER, SUCCESS, Outcome, attempts, unanswered
from chalicelib.telephony.chime import actions as act
from chalicelib.telephony.chime import results
from chalicelib.telephony.chime.adapter import reference
from chalicelib.telephony.chime.events import Event
from chalicelib.telephony.chime.legs import Spec, Stage, State
from chalicelib.telephony.reporting import Reporter

log = logging.getLogger(__name__)

HOLD_MS = 30_000  # a held leg waits in Pauses of this length (an invocation each)


@dataclass
class Bridging:
    reports: Reporter
    now: Callable[[], int]

    def start(self, state: State, spec: Spec, token: str) -> list | None:
        """The next dial, bridged to leg A (UpdateSipMediaApplicationCall `bridge`): ring
        its first number, if leg A still waits."""
        if state.stage != Stage.HELD:
            # Nothing is waiting to be bridged any more (the leg is being hung up).
            log.info("call %s attempt %s: no held leg to bridge", spec.call_id, spec.key)
            self.reports.send(
                spec.dial(token), unanswered(spec.targets, [FAILED] * len(spec.targets))
            )
            return None
        state.bridge, state.bridge_token = spec.at(0), token
        state.bridge_results, state.bridge_reported = [], False
        state.stage = Stage.BRIDGING
        return [self.ring(state.bridge)]

    def ring(self, spec: Spec) -> dict:
        # Several numbers (try-all) are rung one after another, sharing the ring time.
        seconds = max(10, spec.ring_seconds // len(spec.targets))
        return act.call_and_bridge(spec.caller, spec.target.e164, seconds)

    def answered(self, event: Event, state: State) -> list:
        b = state.bridge
        assert b is not None
        state.connected_at = self.now()
        if b.digits:
            state.stage = Stage.BRIDGE_OUTPULSING
            return [act.send_digits(event.leg_b, act.PIN_PAUSE + b.digits)]
        self.report(event, state, SUCCESS)
        state.stage = Stage.CONNECTED
        return []

    def not_answered(self, event: Event, state: State) -> list:
        b = state.bridge
        assert b is not None
        state.bridge_results.append(
            results.of_bridge_failure(event.error_type, event.error_message)
        )
        if b.index + 1 < len(b.targets):
            state.bridge = b.at(b.index + 1)
            return [self.ring(state.bridge)]
        self.report(event, state, None)
        state.stage = Stage.HELD  # for the next number of the hunt, or the release
        return [act.pause(event.leg_a, HOLD_MS)]

    def report(self, event: Event, state: State, result: str | None) -> None:
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
        self.reports.send(b.dial(state.bridge_token), outcome)
