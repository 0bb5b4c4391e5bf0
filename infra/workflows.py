"""State machines from `chalicelib/workflows/*.asl.json`, and what their role needs.

The ASL files are the ones the workflow tests execute. They name AWS resources
only through `${Placeholder}`s that CloudFormation fills in
(DefinitionSubstitutions); the placeholders a stage offers are in `Placeholder`
values built by infra/stack.py (docs/deploy.md#what-the-stack-holds lists them). The state machine's
role is read off the definition: every Task state's integration and the
placeholder it names become one IAM statement. A Task this module cannot map to
a named resource is an error, not a wildcard.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# "${DialQueueUrl}" in a parameter value, the whole value.
_PLACEHOLDER = re.compile(r"^\$\{(\w+)\}$")
_ANY_PLACEHOLDER = re.compile(r"\$\{(\w+)\}")

# Optimised integrations ("arn:aws:states:::sqs:sendMessage.waitForTaskToken"):
# (service, api) -> (IAM actions, the parameter that names the resource, or None
# when the action takes no resource and must be granted on "*").
_INTEGRATIONS: dict[tuple[str, str], tuple[tuple[str, ...], str | None]] = {
    ("sqs", "sendMessage"): (("sqs:SendMessage",), "QueueUrl"),
    ("dynamodb", "getItem"): (("dynamodb:GetItem",), "TableName"),
    ("dynamodb", "putItem"): (("dynamodb:PutItem",), "TableName"),
    ("dynamodb", "updateItem"): (("dynamodb:UpdateItem",), "TableName"),
    ("dynamodb", "deleteItem"): (("dynamodb:DeleteItem",), "TableName"),
    ("lambda", "invoke"): (("lambda:InvokeFunction",), "FunctionName"),
    ("sns", "publish"): (("sns:Publish",), "TopicArn"),
}
# An SMS goes to a phone number, not to a resource with an ARN.
_SMS = ("sns", "publish")
_STATES_ARN = re.compile(r"^arn:aws:states:::(?P<service>[\w-]+):(?P<api>\w+)(?:\.\w+(?::\d+)?)?$")


class UnsupportedDefinition(ValueError):
    """A state infra cannot grant on a named resource: teach `_INTEGRATIONS` or rename."""


@dataclass(frozen=True)
class Placeholder:
    """`${name}` in an ASL file: the value CloudFormation substitutes, and the ARN
    IAM statements use for it (a queue's URL is substituted, its ARN granted)."""

    name: str
    value: str
    arn: str


@dataclass(frozen=True)
class Grant:
    actions: tuple[str, ...]
    placeholder: str | None  # None: the action takes no resource ("*")
    state: str  # where it came from, for error messages and reviews


@dataclass(frozen=True)
class Workflow:
    stem: str  # "call" for call.asl.json
    path: Path
    text: str

    @property
    def definition(self) -> dict[str, Any]:
        return json.loads(self.text)

    @property
    def settings_variable(self) -> str:
        """call.asl.json is the dialing machine: OCP_STATE_MACHINE_ARN; any other
        x.asl.json: OCP_X_STATE_MACHINE_ARN."""
        if self.stem == "call":
            return "OCP_STATE_MACHINE_ARN"
        return f"OCP_{self.stem.upper()}_STATE_MACHINE_ARN"

    def placeholders(self) -> set[str]:
        return set(_ANY_PLACEHOLDER.findall(self.text))


def discover(directory: Path) -> list[Workflow]:
    workflows = []
    for path in sorted(directory.glob("*.asl.json")):
        stem = path.name[: -len(".asl.json")]
        if not re.match(r"^[a-z][a-z0-9_]*$", stem):
            raise UnsupportedDefinition(f"{path.name}: name it like call.asl.json")
        text = path.read_text()
        json.loads(text)  # a broken file fails here, not at deploy time
        workflows.append(Workflow(stem, path, text))
    return workflows


def grants(definition: dict[str, Any]) -> list[Grant]:
    """IAM a state machine with this definition needs, one Grant per Task state."""
    return [
        _task_grant(name, state)
        for name, state in _states(definition)
        if state.get("Type") == "Task"
    ]


def _states(definition: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for name, state in definition.get("States", {}).items():
        yield name, state
        if state.get("Type") == "Parallel":
            for branch in state.get("Branches", []):
                yield from _states(branch)
        if state.get("Type") == "Map":
            processor = state.get("ItemProcessor") or state.get("Iterator") or {}
            if processor.get("ProcessorConfig", {}).get("Mode") == "DISTRIBUTED":
                raise UnsupportedDefinition(
                    f"{name}: distributed Map is not supported by infra yet"
                )
            yield from _states(processor)


def _task_grant(name: str, state: dict[str, Any]) -> Grant:
    resource = state.get("Resource", "")
    arguments = state.get("Parameters") or state.get("Arguments") or {}
    placeholder = _placeholder_of(resource)
    if placeholder:  # "Resource": "${DialerFunctionArn}": a Lambda function
        return Grant(("lambda:InvokeFunction",), placeholder, name)
    match = _STATES_ARN.match(resource)
    if not match:
        raise UnsupportedDefinition(
            f"{name}: Resource {resource!r} is not an integration in "
            f"infra/workflows.py _INTEGRATIONS: add it with its IAM action"
        )
    key = (match["service"], match["api"])
    if key not in _INTEGRATIONS:
        raise UnsupportedDefinition(
            f"{name}: integration {resource!r} is not in infra/workflows.py "
            f"_INTEGRATIONS: add it with its IAM action"
        )
    actions, parameter = _INTEGRATIONS[key]
    if key == _SMS and "PhoneNumber" in arguments:
        return Grant(actions, None, name)
    value = arguments.get(parameter)
    placeholder = _placeholder_of(value) if isinstance(value, str) else None
    if placeholder is None:
        raise UnsupportedDefinition(
            f"{name}: {parameter} must be a ${{Placeholder}} naming one resource, "
            f"not {value!r} (a value from the input cannot be granted without a wildcard)"
        )
    return Grant(actions, placeholder, name)


def _placeholder_of(value: str) -> str | None:
    match = _PLACEHOLDER.match(value or "")
    return match.group(1) if match else None
