"""Autoconferences and conferences executed under moto's Step Functions interpreter with
the dialer and the simulated carrier: the PIN outpulsed to the conference engine, the
room the legs join, firing once, and the moderator charged when the conference closes."""

from decimal import Decimal

import pytest

from chalicelib import clock
from chalicelib.domain.destinations import Destination
from chalicelib.domain.numbers import Phone
from chalicelib.protocol.types import phone
from chalicelib.store import aws, calls, conferences, users
from chalicelib.store.autoconferences import Autoconference
from chalicelib.workflows import autoconference, conference, fire
from local import streams
from tests.workflows.conftest import NOW

pytestmark = pytest.mark.usefixtures("sfn_aws", "frozen_clock")

PIN = "123456#"
BRIDGE = "3035550199"  # the conference engine (a human-free test number would do as well)


def a_user(number: str, email: str) -> int:
    user_id, _created = users.create(
        1,
        {"first_name": "John", "last_name": "Doe"},
        email,
        users.NewPhone(phone("phoneNumber", number), 2),
        False,
    )
    return user_id


def execution_of(call_id: int) -> str:
    machine = aws.state_machine_arn()
    return f"{machine.replace(':stateMachine:', ':execution:', 1)}:call-{call_id}"


def started_executions() -> list[str]:
    sfn = aws.client("stepfunctions")
    return [
        e["name"]
        for e in sfn.list_executions(stateMachineArn=aws.state_machine_arn())["executions"]
    ]


def an_autoconference(user_id: int, *, number: str = BRIDGE, at: int = 0) -> int:
    call_id, _now = autoconference.create(
        1,
        user_id,
        Autoconference(
            number=Phone.from_display(number),
            pin=PIN,
            text="Your conference is starting: press 1",
            origination=Destination(1, user_id),
            time=at,
        ),
    )
    return call_id


def minutes_used(user_id: int) -> Decimal:
    from chalicelib.store import accounts

    return accounts.balances(1, user_id).mou_used


# --- autoconference -----------------------------------------------------------------------


def test_the_user_then_the_conference_then_the_pin_outpulsed_and_bridged(switchboard):
    # Given John, who answers and presses 1
    john = a_user("7205551212", "john@example.com")
    # When his autoconference starts now
    call_id = an_autoconference(john)
    execution = switchboard.run(execution_of(call_id))
    # Then John was dialed first, then the conference number, bridged to him
    assert execution["status"] == "SUCCEEDED"
    assert switchboard.actions() == ["dial 0.0", "dial 1.0", "watch", "finish"]
    assert [m["numbers"][0]["number"] for m in switchboard.messages[:2]] == ["7205551212", BRIDGE]
    assert switchboard.messages[1]["bridgeTo"] == f"sim:{call_id}:0.0"
    # and the carrier was asked to outpulse the PIN down the conference leg, once
    assert switchboard.carrier.sent_digits == [(f"sim:{call_id}:1.0", PIN)]
    # and the call is complete, its minutes charged to John
    status = calls.get(call_id, 1)
    assert (status.state, status.success, status.mou) == ("complete", True, Decimal("0.2"))
    assert minutes_used(john) == Decimal("0.2")


def test_a_scheduled_one_fired_twice_dials_once(switchboard):
    john = a_user("7205551212", "john@example.com")
    call_id = an_autoconference(john, at=NOW + 60)
    assert started_executions() == []
    # When Scheduler delivers its schedule twice
    fire.fire({"kind": "autoconference", "id": call_id, "version": 0})
    fire.fire({"kind": "autoconference", "id": call_id, "version": 0})
    # Then one execution dials, and the PIN is sent once
    assert started_executions() == [f"call-{call_id}"]
    switchboard.run(execution_of(call_id))
    fire.fire({"kind": "autoconference", "id": call_id, "version": 0})
    assert started_executions() == [f"call-{call_id}"]
    assert switchboard.carrier.sent_digits == [(f"sim:{call_id}:1.0", PIN)]
    assert calls.get(call_id, 1).state == "complete"


def test_a_user_who_does_not_press_1_is_never_put_through(switchboard):
    john = a_user("7205550104", "john@example.com")
    call_id = an_autoconference(john)
    switchboard.run(execution_of(call_id))
    assert switchboard.actions() == ["dial 0.0", "finish"]
    assert switchboard.carrier.sent_digits == []
    assert [(a.number, a.result) for a in calls.get(call_id, 1).attempts] == [
        ("7205550104", "Declined")
    ]


def test_a_busy_conference_number_releases_the_user(switchboard):
    john = a_user("7205551212", "john@example.com")
    call_id = an_autoconference(john, number="3035550101")
    switchboard.run(execution_of(call_id))
    assert switchboard.carrier.sent_digits == []
    assert switchboard.carrier.hung_up == [f"sim:{call_id}:0.0"]
    assert calls.get(call_id, 1).state == "failed"
    assert minutes_used(john) == Decimal("0")


# --- conference ---------------------------------------------------------------------------


def test_legs_join_one_room_and_the_moderator_pays_once_when_it_closes(switchboard):
    # Given John's conference, reserved for a minute, and Jane added to it
    john = a_user("7205551212", "john@example.com")
    jane = a_user("3035551212", "jane@example.com")
    conference_id, john_call = conference.create(1, john, Destination(1, john), "Join", 60)
    switchboard.run(execution_of(john_call))
    [jane_call] = conference.add(1, conference_id, None, [Destination(1, jane)], "Join", None)
    switchboard.run(execution_of(jane_call))
    # Then both answered, pressed 1 and joined the same room
    room = f"sim-room:conference-{conference_id}"
    assert switchboard.carrier.rooms == {room: [f"sim:{john_call}:0.0", f"sim:{jane_call}:0.0"]}
    # and, both hung up (12 s each), the room stays reserved until its minute is up
    assert conferences.get(conference_id, 1).state == "open"
    assert minutes_used(john) == Decimal("0")
    # When the reservation ends
    clock.advance(60)
    fire.fire({"kind": "conference", "id": conference_id, "version": 0})
    # Then the conference closes, and John is charged the 12 s it lasted, once
    assert conferences.get(conference_id, 1).state == "closed"
    assert minutes_used(john) == Decimal("0.2")
    assert minutes_used(jane) == Decimal("0")
    fire.fire({"kind": "conference", "id": conference_id, "version": 0})
    assert minutes_used(john) == Decimal("0.2")
    # and each leg's own minutes show on its call
    assert [calls.get(c, 1).mou for c in (john_call, jane_call)] == [Decimal("0.2")] * 2


def test_the_last_leg_to_end_after_the_reservation_closes_it(switchboard):
    john = a_user("7205551212", "john@example.com")
    conference_id, john_call = conference.create(1, john, Destination(1, john), "Join", 60)
    # The reservation ends while John's phone is still ringing
    clock.advance(60)
    fire.fire({"kind": "conference", "id": conference_id, "version": 0})
    assert conferences.get(conference_id, 1).state == "open"
    # When his leg ends (and its end is read from the Calls and Conferences streams)
    switchboard.run(execution_of(john_call))
    streams.drain()
    # Then the conference is over: he is charged from its start until he hung up
    room = conferences.get(conference_id, 1)
    assert room.state == "closed"
    assert room.mou == minutes_used(john) == Decimal("1.2")  # 60 s + 12 s
