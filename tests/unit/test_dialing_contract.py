"""The state machine file and the input `dialing.start` gives it: the checks infra and
the call API rely on, without running anything."""

import json
import re
from pathlib import Path

import pytest

from chalicelib import settings
from chalicelib.telephony import Target
from chalicelib.workflows import dialing
from chalicelib.workflows.dialing import Leg

ASL = json.loads((Path(dialing.__file__).parent / "call.asl.json").read_text())
TASKS = {name: s for name, s in ASL["States"].items() if s["Type"] == "Task"}


def test_every_task_is_a_dial_queue_message_with_a_token_and_a_timeout():
    assert set(TASKS) == {"Dial", "Record", "Watch", "Finish", "RetryWhen"}  # issue 27
    for name, task in TASKS.items():
        assert task["Resource"] == "arn:aws:states:::sqs:sendMessage.waitForTaskToken", name
        assert task["Parameters"]["QueueUrl"] == "${DialQueueUrl}", name
        assert task["Parameters"]["MessageBody"]["token.$"] == "$$.Task.Token", name
        assert task["TimeoutSecondsPath"].startswith("$.timeouts."), name
        assert task["Catch"], f"{name}: a failed task must not fail the execution silently"


def test_a_dial_attempt_has_a_heartbeat_and_times_out_into_no_answer():
    dial = TASKS["Dial"]
    assert dial["HeartbeatSecondsPath"] == "$.timeouts.heartbeatSeconds"
    timeout = next(c for c in dial["Catch"] if "States.Timeout" in c["ErrorEquals"])
    assert "States.HeartbeatTimeout" in timeout["ErrorEquals"]
    assert ASL["States"][timeout["Next"]]["Result"] == {"result": "NoAnswer"}


def test_the_only_substitution_is_the_dial_queue():
    text = json.dumps(ASL)
    assert set(re.findall(r"\$\{(\w+)\}", text)) == {"DialQueueUrl"}


def test_the_execution_as_a_whole_is_bounded():
    s = settings.get()
    longest = s.ring_timeout_seconds * 10 + s.max_call_seconds
    assert ASL["TimeoutSeconds"] >= longest


def test_the_input_carries_the_legs_and_the_timeouts_from_settings():
    legs = [
        Leg(
            "destination",
            (Target("3035551212", "+13035551212"),),
            label="3035551212",
            tryall=True,
            announcement={"text": "hi"},
            caller_id="+17202108298",
        ),
        Leg("origination", (Target("7202108298", "+17202108298"),), ask_for_one=False),
    ]
    payload = dialing.execution_input(1177, legs)
    s = settings.get()
    assert payload["callId"] == 1177
    assert payload["timeouts"] == {
        "ringSeconds": s.ring_timeout_seconds,
        "heartbeatSeconds": s.dial_heartbeat_seconds,
        "callSeconds": s.max_call_seconds,
        "recordSeconds": s.record_timeout_seconds,
    }
    assert payload["legs"][0] == {
        "role": "destination",
        "label": "3035551212",
        "numbers": [{"number": "3035551212", "e164": "+13035551212"}],
        "tryall": True,
        "dnd": False,
        "blacklisted": False,
        "askForOne": True,
        "detectMachine": True,
        "acceptMachine": False,
        "announcement": {"text": "hi"},
        "callerId": "+17202108298",
        "digits": "",
        "room": None,
    }
    assert payload["legs"][1]["askForOne"] is False
    json.dumps(payload)  # it is the execution's input: JSON only


@pytest.mark.parametrize("count", [0, 3])
def test_a_call_has_one_or_two_legs(count):
    leg = Leg("destination", ())
    with pytest.raises(ValueError):
        dialing.execution_input(1, [leg] * count)


def test_execution_names_are_deterministic():
    assert dialing.execution_name(744) == "call-744"
