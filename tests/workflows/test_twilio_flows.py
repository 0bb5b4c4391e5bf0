"""call.asl.json under moto with the Twilio carrier: the real adapter places calls on the
local fake Twilio (local/fake_twilio.py) over HTTP, checked against Twilio's OpenAPI
description; the fake requests each step's TwiML from the real webhooks, signed, and
carries it out; the webhooks report to the task tokens. The same results as the simulated
carrier (tests/workflows/test_call_workflow.py): Twilio detects answering machines."""

from dataclasses import replace
from decimal import Decimal

import pytest

from chalicelib import clock
from chalicelib.protocol.types import Destination
from chalicelib.store import calls, conferences
from chalicelib.telephony.twilio.hooks import EMPTY
from chalicelib.workflows import conference, fire
from tests.workflows.conftest import NOW, QUICK_TIMEOUTS
from tests.workflows.test_call_workflow import (
    ORIGINATION,
    assert_failed,
    destination,
    origination,
    place_call,
    results,
)
from tests.workflows.test_conference_workflow import (
    PIN,
    a_user,
    an_autoconference,
    execution_of,
    minutes_used,
)
from tests.workflows.twilio import QUICK, network, twilio  # noqa: F401 (the fixture)

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


# --- timeouts and faults -------------------------------------------------------------


def test_an_answer_after_the_dial_timed_out_is_hung_up(monkeypatch):
    # Given a destination who answers only after the dial's ring timeout (3 s)
    net = network(monkeypatch, timing=replace(QUICK, slow=4.5))
    try:
        arn = place_call(11, [destination("3035550105"), origination()], timeouts=QUICK_TIMEOUTS)
        net.board.run(arn)
        # Then the attempt is NoAnswer, the call failed
        assert results(11) == [("3035550105", "NoAnswer", "destination")]
        assert_failed(11)
        # and when the phone is picked up at last, the webhook hangs up on it
        assert net.twilio.idle(10)
        assert net.twilio.bridged == [] and net.twilio.errors == []
        [call] = net.twilio.calls.values()
        assert call.status == "completed" and call.talked == 0
    finally:
        net.close()


def test_a_lost_status_callback_is_the_state_machines_timeout(monkeypatch):
    # Given a busy number whose status callback never arrives (lost on the way)
    net = network(monkeypatch)
    try:
        net.twilio.lose = lambda url, params: "/status/" in url
        arn = place_call(12, [destination("3035550101"), origination()], timeouts=QUICK_TIMEOUTS)
        net.board.run(arn)
        # Then the dial's timeout records it NoAnswer, and the call fails cleanly
        assert results(12) == [("3035550101", "NoAnswer", "destination")]
        assert_failed(12)
    finally:
        net.close()


def test_a_late_and_a_replayed_status_callback_change_nothing(twilio):
    arn = place_call(13, [destination("3035550101"), origination()])
    twilio.board.run(arn)
    assert results(13) == [("3035550101", "Busy", "destination")]
    # When Twilio delivers the status callback again, late (its retry)
    [(url, params)] = [(u, p) for u, p in twilio.twilio.webhooks if "/status/" in u]
    assert twilio.twilio.webhook(url, params) == EMPTY
    # and one for a call we never placed arrives
    unknown = url.replace("/13/", "/999/")
    assert twilio.twilio.webhook(unknown, {**params, "CallStatus": "completed"}) == EMPTY
    # Then nothing changed
    assert results(13) == [("3035550101", "Busy", "destination")]
    assert_failed(13)
    assert twilio.twilio.errors == []


def test_a_replayed_answer_webhook_reports_once_and_answers_the_same_twiml(twilio):
    from chalicelib.store import legs

    arn = place_call(14, [destination("7209814345"), origination()])
    twilio.board.run(arn)
    [(url, params)] = [(u, p) for u, p in twilio.twilio.webhooks if "/gather/" in u]
    before = calls.get(14, 1)
    again = twilio.twilio.webhook(url, params)
    # The number is past the question: the replay is answered with its stage's TwiML
    assert again is not None and "<Gather" not in again
    after = calls.get(14, 1)
    assert after.attempts == before.attempts and after.state == "complete"
    assert legs.kept(14, "0.0").stages == {0: "done"}


# --- autoconference and conference -----------------------------------------------------


def test_the_autoconference_pin_is_sent_down_the_bridged_leg(twilio):
    john = a_user("7205551212", "john@example.com")
    call_id = an_autoconference(john)
    twilio.board.run(execution_of(call_id))
    assert twilio.board.actions() == ["dial 0.0", "dial 1.0", "watch", "finish"]
    # <Number sendDigits>: a 2 s pause for the engine's greeting, then the PIN
    assert [digits for _sid, digits in twilio.twilio.sent_digits] == ["wwww" + PIN]
    status = calls.get(call_id, 1)
    assert (status.state, status.mou) == ("complete", Decimal("0.2"))
    assert minutes_used(john) == Decimal("0.2")
    clean(twilio)


def test_conference_legs_join_one_room_ended_when_the_reservation_closes(twilio):
    john = a_user("7205551212", "john@example.com")
    jane = a_user("3035551212", "jane@example.com")
    conference_id, john_call = conference.create(1, john, Destination(1, john), "Join", 60)
    twilio.board.run(execution_of(john_call))
    [jane_call] = conference.add(1, conference_id, None, [Destination(1, jane)], "Join", None)
    twilio.board.run(execution_of(jane_call))
    room = f"ocp-test-conference-{conference_id}"
    assert conferences.get(conference_id, 1).room == room
    assert len(twilio.twilio.conferences[room]["members"]) == 2
    clock.advance(60)
    fire.fire({"kind": "conference", "id": conference_id, "version": 0})
    assert conferences.get(conference_id, 1).state == "closed"
    assert twilio.twilio.conferences[room]["status"] == "completed"
    assert [calls.get(c, 1).mou for c in (john_call, jane_call)] == [Decimal("0.2")] * 2
    clean(twilio)


def test_a_participant_who_does_not_press_1_never_joins(twilio):
    john = a_user("7205550104", "john@example.com")
    _conference_id, call_id = conference.create(1, john, Destination(1, john), "Join", 60)
    twilio.board.run(execution_of(call_id))
    assert twilio.twilio.conferences == {}
    assert [(a.number, a.result) for a in calls.get(call_id, 1).attempts] == [
        ("7205550104", "Declined")
    ]
    clean(twilio)


# --- blasts ---------------------------------------------------------------------------------


@pytest.fixture
def slow_message(monkeypatch):
    # The message plays longer than detection takes to hear the machine's beep
    net = network(monkeypatch, timing=replace(QUICK, play=0.3, amd=0.02))
    yield net
    net.close()


def test_a_voice_blast_waits_for_the_beep_and_a_recipient_calls_back(slow_message):
    twilio = slow_message
    from chalicelib.domain.kinds import VOICE
    from chalicelib.store import blasts, recipients
    from tests.workflows.test_blast_fanout import drain, new_blast, phone, run_all

    blast_id = new_blast(
        VOICE, [phone("3035551212"), phone("3035550103"), phone("3035550101")], when=NOW + 60
    )
    fire.fire({"kind": "blast", "id": blast_id, "version": 1})
    drain()
    assert run_all(twilio.board) == ["SUCCEEDED"] * 3
    got = [(r.state, r.attempts) for r in recipients.results(blasts.load(blast_id))]
    assert got == [
        ("complete", (("3035551212", "Success"),)),
        ("complete", (("3035550103", "Success"),)),
        ("failed", (("3035550101", "Busy"),)),
    ]
    creates = [dict(p) for _m, path, p in twilio.twilio.requests if path.endswith("/Calls.json")]
    assert {c["MachineDetection"] for c in creates} == {"DetectMessageEnd"}
    assert {c["AsyncAmd"] for c in creates} == {"true"}
    # The machine's message started again once its greeting was over (a redirect)
    assert any("/message/" in u for u, _p in twilio.twilio.webhooks)
    # and the person pressed 1 and was put through to the originator
    assert twilio.twilio.bridged == ["+17202108298"]
    clean(twilio)


# --- REST errors, SignalWire -------------------------------------------------------------


@pytest.mark.parametrize("code", [21210, 21215, 13224])
def test_a_number_twilio_refuses_is_a_failed_attempt_and_the_hunt_goes_on(twilio, code):
    twilio.twilio.refuse["+13035557777"] = (400, code)
    arn = place_call(40, [destination("3035557777", "3035551212"), origination()])
    twilio.board.run(arn)
    assert results(40) == [
        ("3035557777", "Failed", "destination"),
        ("3035551212", "Success", "destination"),
        (ORIGINATION, "Success", "origination"),
    ]
    clean(twilio)


@pytest.mark.parametrize("status, code", [(429, 20429), (503, 20500), (500, None)])
def test_throttling_and_server_errors_are_tried_again_never_failed(twilio, status, code):
    twilio.twilio.fail_next = [(status, code or 0), (status, code or 0)]
    arn = place_call(41, [destination("3035551212"), origination()])
    twilio.board.run(arn)
    assert results(41) == [
        ("3035551212", "Success", "destination"),
        (ORIGINATION, "Success", "origination"),
    ]
    assert twilio.twilio.fail_next == []
    assert twilio.twilio.dialed == ["+13035551212"]
    clean(twilio)


def test_signalwire_signs_with_its_signing_key_under_its_header(monkeypatch):
    net = network(monkeypatch, flavour="signalwire")
    try:
        arn = place_call(42, [destination("3035550101", "7209814345"), origination()])
        net.board.run(arn)
        assert results(42) == [
            ("3035550101", "Busy", "destination"),
            ("7209814345", "Success", "destination"),
            (ORIGINATION, "Success", "origination"),
        ]
        clean(net)
    finally:
        net.close()


def test_a_blast_with_audio_plays_the_upload_and_hidden_caller_id_is_a_pool_number(twilio):
    from chalicelib.domain.kinds import VOICE
    from chalicelib.media import storage
    from chalicelib.store import blasts, recipients
    from chalicelib.store.blasts import AudioRef
    from chalicelib.workflows import fanout
    from tests.audio_samples import tone_mp3
    from tests.workflows.test_blast_fanout import ORIGINATION as BLAST_ORIGIN
    from tests.workflows.test_blast_fanout import REQUESTER, drain, phone, run_all

    key = "uploads/1/" + "a" * 32 + "/hello.mp3"
    mp3 = tone_mp3()
    storage.put(key, mp3, "audio/mpeg")
    blast_id, _scheduled = fanout.create(
        1,
        REQUESTER,
        VOICE,
        when=NOW + 60,
        text=None,
        audio=AudioRef(key, "mp3", "hello.mp3", len(mp3)),
        hide_ani=True,
        allow_callback=False,
        origination=BLAST_ORIGIN,
        terminations=[phone("3035551212"), phone("7205551212")],
    )
    fire.fire({"kind": "blast", "id": blast_id, "version": 1})
    drain()
    assert run_all(twilio.board) == ["SUCCEEDED"] * 2
    # hideAni: never the originator's number; a number of the account's pool
    assert sorted(c.frm for c in twilio.twilio.calls.values()) == ["+13035550100", "+17205550100"]
    assert [r.state for r in recipients.results(blasts.load(blast_id))] == ["complete"] * 2
    # The upload itself plays (mp3, no transcoding), from a presigned URL
    assert len(twilio.twilio.played) == 2
    assert all("/hello.mp3?" in url and "Signature" in url for url in twilio.twilio.played)
    clean(twilio)
