"""The dialer: consumes the dial queue, places calls through the carrier, records what
happened on the Calls item and reports back to the state machine with the task token
(DESIGN.md "Work after the response"; the messages are in workflows/README.md).

    dial    ring one number, or every number of a try-all leg; report
            {result, answered, reference}, or fail the task with Carrier.Error
            (it could not be placed) or Carrier.Busy (not now: over the account's
            limits (workflows/pacing.py) or the carrier refused for the moment; the
            state machine waits the seconds the cause names and dials the same
            attempt again)
    record  results for a dial that never reported (it timed out)
    watch   the call is connected: report {seconds} when it ends
    finish  the call is over: complete or failed, times, billed minutes

Every dial placed holds the account's slots (workflows/pacing.py) until it ends: its
outcome is not Success, it timed out (record), or the call finishes (finish, which every
ending of an execution goes through).

A message may be delivered more than once: a dial is placed only by the delivery that
claims its attempt key on the Calls item, and a dial whose task is no longer waiting
(its heartbeat is refused) is dropped without ringing anyone.
"""

from __future__ import annotations

import json
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from chalicelib import clock, logs, metrics
from chalicelib.store import calls, executions
from chalicelib.store.calls import AttemptRecord, Claim
from chalicelib.telephony import (
    FAILED,
    SUCCESS,
    Carrier,
    CarrierBusy,
    CarrierError,
    Dial,
    Outcome,
    carriers,
)
from chalicelib.workflows import compliance, pacing, tasks
from chalicelib.workflows.messages import UnknownAction
from chalicelib.workflows.tasks import DialTask, FinishTask, RecordTask, RetryTask, WatchTask

log = logging.getLogger(__name__)


# Errors the state machine catches by name (call.asl.json).
CARRIER_ERROR = "Carrier.Error"
CARRIER_BUSY = "Carrier.Busy"
CALL_ENDED = "Call.Ended"
# The longest Backoff a Carrier.Busy asks for (domain/pacing.py caps its own waits lower).
MAX_BACKOFF_SECONDS = 300


class Tasks(Protocol):
    """The Step Functions task-token API, as the dialer needs it."""

    def alive(self, token: str) -> bool: ...
    def succeed(self, token: str, output: dict) -> None: ...
    def fail(self, token: str, error: str, cause: str) -> None: ...


class Ledger(Protocol):
    """What the dialer writes on the Calls item: `chalicelib.store.calls`."""

    def claim_dial(self, call_id: int, key: str, at: int) -> Claim: ...
    def release_dial(self, call_id: int, key: str) -> bool: ...
    def record_attempts(
        self,
        call_id: int,
        key: str,
        attempts: list[AttemptRecord],
        at: int,
        calling_number: str | None = None,
    ) -> bool: ...
    def mark_connected(self, call_id: int) -> bool: ...
    def finish(
        self,
        call_id: int,
        success: bool,
        at: int,
        seconds: int | None = None,
        key: str | None = None,
        attempt: AttemptRecord | None = None,
    ) -> bool: ...


@dataclass
class StepFunctionsTasks:
    sleep: Callable[[float], None] = time.sleep
    # A task token is usable once its task has started waiting. Step Functions never
    # hands out a token before that; moto's interpreter sends the message a moment
    # early, and answers InvalidToken until then.
    settle_attempts: int = 40
    settle_seconds: float = 0.05

    def alive(self, token: str) -> bool:
        for _ in range(self.settle_attempts):
            found = executions.heartbeat(token)
            if found != executions.Token.NOT_YET:
                return found == executions.Token.WAITING
            self.sleep(self.settle_seconds)
        return False

    def succeed(self, token: str, output: dict) -> None:
        if not executions.succeed(token, output):
            log.info("task no longer waiting; report dropped")

    def fail(self, token: str, error: str, cause: str) -> None:
        if not executions.fail(token, error, cause):
            log.info("task no longer waiting; report dropped")


def _default_ledger() -> Ledger:
    return calls


def busy_cause(why: str, retry_after: float) -> str:
    """Carrier.Busy's cause: the state machine's Backoff waits `retryAfter` seconds
    (whole, 1..MAX_BACKOFF_SECONDS) before it sends the same dial again."""
    seconds = min(MAX_BACKOFF_SECONDS, max(1, math.ceil(retry_after)))
    return json.dumps({"retryAfter": seconds, "why": why})


@dataclass
class Dialer:
    carrier: Carrier
    tasks: Tasks = field(default_factory=StepFunctionsTasks)
    ledger: Ledger = field(default_factory=_default_ledger)
    now: Callable[[], int] = clock.now
    pacing: pacing.Pacing = field(default_factory=pacing.default)

    def handle(self, message: dict[str, Any]) -> None:
        try:
            task = tasks.decode(message)
        except UnknownAction as e:
            log.error("%s dropped", e)
            return
        with logs.scope(callId=task.call_id):
            if isinstance(task, DialTask):
                self.dial(task)
            elif isinstance(task, RecordTask):
                self.record(task)
            elif isinstance(task, WatchTask):
                self.watch(task)
            elif isinstance(task, RetryTask):
                self.retry(task)  # issue 27: a blast recipient's next try
            else:
                self.finish(task)

    def dial(self, task: DialTask) -> None:
        dial = task.dial()
        if not self.tasks.alive(dial.token):
            log.info(
                "call %s attempt %s: task no longer waiting, not dialed", dial.call_id, dial.key
            )
            return
        claim = self.ledger.claim_dial(dial.call_id, dial.key, self.now())
        if claim == Claim.DUPLICATE:
            log.info("call %s attempt %s: already dialed", dial.call_id, dial.key)
            return
        if claim != Claim.CLAIMED:
            self.tasks.fail(dial.token, CALL_ENDED, f"call {dial.call_id} is {claim.value}")
            return
        share = task.leg.share
        wait = self.pacing.admit(dial, share)
        if wait is not None:
            log.info("call %s attempt %s: waits: %s", dial.call_id, dial.key, wait.why)
            metrics.paced("blast" if share else "interactive")
            self.ledger.release_dial(dial.call_id, dial.key)
            self.tasks.fail(dial.token, CARRIER_BUSY, busy_cause(wait.why, wait.wait or 0))
            return
        placed = time.monotonic()
        try:
            outcome = self.carrier.place(dial)
        except CarrierBusy as e:
            # Nothing rang: give the attempt key and the slot back, and let the state
            # machine wait and dial again with a fresh task (its ring timeout starts again).
            log.info("call %s attempt %s: carrier busy: %s", dial.call_id, dial.key, e)
            metrics.carrier_throttled()
            self.pacing.release(dial.call_id, dial.key)
            self.ledger.release_dial(dial.call_id, dial.key)
            self.tasks.fail(dial.token, CARRIER_BUSY, busy_cause(str(e), e.retry_after))
            return
        except CarrierError as e:
            log.warning("call %s attempt %s: carrier failed: %s", dial.call_id, dial.key, e)
            metrics.carrier_error()
            self.pacing.release(dial.call_id, dial.key)
            if self.ledger.record_attempts(
                dial.call_id, dial.key, _records(dial, [FAILED] * len(dial.targets)), self.now()
            ):
                metrics.dial_attempts([FAILED] * len(dial.targets))
            self.tasks.fail(dial.token, CARRIER_ERROR, str(e))
            return
        if outcome is not None:
            if outcome.result == SUCCESS:
                # Timed only here: a carrier that reports later (chime) is not timed yet.
                metrics.time_to_answer(time.monotonic() - placed)
            self.report_dial(dial, outcome)

    def report_dial(self, dial: Dial, outcome: Outcome) -> None:
        """Record a dial's outcome and hand it to the state machine. A carrier that
        reports later (place returned None) calls this from its event handler."""
        answered = outcome.result == SUCCESS
        if answered:
            self.pacing.answered(dial)
        else:
            self.pacing.release(dial.call_id, dial.key)
        calling = outcome.answered if answered and dial.role == "origination" else None
        recorded = self.ledger.record_attempts(
            dial.call_id,
            dial.key,
            _records(
                dial, [a.result for a in outcome.attempts], [a.number for a in outcome.attempts]
            ),
            self.now(),
            calling_number=calling,
        )
        if not recorded:
            # The attempt was closed meanwhile (it timed out and was recorded as
            # NoAnswer) or the call ended: nobody will bridge this leg.
            if answered and outcome.reference:
                self.carrier.hang_up(outcome.reference)
            self.pacing.release(dial.call_id, dial.key)
            self.tasks.fail(dial.token, CALL_ENDED, "attempt closed before it was reported")
            return
        log.info("call %s attempt %s: %s", dial.call_id, dial.key, outcome.result)
        metrics.dial_attempts(a.result for a in outcome.attempts)
        compliance.voice_opt_outs(dial, outcome, self.now())  # issue 27 hook
        self.tasks.succeed(
            dial.token,
            {
                "result": outcome.result,
                "answered": outcome.answered,
                "reference": outcome.reference,
            },
        )

    def record(self, task: RecordTask) -> None:
        call_id, key = task.call_id, task.key
        records = [_record(n.number, task.result, task.role) for n in task.numbers]
        recorded = self.ledger.record_attempts(call_id, key, records, self.now())
        self.pacing.release(call_id, key)  # it never reported: nobody is on the line
        if recorded:
            metrics.dial_attempts(r.result for r in records)
        self.tasks.succeed(task.token, {"recorded": recorded})

    def watch(self, task: WatchTask) -> None:
        call_id, reference, token = task.call_id, task.reference, task.token
        if not self.ledger.mark_connected(call_id):
            if reference:
                self.carrier.hang_up(reference)
            self.pacing.release(call_id)
            self.tasks.fail(token, CALL_ENDED, f"call {call_id} ended before it connected")
            return
        seconds = self.carrier.watch(reference, token)
        if seconds is not None:
            self.report_end(token, seconds)

    def report_end(self, token: str, seconds: int) -> None:
        """The connected call ended after `seconds` (a later-reporting carrier calls this)."""
        self.tasks.succeed(token, {"seconds": int(seconds)})

    def retry(self, task: RetryTask) -> None:
        """When a blast recipient's next try may ring (workflows/compliance.retry)."""
        self.tasks.succeed(task.token, compliance.retry(task, self.now()))

    def finish(self, task: FinishTask) -> None:
        call_id, success, seconds, leg = task.call_id, task.success, task.seconds, task.leg
        if not success and task.release:
            self.carrier.hang_up(task.release)
        if success and seconds is None:
            log.warning(
                "call %s: the end of the call was never reported; billed 0 minutes", call_id
            )
        attempt = _record(leg.number, leg.result, leg.role) if leg else None
        finished = self.ledger.finish(
            call_id,
            success,
            self.now(),
            seconds,
            key=leg.key if leg else None,
            attempt=attempt,
        )
        self.pacing.release(call_id)  # every leg of the call has ended
        log.info("call %s: %s", call_id, "complete" if success else "failed")
        if finished:
            metrics.call_finished(success)
        self.tasks.succeed(task.token, {"finished": finished})


def _record(number: str, result: str, role: str) -> AttemptRecord:
    return AttemptRecord(number=number, result=result, role=role)


def _records(dial: Dial, results: list[str], numbers: list[str] | None = None) -> list:
    numbers = numbers or [t.number for t in dial.targets]
    return [_record(n, r, dial.role) for n, r in zip(numbers, results, strict=True)]


_dialer: Dialer | None = None


def default() -> Dialer:
    """The dialer with the carrier named in settings (made once per process)."""
    global _dialer
    if _dialer is None:
        _dialer = Dialer(carrier=carriers.carrier())
    return _dialer
