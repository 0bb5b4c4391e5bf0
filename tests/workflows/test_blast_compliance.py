"""Blast compliance in the fan-out (workflows/compliance.py, issue 27) over moto, the clock
frozen before the recipients' calling window and then moved into it: recipients wait
(`scheduled`, notBefore), then are texted / dialled; a do-not-call recipient never
reaches the carrier or the provider; the daily frequency cap across blasts.

Executions are recorded, not run (the state machine's Pace state is the wait; its input
is checked)."""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from chalicelib import clock
from chalicelib.domain.calling_hours import CallingWindow
from chalicelib.domain.compliance import BlastRules, EnterpriseRules
from chalicelib.domain.kinds import SMS, VOICE
from chalicelib.store import aws, blasts, donotcall
from chalicelib.store import recipients as recipient_calls
from chalicelib.workflows import dialing, fanout, fire
from local import worker
from tests.workflows.test_blast_fanout import ORIGINATION, REQUESTER, drain, phone, sent_sms

DENVER = ZoneInfo("America/Denver")  # 303 numbers
# 2026-12-08 06:00 in Denver (13:00 UTC): two hours before an 08:00-21:00 window.
EARLY = int(datetime(2026, 12, 8, 6, 0, tzinfo=DENVER).timestamp())
OPENS = int(datetime(2026, 12, 8, 8, 0, tzinfo=DENVER).timestamp())
WINDOW = CallingWindow.parse("08:00-21:00")


@pytest.fixture
def early():
    with clock.frozen(EARLY):
        yield EARLY


def start_now(kind: str, terminations: list, rules: BlastRules) -> int:
    blast_id, scheduled = fanout.create(
        1,
        REQUESTER,
        kind,
        when=None,
        text="School closed tomorrow",
        audio=None,
        hide_ani=False,
        allow_callback=False,
        origination=ORIGINATION,
        terminations=terminations,
        compliance=rules,
    )
    assert not scheduled
    drain()
    return blast_id


def results(blast_id: int) -> list:
    blast = blasts.load(blast_id)
    assert blast is not None
    return recipient_calls.results(blast)


def execution_inputs() -> dict[str, dict]:
    sfn = aws.client("stepfunctions")
    arn = aws.state_machine_arn()
    return {
        e["name"]: json.loads(sfn.describe_execution(executionArn=e["executionArn"])["input"])
        for e in sfn.list_executions(stateMachineArn=arn)["executions"]
    }


@pytest.mark.usefixtures("aws", "early")
def test_sms_recipients_wait_for_their_window_then_are_texted_once():
    # Given an SMS blast at 06:00 Denver time with a window from 08:00
    blast_id = start_now(SMS, [phone("3035551212"), phone("3035551213")], BlastRules(WINDOW))
    # Then nobody is texted; each waits, scheduled, until 08:00 Denver time
    assert sent_sms() == []
    assert [(r.state, r.not_before) for r in results(blast_id)] == [("scheduled", OPENS)] * 2
    # and the blast has one wake-up for that opening, not one per recipient
    assert worker.fire_due_schedules() == 0
    # When the clock reaches the opening and the wake-up fires
    clock.advance(OPENS - EARLY)
    assert worker.fire_due_schedules() == 1
    drain()
    # Then both are texted, once
    assert sorted(to for to, _ in sent_sms()) == ["+13035551212", "+13035551213"]
    assert [r.state for r in results(blast_id)] == ["complete", "complete"]
    # and a second wake-up (a redelivery) texts nobody again
    fanout.wake(blast_id, 1)
    drain()
    assert len(sent_sms()) == 2


@pytest.mark.usefixtures("aws", "early")
def test_voice_recipients_wait_in_their_execution_until_the_window_opens():
    blast_id = start_now(VOICE, [phone("3035551212")], BlastRules(WINDOW))
    (status,) = results(blast_id)
    assert (status.state, status.not_before) == ("scheduled", OPENS)
    # Its execution waits in the Pace state until the opening (no schedule)
    (inputs,) = execution_inputs().values()
    assert inputs["pace"] == {"at": dialing.timestamp(OPENS), "done": False}


@pytest.mark.usefixtures("aws", "early")
def test_a_do_not_call_recipient_is_never_dialled_or_texted():
    donotcall.add(1, ["+13035551213"], "api", EARLY)
    clock.advance(OPENS - EARLY)
    # A voice blast: the listed recipient gets no execution, and ends DoNotCall
    voice = start_now(VOICE, [phone("3035551212"), phone("3035551213")], BlastRules(WINDOW))
    assert sorted(execution_inputs()) == [f"blast-{voice}-0"]
    listed = results(voice)[1]
    assert (listed.state, listed.attempts) == ("failed", (("3035551213", "DoNotCall"),))
    # An SMS blast: nothing is sent to it
    text = start_now(SMS, [phone("3035551213"), phone("3035551212")], BlastRules())
    assert [to for to, _ in sent_sms()] == ["+13035551212"]
    assert results(text)[0].attempts == (("3035551213", "DoNotCall"),)


@pytest.mark.usefixtures("aws", "early")
def test_the_daily_cap_holds_a_second_blast_until_the_next_day():
    donotcall.set_rules(1, EnterpriseRules(WINDOW, "America/Denver", 1))
    clock.advance(OPENS - EARLY)
    first = start_now(SMS, [phone("3035551212")], BlastRules())
    second = start_now(SMS, [phone("3035551212")], BlastRules())
    assert len(sent_sms()) == 1
    assert results(first)[0].state == "complete"
    tomorrow = int(datetime(2026, 12, 9, 8, 0, tzinfo=DENVER).timestamp())
    assert (results(second)[0].state, results(second)[0].not_before) == ("scheduled", tomorrow)


@pytest.mark.usefixtures("aws", "early")
def test_a_window_that_never_opens_in_seven_days_ends_outside_calling_hours():
    # A number in two zones (605: Mountain and Central) and a one-minute window that is
    # never open in both at once.
    never = CallingWindow.parse("08:00-08:01")
    blast_id = start_now(SMS, [phone("6055551212")], BlastRules(never))
    (status,) = results(blast_id)
    assert (status.state, status.attempts) == ("failed", (("6055551212", "OutsideCallingHours"),))
    assert sent_sms() == []


@pytest.mark.usefixtures("aws", "early")
def test_an_opted_out_text_adds_its_number_to_the_list():
    # 555-0114 replied STOP at the provider (docs/sms.md test numbers)
    clock.advance(OPENS - EARLY)
    start_now(SMS, [phone("3035550114")], BlastRules())
    found = donotcall.get(1, "+13035550114")
    assert found is not None and found.source == "sms"


def test_fire_knows_the_wake_up():
    assert fire.KINDS[fanout.compliance.WAKE_KIND] == "chalicelib.workflows.fanout:wake"


# -- retries, run under moto's interpreter ----------------------------------------------------

PAST = 1795705200  # 2026-11-26, before the machine's own clock: moto's Waits pass at once


@pytest.mark.usefixtures("sfn_aws")
def test_a_busy_recipient_is_tried_again_and_finished_once(switchboard):
    from tests.workflows.test_blast_fanout import run_all

    with clock.frozen(PAST):
        # Given a voice blast with two retries to a busy line and to a person
        blast_id = start_now(
            VOICE, [phone("3035550101"), phone("3035551212")], BlastRules(retries=2)
        )
        # When every recipient's dialing runs
        assert run_all(switchboard) == ["SUCCEEDED"] * 2
    # Then the busy line was tried three times, each one more <attempt>, and ended once
    busy, person = results(blast_id)
    assert (busy.state, busy.attempts) == ("failed", (("3035550101", "Busy"),) * 3)
    assert (person.state, person.attempts) == ("complete", (("3035551212", "Success"),))
    retries = [m for m in switchboard.messages if m.get("action") == "retry"]
    assert len(retries) == 2
    assert [m["retry"]["left"] for m in retries] == [2, 1]
    finishes = [m for m in switchboard.messages if m.get("action") == "finish"]
    assert len(finishes) == 2


def test_a_retry_waits_its_interval_inside_the_window():
    from chalicelib.domain.compliance import retry_at

    zones = ("America/Denver",)
    late = int(datetime(2026, 12, 8, 20, 50, tzinfo=DENVER).timestamp())
    tomorrow = int(datetime(2026, 12, 9, 8, 0, tzinfo=DENVER).timestamp())
    deadline = late + 7 * 86400
    assert retry_at(EARLY + 7200, 1800, WINDOW, zones, deadline) == EARLY + 9000
    assert retry_at(late, 1800, WINDOW, zones, deadline) == tomorrow
    assert retry_at(late, 1800, WINDOW, zones, late + 600) is None
    assert retry_at(late, 1800, None, zones, deadline) == late + 1800


@pytest.mark.usefixtures("sfn_aws")
def test_a_recipient_who_presses_the_opt_out_digit_is_opted_out_and_listed(switchboard):
    from tests.workflows.test_blast_fanout import run_all

    with clock.frozen(PAST):
        # Given a voice blast with optOutDigit 9 to 555-0107 (presses it) and a person
        blast_id = start_now(
            VOICE,
            [phone("3035550107"), phone("3035551212")],
            BlastRules(retries=1, opt_out_digit="9"),
        )
        assert run_all(switchboard) == ["SUCCEEDED"] * 2
    # Then the announcement ended with the prompt, and carried the digit
    dial = switchboard.carrier.placed[0]
    assert dial.announcement["optOut"]["digit"] == "9"
    assert dial.announcement["optOut"]["prompt"] == "To stop receiving these calls, press 9."
    # and the one who pressed it is OptedOut (not retried) and on the do-not-call list
    opted, person = results(blast_id)
    assert (opted.state, opted.attempts) == ("failed", (("3035550107", "OptedOut"),))
    assert person.state == "complete"
    found = donotcall.get(1, "+13035550107")
    assert found is not None and found.source == "voice"


@pytest.mark.usefixtures("aws", "early")
def test_the_receipt_sweep_leaves_a_waiting_recipient_waiting():
    from chalicelib.workflows import texting

    blast_id = start_now(SMS, [phone("3035551212")], BlastRules(WINDOW))
    texting.sweep(blast_id, 1)
    (status,) = results(blast_id)
    assert (status.state, status.not_before) == ("scheduled", OPENS)
