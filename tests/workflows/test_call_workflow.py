"""call.asl.json under moto, with the dialer and the simulated carrier (docs/carriers.md
"Test numbers"): every way a leg can end, the bridge, and what the Calls item says after."""

import json
from decimal import Decimal

import pytest

from chalicelib.store import aws, calls
from chalicelib.store.calls import AttemptRecord
from chalicelib.workflows import dialing
from chalicelib.workflows.dialing import Leg
from tests.workflows.conftest import NOW, QUICK_TIMEOUTS, states_entered, target

pytestmark = pytest.mark.usefixtures("sfn_aws", "frozen_clock")

REQUESTER = 235
ORIGINATION = "7202108298"


def destination(*numbers, **options) -> Leg:
    return Leg(
        "destination",
        tuple(target(n) for n in numbers),
        label=numbers[0] if numbers else "3035550100",
        announcement={"text": "Call from John, press 1"},
        **options,
    )


def origination(*numbers, **options) -> Leg:
    options.setdefault("ask_for_one", False)
    return Leg(
        "origination",
        tuple(target(n) for n in numbers or (ORIGINATION,)),
        label=ORIGINATION,
        **options,
    )


def place_call(call_id: int, legs: list[Leg], timeouts: dict | None = None) -> str:
    """What call POST will do: the item, then the execution."""
    calls.create(call_id, eid=1, user_id=REQUESTER, kind="call", time_scheduled=NOW)
    if timeouts is None:
        return dialing.start(call_id, legs)
    payload = dialing.execution_input(call_id, legs)
    payload["timeouts"] = timeouts
    return aws.client("stepfunctions").start_execution(
        stateMachineArn=aws.state_machine_arn(),
        name=dialing.execution_name(call_id),
        input=json.dumps(payload),
    )["executionArn"]


def results(call_id: int) -> list[tuple[str, str, str]]:
    return [(a.number, a.result, a.role) for a in calls.get(call_id, 1).attempts]


# --- answered -------------------------------------------------------------------


def test_answered_on_the_first_number(switchboard):
    # Given a call from John to a destination who answers and presses 1
    arn = place_call(1177, [destination("7209814345"), origination()])
    # When the dialing runs
    execution = switchboard.run(arn)
    # Then the destination was dialed, then the origination bridged to it, and the call
    # is complete with the minutes it lasted (12 s: 0.2)
    assert execution["status"] == "SUCCEEDED"
    assert switchboard.actions() == ["dial 0.0", "dial 1.0", "watch", "finish"]
    assert switchboard.messages[1]["bridgeTo"] == "sim:1177:0.0"
    status = calls.get(1177, 1)
    assert (status.state, status.success, status.complete, status.mou) == (
        "complete",
        True,
        True,
        Decimal("0.2"),
    )
    assert (status.time_scheduled, status.time_originated, status.time_completed) == (NOW, NOW, NOW)
    assert status.calling_number == ORIGINATION
    assert status.attempts == (
        AttemptRecord("7209814345", "Success", "destination"),
        AttemptRecord(ORIGINATION, "Success", "origination"),
    )


def test_the_execution_history_shows_each_step(switchboard):
    arn = place_call(1, [destination("7209814345"), origination()])
    switchboard.run(arn)
    assert states_entered(arn) == [
        "Start",
        "Leg",
        "CountNumbers",
        "Screen",
        "RingNext",
        "Dial",
        "Answered",
        "LegAnswered",
        "MoreLegs",
        "Leg",
        "CountNumbers",
        "Screen",
        "RingNext",
        "Dial",
        "Answered",
        "LegAnswered",
        "MoreLegs",
        "Watch",
        "Completed",
        "Finish",
        "Done",
    ]


@pytest.mark.parametrize(
    "numbers, expected",
    [
        (
            ["3035550102", "3035550101", "3035550103", "3035551212"],
            ["NoAnswer", "Busy", "Machine", "Success"],
        ),
        (["3035550104", "3035550106", "3035550105"], ["Declined", "Failed", "Success"]),
    ],
)
def test_sequential_hunt_until_a_human_presses_1(switchboard, numbers, expected):
    # Given a hunt order whose first numbers do not reach a human who presses 1
    arn = place_call(2, [destination(*numbers), origination()])
    switchboard.run(arn)
    # Then one dial per number, in order, until the human; then the origination
    keys = [f"dial 0.{i}" for i in range(len(numbers))]
    assert switchboard.actions() == [*keys, "dial 1.0", "watch", "finish"]
    assert results(2) == [(n, r, "destination") for n, r in zip(numbers, expected, strict=True)] + [
        (ORIGINATION, "Success", "origination")
    ]
    assert calls.get(2, 1).state == "complete"


def test_try_all_rings_every_number_at_once_and_the_first_human_wins(switchboard):
    arn = place_call(
        3, [destination("3035550102", "3035550105", "3035550101", tryall=True), origination()]
    )
    switchboard.run(arn)
    # One Task for the whole leg
    assert switchboard.actions() == ["dial 0.all", "dial 1.0", "watch", "finish"]
    assert len(switchboard.messages[0]["numbers"]) == 3
    assert results(3) == [
        ("3035550102", "NoAnswer", "destination"),
        ("3035550105", "Success", "destination"),
        ("3035550101", "Busy", "destination"),
        (ORIGINATION, "Success", "origination"),
    ]
    assert calls.get(3, 1).state == "complete"


def test_call_origination_first_accepts_the_destinations_machine(switchboard):
    # callOrigination=1: the requester first; the destination's voicemail may take it
    arn = place_call(
        4, [origination(), destination("3035550103", accept_machine=True, ask_for_one=False)]
    )
    switchboard.run(arn)
    assert results(4) == [
        (ORIGINATION, "Success", "origination"),
        ("3035550103", "Success", "destination"),
    ]
    assert switchboard.messages[1]["bridgeTo"] == "sim:4:0.0"
    status = calls.get(4, 1)
    assert (status.state, status.calling_number) == ("complete", ORIGINATION)


# --- not answered ---------------------------------------------------------------


def assert_failed(call_id: int) -> None:
    status = calls.get(call_id, 1)
    assert (status.state, status.success, status.complete, status.mou) == (
        "failed",
        False,
        True,
        Decimal("0.0"),
    )
    assert status.time_completed == NOW


def test_all_numbers_fail(switchboard):
    arn = place_call(5, [destination("3035550101", "3035550102", "3035550106"), origination()])
    execution = switchboard.run(arn)
    # The call fails, and the origination is never dialed
    assert execution["status"] == "SUCCEEDED"
    assert switchboard.actions() == ["dial 0.0", "dial 0.1", "dial 0.2", "finish"]
    assert results(5) == [
        ("3035550101", "Busy", "destination"),
        ("3035550102", "NoAnswer", "destination"),
        ("3035550106", "Failed", "destination"),
    ]
    assert_failed(5)


def test_try_all_nobody_answers(switchboard):
    arn = place_call(6, [destination("3035550101", "3035550104", tryall=True), origination()])
    switchboard.run(arn)
    assert switchboard.actions() == ["dial 0.all", "finish"]
    assert results(6) == [
        ("3035550101", "Busy", "destination"),
        ("3035550104", "Declined", "destination"),
    ]
    assert_failed(6)


def test_the_origination_does_not_answer_and_the_waiting_destination_is_released(switchboard):
    # Given a destination who pressed 1, When the origination is busy
    arn = place_call(7, [destination("3035551212"), origination("7205550101")])
    switchboard.run(arn)
    # Then the destination's held leg is hung up and the call failed
    assert switchboard.carrier.hung_up == ["sim:7:0.0"]
    assert results(7) == [
        ("3035551212", "Success", "destination"),
        ("7205550101", "Busy", "origination"),
    ]
    assert_failed(7)


@pytest.mark.parametrize(
    "options, result",
    [
        ({"dnd": True}, "DND"),
        ({"blacklisted": True}, "Blacklisted"),
    ],
)
def test_a_leg_that_ends_before_ringing(switchboard, options, result):
    # Given a destination in do-not-disturb, or one that blacklisted the origination
    arn = place_call(8, [destination("3035551212", **options), origination()])
    switchboard.run(arn)
    # Then no number rings, and the leg's own result is the attempt
    assert switchboard.actions() == ["finish"]
    assert switchboard.carrier.placed == []
    assert results(8) == [("3035551212", result, "destination")]
    assert_failed(8)


def test_an_empty_resolution_fails_the_leg(switchboard):
    arn = place_call(9, [destination(), origination()])
    switchboard.run(arn)
    assert switchboard.actions() == ["finish"]
    assert results(9) == [("3035550100", "Failed", "destination")]
    assert_failed(9)


def test_blacklisted_wins_over_dnd(switchboard):
    arn = place_call(10, [destination("3035551212", dnd=True, blacklisted=True), origination()])
    switchboard.run(arn)
    assert results(10) == [("3035551212", "Blacklisted", "destination")]


# --- callbacks that never arrive ------------------------------------------------


def test_a_callback_that_never_arrives_is_no_answer_and_the_hunt_goes_on(switchboard):
    # Given the dialer's report for the first number is lost
    arn = place_call(
        11, [destination("3035551111", "3035552222"), origination()], timeouts=QUICK_TIMEOUTS
    )
    lost = []

    def lose_first_dial(message):
        if message["action"] == "dial" and message["key"] == "0.0":
            lost.append(message)
            return True
        return False

    # When the heartbeat timeout passes
    execution = switchboard.run(arn, intercept=lose_first_dial)
    # Then that number is recorded as NoAnswer and the next one is dialed
    assert execution["status"] == "SUCCEEDED"
    assert switchboard.actions() == [
        "dial 0.0",
        "record 0.0",
        "dial 0.1",
        "dial 1.0",
        "watch",
        "finish",
    ]
    assert results(11) == [
        ("3035551111", "NoAnswer", "destination"),
        ("3035552222", "Success", "destination"),
        (ORIGINATION, "Success", "origination"),
    ]
    # And the lost message, delivered late, rings nobody
    from chalicelib.workflows.dialer import Dialer, StepFunctionsTasks

    late = Dialer(carrier=switchboard.carrier, tasks=StepFunctionsTasks(settle_attempts=2))
    placed = len(switchboard.carrier.placed)
    late.handle(lost[0])
    assert len(switchboard.carrier.placed) == placed


def test_no_callback_at_all_ends_the_call_as_no_answer(switchboard):
    arn = place_call(12, [destination("3035551111"), origination()], timeouts=QUICK_TIMEOUTS)
    execution = switchboard.run(arn, intercept=lambda m: m["action"] == "dial")
    assert execution["status"] == "SUCCEEDED"
    assert switchboard.actions() == ["dial 0.0", "record 0.0", "finish"]
    assert results(12) == [("3035551111", "NoAnswer", "destination")]
    assert_failed(12)


def test_a_try_all_callback_that_never_arrives_records_every_number(switchboard):
    arn = place_call(
        13,
        [destination("3035551111", "3035552222", tryall=True), origination()],
        timeouts=QUICK_TIMEOUTS,
    )
    switchboard.run(arn, intercept=lambda m: m["action"] == "dial")
    assert results(13) == [
        ("3035551111", "NoAnswer", "destination"),
        ("3035552222", "NoAnswer", "destination"),
    ]
    assert_failed(13)


# --- duplicates -----------------------------------------------------------------


def test_a_duplicate_start_is_harmless(switchboard):
    # Given a call started twice (a retried request)
    legs = [destination("3035551212"), origination()]
    first = place_call(14, legs)
    second = dialing.start(14, legs)
    # Then there is one execution, and the call is dialed once
    assert second == first
    sfn = aws.client("stepfunctions")
    assert len(sfn.list_executions(stateMachineArn=aws.state_machine_arn())["executions"]) == 1
    switchboard.run(first)
    assert len(switchboard.carrier.placed) == 2
    # And starting it again after it ended changes nothing
    assert dialing.start(14, legs) == first
    assert len(sfn.list_executions(stateMachineArn=aws.state_machine_arn())["executions"]) == 1
    assert calls.get(14, 1).state == "complete"


def test_a_redelivered_dial_message_dials_once(switchboard):
    arn = place_call(15, [destination("3035551212"), origination()])
    dialer = switchboard.dialer

    def deliver_twice(message):
        dialer.handle(message)
        dialer.handle(message)
        return True

    switchboard.run(arn, intercept=deliver_twice)
    assert [d.key for d in switchboard.carrier.placed] == ["0.0", "1.0"]
    assert len(results(15)) == 2
    assert calls.get(15, 1).state == "complete"


# --- the Lambda entry point -----------------------------------------------------


def test_the_dial_queue_handler_hands_messages_to_the_dialer():
    from chalice.test import Client

    from app import app

    # Given a call and a record message as SQS delivers it to the dialer Lambda
    calls.create(16, eid=1, user_id=REQUESTER, kind="call", time_scheduled=NOW)
    message = {
        "action": "record",
        "token": "no-longer-waiting",
        "callId": 16,
        "key": "0.0",
        "role": "destination",
        "result": "NoAnswer",
        "numbers": [{"number": "3035551212", "e164": "+13035551212"}],
    }
    with Client(app, stage_name="test") as client:
        client.lambda_.invoke("dialer", client.events.generate_sqs_event([json.dumps(message)]))
    assert results(16) == [("3035551212", "NoAnswer", "destination")]
