"""Workflow tests: call.asl.json executed by moto's Step Functions interpreter.

An execution runs in a thread of moto's; its Tasks put messages on the dial queue. A
`Switchboard` plays Lambda's part: it drains the queue into the real dialer (with the
simulated carrier), or hands a message to the test first, which may answer it itself or
swallow it (a callback that never arrives).
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC
from typing import Any

import pytest
from moto import mock_aws

from chalicelib import clock
from chalicelib.telephony import Target
from chalicelib.telephony.simulated import SimulatedCarrier

NOW = 1212186144
# Only a bound against a hung execution, not a timing assertion.
EXECUTION_DEADLINE_SECONDS = 60
# Short enough that the timeout tests take about a second.
QUICK_TIMEOUTS = {"ringSeconds": 3, "heartbeatSeconds": 1, "callSeconds": 5, "recordSeconds": 5}


def target(number: str) -> Target:
    return Target(number, f"+1{number}")


@pytest.fixture
def sfn_aws():
    config = {"stepfunctions": {"execute_state_machine": True}}
    # As under `make run`: a task callback made while another execution has no interpreter
    # yet is not a moto 500 (an AttributeError in process). Each DynamoDB request is atomic
    # as on DynamoDB for the whole session (tests/conftest.py): here the interpreter's
    # thread, the switchboard and a carrier's webhooks write the same items at once.
    from local.aws_server import keep_task_failure_causes, skip_executions_without_a_worker

    skip_executions_without_a_worker()
    keep_task_failure_causes()
    with mock_aws(config=config):
        from tests import moto_state

        moto_state.create_resources(config)
        yield
        _stop_running_executions()


# Only a bound against a hung teardown.
STOP_DEADLINE_SECONDS = 10


def _stop_running_executions() -> None:
    from chalicelib.store import aws

    sfn = aws.client("stepfunctions")
    running = [
        e["executionArn"]
        for e in sfn.list_executions(
            stateMachineArn=aws.state_machine_arn(), statusFilter="RUNNING"
        )["executions"]
    ]
    for arn in running:
        _stop(sfn, arn)
    # A stopped execution begins no state, but a Task it had entered still sends its
    # message: wait for it to be sent here rather than in the next test's moto.
    deadline = time.monotonic() + STOP_DEADLINE_SECONDS
    for arn in running:
        while _sending(arn):
            assert time.monotonic() < deadline, f"a task still sending: {arn}"
            time.sleep(0.02)


def _stop(sfn, arn: str) -> None:
    """Stop an execution for good: none may outlive its test, or it goes on in the next
    test's moto and its tasks' messages land on that test's dial queue (seen: a blast's
    recipients, left running by a test that never dials them, rang in the next test, and
    the next test's switchboard counted their dials). moto misses a stop made as the
    execution starts: before its interpreter has an environment the stop fails
    (AttributeError); before its first state the stop does nothing, and the execution
    runs on. So the stop is made until it took."""
    deadline = time.monotonic() + STOP_DEADLINE_SECONDS
    while True:
        with contextlib.suppress(AttributeError):
            sfn.stop_execution(executionArn=arn)
            if _stopped(arn):
                return
        assert time.monotonic() < deadline, f"execution not stopped: {arn}"
        time.sleep(0.02)


# Events after which a Task's message is sent, or will never be.
TASK_SETTLED = {"TaskSubmitted", "TaskSucceeded", "TaskFailed", "TaskTimedOut", "TaskStateExited"}


def _sending(arn: str) -> bool:
    """The execution entered a Task whose message is not sent yet. (Read from moto's
    interpreter: GetExecutionHistory fails on a Task being scheduled, its heartbeat not
    evaluated yet.)"""
    events = [
        str(getattr(e["type"], "value", e["type"]))
        for e in _environment(arn).event_manager.get_event_history()
    ]
    entered = max((i for i, t in enumerate(events) if t == "TaskStateEntered"), default=None)
    return entered is not None and not TASK_SETTLED.intersection(events[entered + 1 :])


def _stopped(arn: str) -> bool:
    """moto's interpreter of the execution is stopped, or over (not: not begun, running)."""
    from moto.stepfunctions.parser.asl.eval.program_state import ProgramRunning

    state = _environment(arn).program_state()
    return state is not None and not isinstance(state, ProgramRunning)


def _environment(arn: str) -> Any:
    """moto's interpreter's environment for the execution (AttributeError until its
    thread has made it)."""
    from moto.stepfunctions.responses import get_backend

    _arn, _aws, _states, region, account, *_rest = arn.split(":")
    return get_backend(account, region).describe_execution(arn).exec_worker.env


@pytest.fixture
def frozen_clock():
    with clock.frozen(NOW):
        yield NOW


@dataclass
class Switchboard:
    carrier: SimulatedCarrier
    messages: list[dict] = field(default_factory=list)
    executions: list[str] = field(default_factory=list)  # those `run` drove
    # The carrier's own account of what happened (the fake Twilio's log), for a failure.
    carrier_log: Callable[[], Iterable[str]] | None = None

    def __post_init__(self) -> None:
        BOARDS.append(self)

    @property
    def dialer(self):
        from chalicelib.workflows.dialer import Dialer, StepFunctionsTasks

        return Dialer(carrier=self.carrier, tasks=StepFunctionsTasks())

    def run(self, execution_arn: str, intercept: Callable[[dict], bool] | None = None) -> dict:
        """Deliver dial queue messages until the execution ends; its description.
        `intercept(message)` returning True means the test took care of the message."""
        from chalicelib.store import aws

        sqs, sfn, url = aws.client("sqs"), aws.client("stepfunctions"), aws.dial_queue_url()
        dialer = self.dialer
        self.executions.append(execution_arn)
        deadline = time.monotonic() + EXECUTION_DEADLINE_SECONDS
        finished = False  # after `finish`, only its redelivery or the execution's end is left
        while (described := sfn.describe_execution(executionArn=execution_arn))[
            "status"
        ] == "RUNNING":
            assert time.monotonic() < deadline, f"execution still running: {execution_arn}"
            if finished:
                time.sleep(0.02)
            # Long polling returns as soon as a message arrives.
            received = sqs.receive_message(
                QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0 if finished else 1
            ).get("Messages", [])
            for m in received:
                message = json.loads(m["Body"])
                self.messages.append(message)
                sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
                if intercept is None or not intercept(message):
                    dialer.handle(message)
                finished = finished or message["action"] == "finish"
        return described

    def actions(self) -> list[str]:
        return [f"{m['action']} {m.get('key', '')}".strip() for m in self.messages]

    def evidence(self) -> list[tuple[str, str]]:
        """What a failed test prints: each execution's history, the dial queue's messages
        and the carrier's log."""
        found = [(f"history of {arn.rsplit(':', 1)[-1]}", explain(arn)) for arn in self.executions]
        # Each message whole (a message missing a field shows), its task token elided.
        found.append(
            (
                "dial queue",
                "\n".join(
                    json.dumps({**m, "token": "..."} if "token" in m else m) for m in self.messages
                ),
            )
        )
        if self.carrier_log is not None:
            found.append(("carrier log", "\n".join(self.carrier_log())))
        return found


# The switchboards of the running test (their evidence is printed when it fails).
BOARDS: list[Switchboard] = []


@pytest.fixture(autouse=True)
def _forget_boards():
    yield
    BOARDS.clear()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    report = (yield).get_result()
    if report.when != "call" or not report.failed:
        return
    for board in BOARDS:
        try:
            sections = board.evidence()
        except Exception as e:  # the evidence is best effort: never hide the failure
            sections = [("evidence", f"not available: {e!r}")]
        for title, text in sections:
            report.sections.append((title, text))


@pytest.fixture
def switchboard() -> Switchboard:
    return Switchboard(
        SimulatedCarrier(answer_delay_seconds=0, talk_seconds=12, sleep=lambda seconds: None)
    )


def history(execution_arn: str) -> list[dict]:
    from chalicelib.store import aws

    sfn = aws.client("stepfunctions")
    events, token = [], None
    while True:
        page = sfn.get_execution_history(
            executionArn=execution_arn, maxResults=1000, **({"nextToken": token} if token else {})
        )
        events += page["events"]
        token = page.get("nextToken")
        if not token:
            break
    return events


def states_entered(execution_arn: str) -> list[str]:
    return [
        e["stateEnteredEventDetails"]["name"]
        for e in history(execution_arn)
        if "stateEnteredEventDetails" in e
    ]


def explain(execution_arn: str) -> str:
    """An execution's history, one line an event: when (UTC, as the fake Twilio's log),
    what, and the state's name or the error and cause (a failed test's evidence)."""
    lines = []
    for e in history(execution_arn):
        details = next((v for k, v in e.items() if k.endswith("EventDetails")), {})
        said = details.get("name") or " ".join(
            f"{k}={details[k]}" for k in ("error", "cause", "resourceType") if k in details
        )
        if e["type"] == "TaskScheduled":
            body = json.loads(details.get("parameters") or "{}").get("MessageBody", {})
            said = f"{body.get('action')} {body.get('key', '')}"
        at = e["timestamp"].astimezone(UTC)
        lines.append(f"{at:%H:%M:%S.%f} {e['id']:3} {e['type']} {said}".rstrip())
    return "\n".join(lines)
