"""Step Functions, as the workflows use it: the dialing state machine's executions and
the task tokens its Task states wait on. The workflows never call boto3 themselves."""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import Enum
from typing import Any

from chalicelib.store import aws


def arn(name: str) -> str:
    """The ARN of the dialing state machine's execution `name` (started or not)."""
    return aws.state_machine_arn().replace(":stateMachine:", ":execution:", 1) + f":{name}"


def start(name: str, execution_input: dict[str, Any]) -> str:
    """Start execution `name`; its ARN. One of that name already started is found, not
    started again (Step Functions returns the running one for the same input, and leaves
    a finished or different one alone)."""
    sfn = _client()
    try:
        return sfn.start_execution(
            stateMachineArn=aws.state_machine_arn(), name=name, input=json.dumps(execution_input)
        )["executionArn"]
    except sfn.exceptions.ExecutionAlreadyExists:
        return arn(name)


@dataclass(frozen=True)
class HistoryEvent:
    at: float  # Unix time, with fractions
    type: str  # Step Functions' event type: ExecutionStarted, TaskStateEntered, ...
    state: str = ""  # the state entered or exited, if any


def history(name: str) -> tuple[str, tuple[HistoryEvent, ...]] | None:
    """Execution `name`'s status and its history, oldest event first; None if there is
    none of that name."""
    sfn = _client()
    found = arn(name)
    try:
        status = sfn.describe_execution(executionArn=found)["status"]
    except sfn.exceptions.ExecutionDoesNotExist:
        return None
    events: list[HistoryEvent] = []
    for page in sfn.get_paginator("get_execution_history").paginate(executionArn=found):
        for e in page["events"]:
            details = e.get("stateEnteredEventDetails") or e.get("stateExitedEventDetails") or {}
            events.append(
                HistoryEvent(e["timestamp"].timestamp(), e["type"], details.get("name", ""))
            )
    return status, tuple(events)


class Token(Enum):
    """What a task token's heartbeat found."""

    WAITING = "waiting"  # its task waits for an answer
    GONE = "gone"  # its task timed out or its execution ended
    NOT_YET = "not yet"  # not usable yet (moto hands it out a moment early)


def heartbeat(token: str) -> Token:
    sfn = _client()
    try:
        sfn.send_task_heartbeat(taskToken=token)
        return Token.WAITING
    except (sfn.exceptions.TaskTimedOut, sfn.exceptions.TaskDoesNotExist):
        return Token.GONE
    except sfn.exceptions.InvalidToken:
        return Token.NOT_YET


def succeed(token: str, output: dict[str, Any]) -> bool:
    """Answer the task; False if it no longer waits (the answer is dropped)."""
    sfn = _client()
    try:
        sfn.send_task_success(taskToken=token, output=json.dumps(output))
    except _gone(sfn):
        return False
    return True


def fail(token: str, error: str, cause: str) -> bool:
    """Fail the task with `error` (the name its Catch reads); False if it no longer waits."""
    sfn = _client()
    try:
        sfn.send_task_failure(taskToken=token, error=error, cause=cause)
    except _gone(sfn):
        return False
    return True


def _gone(sfn: Any) -> tuple[type[Exception], ...]:
    return (
        sfn.exceptions.TaskTimedOut,
        sfn.exceptions.TaskDoesNotExist,
        sfn.exceptions.InvalidToken,
    )


def _client() -> Any:
    return aws.client("stepfunctions")
