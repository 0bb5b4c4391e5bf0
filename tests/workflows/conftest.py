"""Workflow tests: call.asl.json executed by moto's Step Functions interpreter.

An execution runs in a thread of moto's; its Tasks put messages on the dial queue. A
`Switchboard` plays Lambda's part: it drains the queue into the real dialer (with the
simulated carrier), or hands a message to the test first, which may answer it itself or
swallow it (a callback that never arrives).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field

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
    # yet is not a moto 500 (an AttributeError in process).
    from local.aws_server import keep_task_failure_causes, skip_executions_without_a_worker

    skip_executions_without_a_worker()
    keep_task_failure_causes()
    with mock_aws(config=config):
        from tests import moto_state

        moto_state.create_resources(config)
        yield
        _stop_running_executions()


def _stop_running_executions() -> None:
    from chalicelib.store import aws

    sfn = aws.client("stepfunctions")
    for execution in sfn.list_executions(
        stateMachineArn=aws.state_machine_arn(), statusFilter="RUNNING"
    )["executions"]:
        _stop(sfn, execution["executionArn"])


def _stop(sfn, arn: str, attempts: int = 100) -> None:
    """Stop an execution. One started a moment ago (a call POST test that never dials)
    has no interpreter yet, and moto fails to stop it (AttributeError) until it has."""
    for attempt in range(attempts):
        try:
            sfn.stop_execution(executionArn=arn)
            return
        except AttributeError:
            if attempt + 1 == attempts:
                raise
            time.sleep(0.02)


@pytest.fixture
def frozen_clock():
    with clock.frozen(NOW):
        yield NOW


@dataclass
class Switchboard:
    carrier: SimulatedCarrier
    messages: list[dict] = field(default_factory=list)

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


@pytest.fixture
def switchboard() -> Switchboard:
    return Switchboard(
        SimulatedCarrier(answer_delay_seconds=0, talk_seconds=12, sleep=lambda seconds: None)
    )


def states_entered(execution_arn: str) -> list[str]:
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
    return [
        e["stateEnteredEventDetails"]["name"] for e in events if "stateEnteredEventDetails" in e
    ]
