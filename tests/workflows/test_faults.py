"""Fault injection on the call workflow (issue 13): the dialer crashing before and after it
dials, a callback lost, duplicated or late, a schedule fired twice, a carrier error. After
each, the invariants of a call hold:

- no call is lost: its execution ends and the Calls item is complete or failed;
- no number is dialled twice: one carrier placement per attempt key;
- every minute is accounted once: the requester's mouused is the call's billed minutes.

A crash is an exception out of the dialer, after which SQS delivers the message again (the
Switchboard puts it back on the queue, as the visibility timeout would).
"""

from __future__ import annotations

import json
import threading
from decimal import Decimal

import pytest

from chalicelib.domain.destinations import Destination
from chalicelib.domain.numbers import Phone
from chalicelib.protocol.types import phone
from chalicelib.store import aws, calls, users
from chalicelib.telephony import CarrierError
from chalicelib.workflows import dialing
from chalicelib.workflows.dialing import Leg
from tests.workflows.conftest import NOW, QUICK_TIMEOUTS, target

pytestmark = pytest.mark.usefixtures("sfn_aws", "frozen_clock")

CALL_ID = 500


class Crash(Exception):
    """The dialer's Lambda dying mid-message."""


@pytest.fixture
def requester() -> int:
    user_id, _created = users.create(
        1,
        {"first_name": "John", "last_name": "Doe"},
        "john@example.com",
        users.NewPhone(phone("phoneNumber", "7202108298"), 2),
        False,
    )
    return user_id


def place_call(requester: int, *destination_numbers: str, quick: bool = True) -> str:
    """A call from 7202108298 to the numbers, hunted in order, with quick timeouts (so
    that a lost report times out in a second) unless `quick` is False."""
    calls.create(CALL_ID, eid=1, user_id=requester, kind="call", time_scheduled=NOW)
    legs = [
        Leg(
            "destination",
            tuple(target(n) for n in destination_numbers),
            label=destination_numbers[0],
            announcement={"text": "press 1"},
        ),
        Leg("origination", (target("7202108298"),), label="7202108298", ask_for_one=False),
    ]
    payload = dialing.execution_input(CALL_ID, legs)
    if quick:
        payload["timeouts"] = QUICK_TIMEOUTS
    return aws.client("stepfunctions").start_execution(
        stateMachineArn=aws.state_machine_arn(),
        name=dialing.execution_name(CALL_ID),
        input=json.dumps(payload),
    )["executionArn"]


def redeliver(message: dict) -> None:
    aws.client("sqs").send_message(QueueUrl=aws.dial_queue_url(), MessageBody=json.dumps(message))


def crashing_once(dialer, when) -> callable:
    """An intercept: the first message matching `when` crashes the dialer (by the fault
    `when` injects) and comes back; every other message is handled as usual."""
    crashed = []

    def intercept(message: dict) -> bool:
        if not crashed and when(message):
            crashed.append(message)
            try:
                dialer.handle(message)
            except Crash:
                redeliver(message)
            return True
        dialer.handle(message)
        return True

    intercept.crashed = crashed
    return intercept


def assert_call_holds(requester: int, switchboard, execution: dict) -> calls.CallStatus:
    from chalicelib.store import accounts

    # no call lost
    assert execution["status"] == "SUCCEEDED"
    status = calls.get(CALL_ID, 1)
    assert status.state in ("complete", "failed")
    # none dialled twice
    keys = [d.key for d in switchboard.carrier.placed]
    assert len(keys) == len(set(keys)), keys
    # every minute accounted once
    assert accounts.balances(1, requester).mou_used == status.mou
    return status


def attempts() -> list[tuple[str, str]]:
    return [(a.number, a.result) for a in calls.get(CALL_ID, 1).attempts]


def test_a_dialer_crash_before_dialing_dials_on_redelivery(requester, switchboard, monkeypatch):
    dialer = switchboard.dialer
    real_claim = dialer.ledger.claim_dial
    first = []

    def claim_or_crash(call_id, key, at):
        if not first:
            first.append(key)
            raise Crash("before the claim")
        return real_claim(call_id, key, at)

    monkeypatch.setattr(dialer, "ledger", _Ledger(claim_dial=claim_or_crash))
    arn = place_call(requester, "3035551111", quick=False)
    execution = switchboard.run(arn, intercept=crashing_once(dialer, _dial("0.0")))
    status = assert_call_holds(requester, switchboard, execution)
    assert (status.state, status.mou) == ("complete", Decimal("0.2"))
    assert [d.key for d in switchboard.carrier.placed] == ["0.0", "1.0"]


def test_a_dialer_crash_after_dialing_never_dials_that_attempt_again(
    requester, switchboard, monkeypatch
):
    dialer = switchboard.dialer
    real_record = dialer.ledger.record_attempts
    first = []

    def record_or_crash(call_id, key, records, at, calling_number=None):
        if not first:
            first.append(key)
            raise Crash("after the carrier placed the call")
        return real_record(call_id, key, records, at, calling_number=calling_number)

    monkeypatch.setattr(dialer, "ledger", _Ledger(record_attempts=record_or_crash))
    arn = place_call(requester, "3035551111", "3035552222")
    execution = switchboard.run(arn, intercept=crashing_once(dialer, _dial("0.0")))
    status = assert_call_holds(requester, switchboard, execution)
    # The attempt whose outcome was lost ends as NoAnswer when its heartbeat stops; the
    # hunt goes on to the next number.
    assert attempts()[0] == ("3035551111", "NoAnswer")
    assert status.state == "complete"
    assert [d.key for d in switchboard.carrier.placed] == ["0.0", "0.1", "1.0"]


def test_a_lost_callback_is_no_answer_and_a_late_one_rings_nobody(requester, switchboard):
    lost = []

    def lose_first_dial(message):
        if message["action"] == "dial" and message["key"] == "0.0" and not lost:
            lost.append(message)
            return True
        return False

    arn = place_call(requester, "3035551111", "3035552222")
    execution = switchboard.run(arn, intercept=lose_first_dial)
    assert_call_holds(requester, switchboard, execution)
    placed = len(switchboard.carrier.placed)
    from chalicelib.workflows.dialer import Dialer, StepFunctionsTasks

    Dialer(carrier=switchboard.carrier, tasks=StepFunctionsTasks(settle_attempts=2)).handle(lost[0])
    assert len(switchboard.carrier.placed) == placed
    assert attempts()[0] == ("3035551111", "NoAnswer")


def test_every_message_and_callback_duplicated_changes_nothing(requester, switchboard):
    from chalicelib.workflows.dialer import Dialer, StepFunctionsTasks

    class Twice(StepFunctionsTasks):
        def succeed(self, token, output):
            super().succeed(token, output)
            super().succeed(token, output)  # the callback delivered twice

    dialer = switchboard.dialer
    dialer.tasks = Twice()
    # The second delivery finds its task done; it need not wait for moto's early tokens.
    again = Dialer(carrier=switchboard.carrier, tasks=StepFunctionsTasks(settle_attempts=2))

    def twice(message):
        dialer.handle(message)
        again.handle(message)  # SQS delivers at least once
        return True

    arn = place_call(requester, "3035551111", quick=False)
    execution = switchboard.run(arn, intercept=twice)
    status = assert_call_holds(requester, switchboard, execution)
    assert (status.state, status.mou) == ("complete", Decimal("0.2"))
    assert len(attempts()) == 2


def test_a_crash_after_the_call_is_finished_bills_it_once(requester, switchboard, monkeypatch):
    from chalicelib.workflows.dialer import StepFunctionsTasks

    dialer = switchboard.dialer
    crashed = []

    class CrashOnFinishReport(StepFunctionsTasks):
        def succeed(self, token, output):
            if "finished" in output and not crashed:
                crashed.append(output)
                raise Crash("after the finish transaction, before the report")
            super().succeed(token, output)

    dialer.tasks = CrashOnFinishReport()
    arn = place_call(requester, "3035551111", quick=False)
    intercept = crashing_once(dialer, lambda m: m["action"] == "finish")
    execution = switchboard.run(arn, intercept=intercept)
    status = assert_call_holds(requester, switchboard, execution)
    assert crashed == [{"finished": True}]
    assert (status.state, status.mou) == ("complete", Decimal("0.2"))


def test_a_carrier_error_fails_that_number_and_the_hunt_goes_on(requester, switchboard):
    carrier = switchboard.carrier
    real_place = carrier.place

    def place(dial):
        if dial.key == "0.0":
            carrier.placed.append(dial)
            raise CarrierError("the carrier refused the call")
        return real_place(dial)

    carrier.place = place
    arn = place_call(requester, "3035551111", "3035552222", quick=False)
    execution = switchboard.run(arn)
    status = assert_call_holds(requester, switchboard, execution)
    assert attempts()[:2] == [("3035551111", "Failed"), ("3035552222", "Success")]
    assert (status.state, status.mou) == ("complete", Decimal("0.2"))


def test_a_schedule_fired_twice_at_once_starts_one_call(requester, switchboard):
    from chalicelib.store.autoconferences import Autoconference
    from chalicelib.workflows import autoconference, fire

    call_id, _started = autoconference.create(
        1,
        requester,
        Autoconference(
            number=Phone.from_display("3035550199"),
            pin="1#",
            text="",
            origination=Destination(1, requester),
            time=NOW + 60,
        ),
    )
    delivery = {"kind": "autoconference", "id": call_id, "version": 0}
    both = [threading.Thread(target=fire.fire, args=(delivery,)) for _ in range(2)]
    for t in both:
        t.start()
    for t in both:
        t.join()
    sfn = aws.client("stepfunctions")
    started = sfn.list_executions(stateMachineArn=aws.state_machine_arn())["executions"]
    assert [e["name"] for e in started] == [f"call-{call_id}"]
    switchboard.run(started[0]["executionArn"])
    keys = [d.key for d in switchboard.carrier.placed]
    assert keys == ["0.0", "1.0"]
    from chalicelib.store import accounts

    status = calls.get(call_id, 1)
    assert accounts.balances(1, requester).mou_used == status.mou == Decimal("0.2")


def _dial(key: str):
    return lambda m: m["action"] == "dial" and m.get("key") == key


class _Ledger:
    """store.calls with some functions replaced."""

    def __init__(self, **replaced):
        self._replaced = replaced

    def __getattr__(self, name):
        if name in self._replaced:
            return self._replaced[name]
        return getattr(calls, name)
