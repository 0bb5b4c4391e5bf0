"""The dial queue's messages: `decode` reads what the state machine sends (the shape
`encode` writes), and reads back every task `encode` wrote."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.telephony import Target
from chalicelib.workflows import tasks
from chalicelib.workflows.dialing import Leg
from chalicelib.workflows.messages import UnknownAction
from chalicelib.workflows.tasks import DialTask, FinishTask, LegEnd, RecordTask, WatchTask

ids = st.integers(1, 2**53)
keys = st.sampled_from(["0.0", "0.1", "1.all", "0.screen"])
words = st.text(max_size=20)
targets = st.builds(
    Target, st.text("0123456789", min_size=10, max_size=10), st.just("+13035551212")
)
numbers = st.lists(targets, max_size=3).map(tuple)
legs = st.builds(
    Leg,
    role=st.sampled_from(["destination", "origination", "conference", "recipient"]),
    numbers=numbers,
    label=words,
    tryall=st.booleans(),
    dnd=st.booleans(),
    blacklisted=st.booleans(),
    ask_for_one=st.booleans(),
    detect_machine=st.booleans(),
    accept_machine=st.booleans(),
    announcement=st.one_of(st.just({}), st.fixed_dictionaries({"text": words})),
    caller_id=st.one_of(st.none(), st.just("+13035550000")),
    digits=st.text("0123456789#*", max_size=6),
    room=st.one_of(st.none(), words),
    share=st.one_of(st.none(), st.just("1")),
)
dials = st.builds(
    DialTask, ids, keys, numbers, legs, st.one_of(st.none(), words), st.text(min_size=1)
)
records = st.builds(RecordTask, ids, keys, words, numbers, words, st.text(min_size=1))
watches = st.builds(WatchTask, ids, st.text(min_size=1), st.text(min_size=1))
finishes = st.builds(
    FinishTask,
    call_id=ids,
    success=st.booleans(),
    release=st.one_of(st.none(), words),
    seconds=st.one_of(st.none(), st.integers(0, 10**6)),
    ended=st.just(True),
    leg=st.one_of(st.none(), st.builds(LegEnd, keys, words, words, words)),
    token=st.text(min_size=1),
) | st.builds(
    FinishTask,
    call_id=ids,
    success=st.booleans(),
    release=st.one_of(st.none(), words),
    seconds=st.none(),
    ended=st.just(False),
    leg=st.none(),
    token=st.text(min_size=1),
)


@given(st.one_of(dials, records, watches, finishes))
def test_a_task_reads_back_through_json(task: tasks.Task) -> None:
    assert tasks.decode(json.loads(json.dumps(task.encode()))) == task


@given(legs)
def test_a_leg_reads_back_from_its_input(leg: Leg) -> None:
    assert Leg.from_input(json.loads(json.dumps(leg.to_input()))) == leg


def test_a_dial_as_the_state_machine_sends_it() -> None:
    leg = Leg("destination", (Target("3035551212", "+13035551212"),), label="3035551212")
    message = {
        "action": "dial",
        "key": "0.0",
        "numbers": [{"number": "3035551212", "e164": "+13035551212"}],
        "leg": leg.to_input(),
        "bridgeTo": None,
        "token": "tok",
        "callId": 9,
    }
    task = tasks.decode(message)
    assert task == DialTask(9, "0.0", leg.numbers, leg, None, "tok")
    assert task.encode() == message
    dial = task.dial()
    assert (dial.call_id, dial.key, dial.role, dial.targets, dial.token) == (
        9,
        "0.0",
        "destination",
        leg.numbers,
        "tok",
    )


def test_a_finish_as_the_state_machine_sends_it() -> None:
    message = {
        "action": "finish",
        "end": {
            "success": False,
            "ended": None,
            "release": "sim:9:0.0",
            "leg": {
                "key": "1.screen",
                "role": "origination",
                "number": "3035551212",
                "result": "DND",
            },
        },
        "token": "f",
        "callId": 9,
    }
    task = tasks.decode(message)
    assert task == FinishTask(
        9,
        False,
        "sim:9:0.0",
        None,
        False,
        LegEnd("1.screen", "origination", "3035551212", "DND"),
        "f",
    )
    assert task.encode() == message


@pytest.mark.parametrize("data", [None, {}, {"action": "hang up"}])
def test_a_message_of_no_known_action_is_unknown(data: object) -> None:
    with pytest.raises(UnknownAction):
        tasks.decode(data)


def test_a_known_action_without_its_fields_is_not_taken_for_unknown() -> None:
    with pytest.raises(KeyError):
        tasks.decode({"action": "dial", "callId": 9})
