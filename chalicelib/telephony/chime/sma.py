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
conference engine), answering is enough, person or machine (README "Real calls").

Here: the invocation's boundary (the event read, its TransactionAttributes decoded, the
answer built); chime/stages.py decides leg A's stages, chime/bridging.py the leg bridged
second, both reporting through the core (telephony/reporting.py).

The service waits 5 s for an answer, then retries: every write here is conditional, so a
repeated event reports nothing twice, and nothing here synthesises audio or calls Polly.
A PIN and a task token are never logged.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from chalicelib import clock, logs, settings
from chalicelib.store import rendezvous
from chalicelib.telephony.chime import actions as act
from chalicelib.telephony.chime import events as ev
from chalicelib.telephony.chime.adapter import ChimeCarrier
from chalicelib.telephony.chime.bridging import HOLD_MS
from chalicelib.telephony.chime.events import Event
from chalicelib.telephony.chime.legs import Spec, State
from chalicelib.telephony.chime.stages import Stages
from chalicelib.telephony.reporting import Board, Dialer, Reporter

__all__ = ["HOLD_MS", "Handler", "default"]

log = logging.getLogger(__name__)


@dataclass
class Handler:
    """One invocation event in, the SMA actions and attributes out."""

    carrier: ChimeCarrier
    dialer: Dialer  # workflows.dialer.Dialer: report_dial, report_end, and its tasks
    bucket: str
    board: Board = field(default_factory=lambda: rendezvous)
    now: Callable[[], int] = clock.now

    @property
    def stages(self) -> Stages:
        return Stages(self.carrier, Reporter(self.dialer, self.board), self.bucket, self.now)

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
        stages = self.stages
        step = {
            ev.RINGING: stages.ignored,
            ev.CALL_ANSWERED: stages.answered,
            ev.ACTION_SUCCESSFUL: stages.succeeded,
            ev.ACTION_FAILED: stages.failed,
            ev.ACTION_INTERRUPTED: stages.ignored,
            ev.DIGITS_RECEIVED: stages.ignored,
            ev.HANGUP: stages.endings.hung_up,
            ev.CALL_UPDATE_REQUESTED: stages.update,
            ev.INVALID_LAMBDA_RESPONSE: stages.endings.invalid,
        }.get(event.type, stages.ignored)
        with logs.scope(callId=state.dial.call_id):
            return act.response(step(event, state), state.attributes())

    def _placed(self, event: Event) -> dict[str, Any]:
        """NEW_OUTBOUND_CALL: our ArgumentsMap becomes the call's TransactionAttributes
        (the actions of this answer are ignored by the service)."""
        arguments = event.arguments
        if arguments.get("op") != "dial" or "dial" not in arguments:
            log.warning("call placed without an OCP dial: left alone")
            return act.response([])
        state = State(dial=Spec.from_json(arguments["dial"]), token=arguments.get("tok", ""))
        return act.response([], state.attributes())


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
