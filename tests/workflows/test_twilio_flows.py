"""call.asl.json under moto with the Twilio carrier: the real adapter places calls on the
local fake Twilio (local/fake_twilio.py) over HTTP, checked against Twilio's OpenAPI
description; the fake requests each step's TwiML from the real webhooks, signed, and
carries it out; the webhooks report to the task tokens. The same results as the simulated
carrier (tests/workflows/test_call_workflow.py): Twilio detects answering machines."""

from decimal import Decimal

import pytest

from chalicelib.store import calls
from tests.workflows.test_call_workflow import (
    ORIGINATION,
    assert_failed,
    destination,
    origination,
    place_call,
    results,
)
from tests.workflows.twilio import twilio  # noqa: F401 (the fixture)

pytestmark = pytest.mark.usefixtures("sfn_aws", "frozen_clock")


def clean(net) -> None:
    assert net.twilio.idle(5)
    assert net.twilio.errors == []


def test_the_destination_presses_1_then_the_origination_is_bridged(twilio):
    arn = place_call(1177, [destination("7209814345"), origination()])
    execution = twilio.board.run(arn)
    assert execution["status"] == "SUCCEEDED"
    assert twilio.board.actions() == ["dial 0.0", "dial 1.0", "watch", "finish"]
    assert twilio.twilio.dialed == ["+17209814345"]
    assert twilio.twilio.bridged == ["+17202108298"]
    [sid] = twilio.twilio.calls
    assert twilio.board.messages[1]["bridgeTo"] == f"twilio:1177:{sid}"
    status = calls.get(1177, 1)
    assert (status.state, status.success, status.mou) == ("complete", True, Decimal("0.2"))
    assert results(1177) == [
        ("7209814345", "Success", "destination"),
        (ORIGINATION, "Success", "origination"),
    ]
    clean(twilio)


def test_call_origination_first_bridges_the_destinations_machine(twilio):
    arn = place_call(
        4, [origination(), destination("3035550103", accept_machine=True, ask_for_one=False)]
    )
    twilio.board.run(arn)
    assert results(4) == [
        (ORIGINATION, "Success", "origination"),
        ("3035550103", "Success", "destination"),
    ]
    assert calls.get(4, 1).state == "complete"
    clean(twilio)


def test_the_caller_id_is_a_number_of_the_account(twilio):
    arn = place_call(1, [destination("7209814345"), origination()])
    twilio.board.run(arn)
    [call] = twilio.twilio.calls.values()
    assert call.frm == "+17205550100"
    clean(twilio)


@pytest.mark.parametrize(
    "numbers, expected",
    [
        (
            ["3035550102", "3035550101", "3035550103", "3035551212"],
            # Twilio detects the machine (MachineDetection=Enable): Machine, as simulated
            ["NoAnswer", "Busy", "Machine", "Success"],
        ),
        (["3035550104", "3035550106", "3035550105"], ["Declined", "Failed", "Success"]),
    ],
)
def test_sequential_hunt_until_a_human_presses_1(twilio, numbers, expected):
    arn = place_call(2, [destination(*numbers), origination()])
    twilio.board.run(arn)
    keys = [f"dial 0.{i}" for i in range(len(numbers))]
    assert twilio.board.actions() == [*keys, "dial 1.0", "watch", "finish"]
    assert results(2) == [(n, r, "destination") for n, r in zip(numbers, expected, strict=True)] + [
        (ORIGINATION, "Success", "origination")
    ]
    assert calls.get(2, 1).state == "complete"
    clean(twilio)


def test_without_machine_detection_a_machine_never_presses_1(twilio):
    arn = place_call(9, [destination("3035550103", detect_machine=False), origination()])
    twilio.board.run(arn)
    assert results(9) == [("3035550103", "Declined", "destination")]
    # disableAMD: no detection was asked of Twilio
    [create] = [p for m, path, p in twilio.twilio.requests if path.endswith("/Calls.json")]
    assert "MachineDetection" not in dict(create)
    assert_failed(9)
    clean(twilio)


def test_all_numbers_fail(twilio):
    arn = place_call(5, [destination("3035550101", "3035550102", "3035550106"), origination()])
    twilio.board.run(arn)
    assert results(5) == [
        ("3035550101", "Busy", "destination"),
        ("3035550102", "NoAnswer", "destination"),
        ("3035550106", "Failed", "destination"),
    ]
    assert twilio.twilio.bridged == []
    assert_failed(5)
    clean(twilio)


def test_try_all_rings_every_number_at_once_and_the_first_human_wins(twilio):
    arn = place_call(
        3, [destination("3035550102", "3035550105", "3035550101", tryall=True), origination()]
    )
    twilio.board.run(arn)
    assert twilio.board.actions() == ["dial 0.all", "dial 1.0", "watch", "finish"]
    assert sorted(twilio.twilio.dialed) == ["+13035550101", "+13035550102", "+13035550105"]
    assert results(3) == [
        ("3035550102", "NoAnswer", "destination"),
        ("3035550105", "Success", "destination"),
        ("3035550101", "Busy", "destination"),
        (ORIGINATION, "Success", "origination"),
    ]
    assert calls.get(3, 1).state == "complete"
    clean(twilio)


def test_try_all_nobody_answers(twilio):
    arn = place_call(6, [destination("3035550101", "3035550104", tryall=True), origination()])
    twilio.board.run(arn)
    assert twilio.board.actions() == ["dial 0.all", "finish"]
    assert results(6) == [
        ("3035550101", "Busy", "destination"),
        ("3035550104", "Declined", "destination"),
    ]
    assert_failed(6)
    clean(twilio)


def test_a_busy_origination_releases_the_waiting_destination(twilio):
    arn = place_call(7, [destination("3035551212"), origination("7205550101")])
    twilio.board.run(arn)
    assert results(7) == [
        ("3035551212", "Success", "destination"),
        ("7205550101", "Busy", "origination"),
    ]
    assert_failed(7)
    clean(twilio)


def test_the_origination_hunts_while_the_destination_holds(twilio):
    arn = place_call(8, [destination("3035551212"), origination("7205550102", "7202108298")])
    twilio.board.run(arn)
    assert results(8) == [
        ("3035551212", "Success", "destination"),
        ("7205550102", "NoAnswer", "origination"),
        ("7202108298", "Success", "origination"),
    ]
    assert twilio.twilio.bridged == ["+17205550102", "+17202108298"]
    assert calls.get(8, 1).state == "complete"
    clean(twilio)


def test_a_try_all_origination_rings_in_one_dial_and_a_decliner_cannot_win(twilio):
    # The origination rings two numbers in one <Dial>; both are screened (press 1), so
    # the one who presses 2 is hung up and the other is put through
    arn = place_call(
        10, [destination("3035551212"), origination("7205550104", "7205550105", tryall=True)]
    )
    twilio.board.run(arn)
    assert results(10) == [
        ("3035551212", "Success", "destination"),
        ("7205550104", "Declined", "origination"),
        ("7205550105", "Success", "origination"),
    ]
    assert twilio.twilio.bridged == ["+17205550104", "+17205550105"]
    clean(twilio)
