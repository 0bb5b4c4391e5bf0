"""The account's limits under moto's Step Functions (workflows/pacing.py): blast recipients'
executions and a click-to-call, all dialed through the one shared board, with a carrier
whose calls stay up for a while. A dial over a limit waits in the state machine's
Backoff (Carrier.Busy), never in the dialer and never as a failed attempt."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field

import pytest

from chalicelib import settings
from chalicelib.store import calls
from chalicelib.telephony import SUCCESS, Dial, Outcome, attempts
from chalicelib.workflows import dialing
from chalicelib.workflows.dialing import Leg
from tests.workflows.conftest import NOW, states_entered, target

pytestmark = pytest.mark.usefixtures("paced", "sfn_aws", "frozen_clock")

CONCURRENT = 3  # one of them kept for interactive dials: blasts hold 2 at most
TALK_SECONDS = 2.5
DEADLINE_SECONDS = 90


@pytest.fixture
def paced(monkeypatch):
    monkeypatch.setenv("OCP_PACING", "1")
    monkeypatch.setenv("OCP_CALLS_PER_SECOND", "5")
    monkeypatch.setenv("OCP_CONCURRENT_CALLS", str(CONCURRENT))
    monkeypatch.setenv("OCP_INTERACTIVE_CALLS", "1")
    settings.reload()
    yield
    monkeypatch.undo()
    settings.reload()


@dataclass
class HeldLines:
    """A carrier whose every number answers at once and talks TALK_SECONDS of wall time:
    it reports each dial now and each end later (as a real network does)."""

    live: dict[str, tuple[float, str]] = field(default_factory=dict)  # ref -> (placed, role)
    ends: dict[str, float] = field(default_factory=dict)  # ref -> when it hangs up
    watching: dict[str, str] = field(default_factory=dict)  # ref -> watch token
    placed: list[tuple[float, int, str]] = field(default_factory=list)  # (when, callId, role)
    peak: int = 0
    peak_blast: int = 0

    def place(self, dial: Dial) -> Outcome:
        now = time.monotonic()
        ref = f"held:{dial.call_id}:{dial.key}"
        self.live[ref] = (now, dial.role)
        self.ends[ref] = now + TALK_SECONDS
        self.placed.append((now, dial.call_id, dial.role))
        self.peak = max(self.peak, len(self.live))
        blast = sum(1 for _, role in self.live.values() if role == "recipient")
        self.peak_blast = max(self.peak_blast, blast)
        number = dial.targets[0].number
        return Outcome(SUCCESS, attempts(dial.targets, [SUCCESS]), number, ref)

    def watch(self, reference: str, token: str) -> None:
        self.watching[reference] = token

    def hang_up(self, reference: str) -> None:
        self.live.pop(reference, None)

    def open_room(self, name: str) -> str:
        return name

    def close_room(self, room: str) -> None:
        return None

    def prepare(self, announcement: dict, text: str | None = None) -> dict:
        return announcement

    def schedule(self, count: int) -> None:
        return None

    def hang_ups_due(self) -> list[tuple[str, str]]:
        """(reference, watch token) of the calls whose talk is over: both legs of a call
        end with the call (they share the watched reference's call id)."""
        now = time.monotonic()
        over = []
        for ref, token in list(self.watching.items()):
            if self.ends.get(ref, now) <= now:
                call = ref.split(":")[1]
                for other in [r for r in self.live if r.split(":")[1] == call]:
                    self.live.pop(other)
                del self.watching[ref]
                over.append((ref, token))
        return over


def blast_recipient(call_id: int, eid: int) -> Leg:
    return Leg(
        "recipient",
        (target(f"30355501{call_id % 100:02d}"),),
        ask_for_one=False,
        accept_machine=True,
        announcement={"text": "Hello"},
        share=str(eid),
    )


def start(call_id: int, legs: list[Leg], eid: int = 1) -> str:
    calls.create(call_id, eid=eid, user_id=235, kind="call", time_scheduled=NOW)
    return dialing.start(call_id, legs)


def run_all(carrier: HeldLines, executions: list[str], arrivals=()) -> list[dict]:
    """Play Lambda's part for every execution at once: the dialer on each dial queue
    message, the carrier's ends when their talk is over; `arrivals`: (after seconds,
    start function) started once that much time has passed. Every message handled."""
    from chalicelib.store import aws
    from chalicelib.workflows.dialer import Dialer, StepFunctionsTasks

    sqs, sfn, url = aws.client("sqs"), aws.client("stepfunctions"), aws.dial_queue_url()
    dialer = Dialer(carrier=carrier, tasks=StepFunctionsTasks())
    began = time.monotonic()
    pending = sorted(arrivals, key=lambda a: a[0])
    handled: list[dict] = []
    while True:
        while pending and time.monotonic() - began >= pending[0][0]:
            executions.append(pending.pop(0)[1]())
        running = [
            arn
            for arn in executions
            if sfn.describe_execution(executionArn=arn)["status"] == "RUNNING"
        ]
        if not running and not pending:
            return handled
        assert time.monotonic() - began < DEADLINE_SECONDS, "executions still running"
        for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0).get(
            "Messages", []
        ):
            message = json.loads(m["Body"])
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
            handled.append({**message, "at": time.monotonic()})
            dialer.handle(message)
        for _, token in carrier.hang_ups_due():
            dialer.report_end(token, int(TALK_SECONDS))
        time.sleep(0.05)


def test_a_blast_never_holds_more_lines_than_its_share_of_the_concurrent_calls():
    # Given a blast of 6 recipients, each call talking 2.5 s
    carrier = HeldLines()
    executions = [start(100 + n, [blast_recipient(100 + n, eid=7)], eid=7) for n in range(6)]
    # When every execution runs to its end
    run_all(carrier, executions)
    # Then all were dialed, never more than the blast slots at once (3 concurrent, 1 kept
    # for interactive dials), and the waits went through Backoff, not failed attempts
    assert len(carrier.placed) == 6
    assert carrier.peak_blast == CONCURRENT - 1
    assert all(r for n in range(6) for r in [calls.get(100 + n, 7).attempts])
    assert {a.result for n in range(6) for a in calls.get(100 + n, 7).attempts} == {SUCCESS}
    assert any("Backoff" in states_entered(arn) for arn in executions)
    assert _board().in_use() == 0  # every slot released


def test_a_click_to_call_is_not_starved_by_a_blast():
    # Given a blast of 8 recipients under way, holding every line blasts may hold
    carrier = HeldLines()
    executions = [start(200 + n, [blast_recipient(200 + n, eid=7)], eid=7) for n in range(8)]

    started: list[str] = []

    def click_to_call() -> str:
        started.append(
            start(
                300,
                [
                    Leg("origination", (target("7202108298"),), ask_for_one=False),
                    Leg("destination", (target("3035550100"),), ask_for_one=False),
                ],
            )
        )
        return started[0]

    # When a click-to-call arrives a second later
    run_all(carrier, executions, arrivals=[(1.0, click_to_call)])
    # Then both its legs were placed before the blast was done, and no blast dial was
    # placed between its first dial and the second leg's placement (interactive first)
    order = [(call_id, role) for _, call_id, role in sorted(carrier.placed)]
    legs_at = [i for i, (call_id, _) in enumerate(order) if call_id == 300]
    assert len(legs_at) == 2
    assert legs_at[1] < len(order) - 1  # blast recipients were still waiting
    between = [order[i] for i in range(legs_at[0], legs_at[1]) if order[i][0] != 300]
    assert len(between) <= 1
    assert carrier.peak <= CONCURRENT
    assert {a.result for a in calls.get(300, 1).attempts} == {SUCCESS}
    # It did have to wait (the blast held every other line): in Backoff, not as a failure
    assert "Backoff" in states_entered(started[0])


def _board():
    from chalicelib.domain import pacing as rules
    from chalicelib.store import pacing
    from chalicelib.store.models import Counter

    item = Counter.get(pacing.BOARD, consistent_read=True)
    return rules.from_json(json.loads(item.board)).live(time.time())


def test_click_to_calls_of_two_enterprises_take_their_turns_beside_a_third_s_blast(
    monkeypatch,
):
    # Given a blast of enterprise 7 under way, and the board's requests recorded
    from chalicelib.store import pacing as board

    asked: list[tuple[str, bool]] = []
    admit = board.admit

    def recorded(request, limits, now):
        asked.append((request.tenant, request.share is None))
        return admit(request, limits, now)

    monkeypatch.setattr(board, "admit", recorded)
    carrier = HeldLines()
    executions = [start(400 + n, [blast_recipient(400 + n, eid=7)], eid=7) for n in range(4)]

    def click_to_call(call_id: int, eid: int):
        def begin() -> str:
            calls.create(call_id, eid=eid, user_id=235, kind="call", time_scheduled=NOW)
            legs = [
                Leg("origination", (target("7202108298"),), ask_for_one=False),
                Leg("destination", (target(f"30355502{eid:02d}"),), ask_for_one=False),
            ]
            return dialing.start(call_id, legs, enterprise=eid)

        return begin

    # When click-to-calls of enterprises 1 and 2 arrive a second later
    run_all(
        carrier, executions, arrivals=[(1.0, click_to_call(500, 1)), (1.0, click_to_call(501, 2))]
    )
    # Then every call was placed, within the account's lines, and each dial asked the
    # board in its enterprise's name (a blast's by its share, a click-to-call's by its own)
    assert {a.result for a in calls.get(500, 1).attempts} == {SUCCESS}
    assert {a.result for a in calls.get(501, 2).attempts} == {SUCCESS}
    assert carrier.peak <= CONCURRENT
    assert {("7", False), ("1", True), ("2", True)} <= set(asked)
    assert ("", True) not in asked
    assert _board().in_use() == 0
