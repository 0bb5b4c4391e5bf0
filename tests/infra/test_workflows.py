"""A state machine's role is read off its ASL: every Task names its resource
through a ${Placeholder}, or synthesis stops (no synthesis here)."""

from __future__ import annotations

import json

import pytest

from infra.workflows import Grant, UnsupportedDefinition, discover, grants
from tests.infra.conftest import WORKFLOWS


def machine(*states: tuple[str, dict]) -> dict:
    return {"StartAt": states[0][0], "States": dict(states)}


def task(resource: str, **parameters) -> dict:
    return {"Type": "Task", "Resource": resource, "Parameters": parameters, "End": True}


def test_the_call_workflow_sends_to_the_dial_queue_and_waits_for_the_token():
    [workflow] = discover(WORKFLOWS)
    assert workflow.stem == "call" and workflow.settings_variable == "OCP_STATE_MACHINE_ARN"
    assert workflow.placeholders() == {"DialQueueUrl"}
    found = grants(workflow.definition)
    assert Grant(("sqs:SendMessage",), "DialQueueUrl", "Dial") in found
    assert {(g.actions, g.placeholder) for g in found} == {(("sqs:SendMessage",), "DialQueueUrl")}


def test_each_integration_is_granted_on_the_resource_its_placeholder_names():
    definition = machine(
        ("Save", task("arn:aws:states:::dynamodb:updateItem", TableName="${CallsTable}")),
        (
            "Fan",
            {
                "Type": "Parallel",
                "End": True,
                "Branches": [
                    machine(
                        (
                            "Notify",
                            task(
                                "arn:aws:states:::lambda:invoke",
                                FunctionName="${DialerFunctionArn}",
                            ),
                        )
                    )
                ],
            },
        ),
        (
            "Each",
            {
                "Type": "Map",
                "End": True,
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "INLINE"},
                    **machine(
                        (
                            "Text",
                            task(
                                "arn:aws:states:::sns:publish",
                                PhoneNumber="+13035551212",
                                Message="x",
                            ),
                        )
                    ),
                },
            },
        ),
        ("Direct", {"Type": "Task", "Resource": "${FireFunctionArn}", "End": True}),
    )
    assert grants(definition) == [
        Grant(("dynamodb:UpdateItem",), "CallsTable", "Save"),
        Grant(("lambda:InvokeFunction",), "DialerFunctionArn", "Notify"),
        # An SMS has no resource to name
        Grant(("sns:Publish",), None, "Text"),
        Grant(("lambda:InvokeFunction",), "FireFunctionArn", "Direct"),
    ]


def test_a_resource_taken_from_the_input_cannot_be_granted():
    definition = machine(
        (
            "Dial",
            {
                "Type": "Task",
                "End": True,
                "Resource": "arn:aws:states:::sqs:sendMessage",
                "Parameters": {"QueueUrl.$": "$.queue", "MessageBody": "x"},
            },
        )
    )
    with pytest.raises(UnsupportedDefinition, match="QueueUrl must be a"):
        grants(definition)


def test_an_integration_infra_does_not_know_stops_synthesis():
    definition = machine(
        ("Speak", task("arn:aws:states:::aws-sdk:polly:synthesizeSpeech", Text="hi"))
    )
    with pytest.raises(UnsupportedDefinition, match="_INTEGRATIONS"):
        grants(definition)


def test_a_badly_named_or_broken_file_is_refused(tmp_path):
    (tmp_path / "Call-Flow.asl.json").write_text(json.dumps(machine(("A", {"Type": "Succeed"}))))
    with pytest.raises(UnsupportedDefinition, match="name it like"):
        discover(tmp_path)
    (tmp_path / "Call-Flow.asl.json").unlink()
    (tmp_path / "call.asl.json").write_text("{not json")
    with pytest.raises(json.JSONDecodeError):
        discover(tmp_path)


def test_other_workflows_get_their_own_setting(tmp_path):
    (tmp_path / "blast.asl.json").write_text(json.dumps(machine(("A", {"Type": "Succeed"}))))
    [workflow] = discover(tmp_path)
    assert workflow.settings_variable == "OCP_BLAST_STATE_MACHINE_ARN"
    assert grants(workflow.definition) == []
