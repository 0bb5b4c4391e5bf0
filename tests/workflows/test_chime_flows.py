"""call.asl.json under moto with the Chime carrier: the real adapter places calls on the
local fake PSTN (local/fake_pstn.py) over HTTP, whose calls invoke the real SIP media
application handler, which reports to the task tokens. The same results as the simulated
carrier (tests/workflows/test_call_workflow.py), except the documented difference: no
answering-machine detection, so a machine asked to press 1 is Declined, not Machine."""

import itertools
import json
import time
from datetime import UTC
from decimal import Decimal

import pytest

from chalicelib import clock
from chalicelib.protocol.types import Destination
from chalicelib.store import aws, calls, conferences
from chalicelib.workflows import conference, fire
from local.fake_pstn import Quota, Timing
from tests.workflows.chime import chime, network  # noqa: F401 (the fixture)
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

pytestmark = pytest.mark.usefixtures("sfn_aws", "frozen_clock")


# --- a call, in both orders --------------------------------------------------------


def test_the_destination_presses_1_then_the_origination_is_bridged(chime):
    # Given a call from John to a destination who answers and presses 1
    arn = place_call(1177, [destination("7209814345"), origination()])
    # When it runs on the fake PSTN
    execution = chime.board.run(arn)
    # Then the destination was called, and the origination bridged into the same call
    assert execution["status"] == "SUCCEEDED"
    assert chime.board.actions() == ["dial 0.0", "dial 1.0", "watch", "finish"]
    assert chime.pstn.dialed == ["+17209814345"]
    assert chime.pstn.bridged == ["+17202108298"]
    [transaction] = chime.pstn.calls
    assert chime.board.messages[1]["bridgeTo"] == f"chime:1177:{transaction}"
    # and the call is complete, its 12 s billed as on the simulated carrier
    status = calls.get(1177, 1)
    assert (status.state, status.success, status.mou) == ("complete", True, Decimal("0.2"))
    assert status.calling_number == ORIGINATION
    assert results(1177) == [
        ("7209814345", "Success", "destination"),
        (ORIGINATION, "Success", "origination"),
    ]
    assert chime.pstn.idle(5) and chime.pstn.errors == []


def test_call_origination_first_bridges_the_destinations_machine(chime):
    arn = place_call(
        4, [origination(), destination("3035550103", accept_machine=True, ask_for_one=False)]
    )
    chime.board.run(arn)
    assert results(4) == [
        (ORIGINATION, "Success", "origination"),
        ("3035550103", "Success", "destination"),
    ]
    assert calls.get(4, 1).state == "complete"


def test_the_caller_id_is_a_number_of_the_account(chime):
    place_call(1, [destination("7209814345"), origination()])
    chime.board.run(execution_of(1))
    [call] = chime.pstn.calls.values()
    # The originator's number is not the account's: the pool number nearest the
    # destination (+1720...) is shown to it
    assert call.frm == "+17205550100"


# --- hunting ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "numbers, expected",
    [
        (
            ["3035550102", "3035550101", "3035550103", "3035551212"],
            # No answering-machine detection: the machine never presses 1
            ["NoAnswer", "Busy", "Declined", "Success"],
        ),
        (["3035550104", "3035550106", "3035550105"], ["Declined", "Failed", "Success"]),
    ],
)
def test_sequential_hunt_until_a_human_presses_1(chime, numbers, expected):
    arn = place_call(2, [destination(*numbers), origination()])
    chime.board.run(arn)
    keys = [f"dial 0.{i}" for i in range(len(numbers))]
    assert chime.board.actions() == [*keys, "dial 1.0", "watch", "finish"]
    assert results(2) == [(n, r, "destination") for n, r in zip(numbers, expected, strict=True)] + [
        (ORIGINATION, "Success", "origination")
    ]
    assert calls.get(2, 1).state == "complete"


def test_all_numbers_fail(chime):
    arn = place_call(5, [destination("3035550101", "3035550102", "3035550106"), origination()])
    chime.board.run(arn)
    assert results(5) == [
        ("3035550101", "Busy", "destination"),
        ("3035550102", "NoAnswer", "destination"),
        ("3035550106", "Failed", "destination"),
    ]
    assert chime.pstn.bridged == []
    assert_failed(5)


# --- try-all ------------------------------------------------------------------------


def test_try_all_rings_every_number_at_once_and_the_first_human_wins(chime):
    arn = place_call(
        3, [destination("3035550102", "3035550105", "3035550101", tryall=True), origination()]
    )
    chime.board.run(arn)
    assert chime.board.actions() == ["dial 0.all", "dial 1.0", "watch", "finish"]
    # One call per number, all placed by the one dial
    assert sorted(chime.pstn.dialed) == ["+13035550101", "+13035550102", "+13035550105"]
    assert results(3) == [
        ("3035550102", "NoAnswer", "destination"),
        ("3035550105", "Success", "destination"),
        ("3035550101", "Busy", "destination"),
        (ORIGINATION, "Success", "origination"),
    ]
    assert calls.get(3, 1).state == "complete"


def test_two_humans_answer_one_wins_and_the_other_is_hung_up(chime):
    arn = place_call(12, [destination("3035551111", "3035552222", tryall=True), origination()])
    chime.board.run(arn)
    got = results(12)
    assert sorted(r for _n, r, role in got if role == "destination") == ["NoAnswer", "Success"]
    # Only the winner's call was bridged; the loser's call ended without a second leg
    assert chime.pstn.bridged == ["+17202108298"]
    assert chime.pstn.idle(5)
    assert [len(c.parties) for c in chime.pstn.calls.values()].count(2) == 1
    assert calls.get(12, 1).state == "complete"


def test_try_all_nobody_answers(chime):
    arn = place_call(6, [destination("3035550101", "3035550104", tryall=True), origination()])
    chime.board.run(arn)
    assert chime.board.actions() == ["dial 0.all", "finish"]
    assert results(6) == [
        ("3035550101", "Busy", "destination"),
        ("3035550104", "Declined", "destination"),
    ]
    assert_failed(6)


# --- the second leg -----------------------------------------------------------------


def test_a_busy_origination_releases_the_waiting_destination(chime):
    arn = place_call(7, [destination("3035551212"), origination("7205550101")])
    chime.board.run(arn)
    assert results(7) == [
        ("3035551212", "Success", "destination"),
        ("7205550101", "Busy", "origination"),
    ]
    assert_failed(7)
    # The destination, held while the origination was rung, was hung up
    assert chime.pstn.idle(5)


def test_the_origination_hunts_while_the_destination_holds(chime):
    arn = place_call(8, [destination("3035551212"), origination("7205550102", "7202108298")])
    chime.board.run(arn)
    assert results(8) == [
        ("3035551212", "Success", "destination"),
        ("7205550102", "NoAnswer", "origination"),
        ("7202108298", "Success", "origination"),
    ]
    assert chime.pstn.bridged == ["+17205550102", "+17202108298"]
    assert calls.get(8, 1).state == "complete"


# --- timeouts -------------------------------------------------------------------------


def test_an_answer_after_the_dial_timed_out_is_hung_up(monkeypatch):
    # Given a destination who answers only after the dial's ring timeout (3 s)
    net = network(monkeypatch, timing=Timing(ring=0.05, slow=4.5, play=0.01, talk=12))
    try:
        arn = place_call(11, [destination("3035550105"), origination()], timeouts=QUICK_TIMEOUTS)
        net.board.run(arn)
        # Then the attempt is NoAnswer, the call failed
        assert results(11) == [("3035550105", "NoAnswer", "destination")]
        assert_failed(11)
        # and when the phone is picked up at last, the handler hangs up on it
        assert net.pstn.idle(10)
        assert net.pstn.bridged == [] and net.pstn.errors == []
    finally:
        net.close()


# --- autoconference and conference -----------------------------------------------------


def test_the_autoconference_pin_is_outpulsed_down_the_bridged_leg(chime):
    john = a_user("7205551212", "john@example.com")
    call_id = an_autoconference(john)
    chime.board.run(execution_of(call_id))
    assert chime.board.actions() == ["dial 0.0", "dial 1.0", "watch", "finish"]
    [transaction] = chime.pstn.calls
    # SendDigits on leg B, after a 2 s pause for the engine's greeting
    assert chime.pstn.sent_digits == [(transaction, "LEG-B", ",,,," + PIN)]
    status = calls.get(call_id, 1)
    assert (status.state, status.mou) == ("complete", Decimal("0.2"))
    assert minutes_used(john) == Decimal("0.2")


def test_conference_legs_join_one_meeting_ended_when_the_reservation_closes(chime):
    john = a_user("7205551212", "john@example.com")
    jane = a_user("3035551212", "jane@example.com")
    conference_id, john_call = conference.create(1, john, Destination(1, john), "Join", 60)
    chime.board.run(execution_of(john_call))
    [jane_call] = conference.add(1, conference_id, None, [Destination(1, jane)], "Join", None)
    chime.board.run(execution_of(jane_call))
    # One meeting, made when the first leg joined, both legs in it
    [meeting] = chime.pstn.meetings
    assert len(chime.pstn.joined[meeting]) == 2
    assert conferences.get(conference_id, 1).room == f"chime-room:conference-{conference_id}"
    # When the reservation ends, the conference closes and its meeting is deleted
    clock.advance(60)
    fire.fire({"kind": "conference", "id": conference_id, "version": 0})
    assert conferences.get(conference_id, 1).state == "closed"
    assert chime.pstn.deleted == [meeting]
    assert [calls.get(c, 1).mou for c in (john_call, jane_call)] == [Decimal("0.2")] * 2


def test_a_participant_who_does_not_press_1_never_joins(chime):
    john = a_user("7205550104", "john@example.com")
    _conference_id, call_id = conference.create(1, john, Destination(1, john), "Join", 60)
    chime.board.run(execution_of(call_id))
    assert chime.pstn.meetings == {}
    assert [(a.number, a.result) for a in calls.get(call_id, 1).attempts] == [
        ("7205550104", "Declined")
    ]


# --- throttling -------------------------------------------------------------------------


def test_a_throttled_carrier_delays_dials_but_fails_none(monkeypatch):
    # Given a network taking one new call a second while our pacing allows fifty
    net = network(monkeypatch, quota=Quota(calls_per_second=1, concurrent_calls=None))
    try:
        # When three calls start at once, one with a try-all of three numbers
        arns = [
            place_call(21, [destination("3035551201"), origination()]),
            place_call(22, [destination("3035551202"), origination()]),
            place_call(
                23,
                [destination("3035551203", "3035551204", "3035551205", tryall=True), origination()],
            ),
        ]
        from tests.workflows.test_blast_fanout import run_all

        assert run_all(net.board) == ["SUCCEEDED"] * 3
        # Then some dials were refused and waited, but no attempt failed,
        assert net.pstn.refused["ThrottledClientException"] >= 1
        assert all(r != "Failed" for c in (21, 22, 23) for _n, r, _role in results(c))
        assert [calls.get(c, 1).state for c in (21, 22, 23)] == ["complete"] * 3
        # and every number was dialled once
        assert sorted(net.pstn.dialed) == sorted(set(net.pstn.dialed))
        assert len(net.pstn.dialed) == 5
        assert all(arn for arn in arns)
    finally:
        net.close()


def test_the_busy_retry_is_a_new_dial_of_the_same_attempt(monkeypatch):
    net = network(monkeypatch, quota=Quota(calls_per_second=None, concurrent_calls=0))
    try:
        net.pstn.quota.concurrent_calls = 0  # the account's calls are all up
        arn = place_call(31, [destination("3035551212"), origination()])
        import threading

        def free_after_the_first_refusal() -> None:
            # Once the carrier has refused a dial (not after a set time: a slow machine
            # may not have dialed yet), the account's calls end and the quota frees.
            deadline = time.monotonic() + 60
            while not net.pstn.refused["ResourceLimitExceededException"]:
                if time.monotonic() > deadline:
                    return
                time.sleep(0.02)
            net.pstn.quota.concurrent_calls = None

        threading.Thread(target=free_after_the_first_refusal, daemon=True).start()
        net.board.run(arn)
        dials = [m for m in net.board.messages if m["action"] == "dial"]
        assert [m["key"] for m in dials][:2] == ["0.0", "0.0"]  # tried again, same key
        assert net.pstn.refused["ResourceLimitExceededException"] >= 1
        assert results(31) == [
            ("3035551212", "Success", "destination"),
            (ORIGINATION, "Success", "origination"),
        ]
    finally:
        net.close()


# --- blasts ---------------------------------------------------------------------------------


def test_a_voice_blast_plays_and_a_recipient_calls_back(chime):
    from chalicelib.domain.kinds import VOICE
    from chalicelib.store import blasts, recipients
    from tests.workflows.test_blast_fanout import drain, executions, new_blast, phone, run_all

    # Given a blast to a person, an answering machine and a busy line, with callback
    blast_id = new_blast(
        VOICE, [phone("3035551212"), phone("3035550103"), phone("3035550101")], when=NOW + 60
    )
    fire.fire({"kind": "blast", "id": blast_id, "version": 1})
    drain()
    # Then every recipient's execution waits for its turn, 1/50 s apart (50 calls a second)
    sfn = aws.client("stepfunctions")
    inputs = sorted(
        (
            json.loads(sfn.describe_execution(executionArn=e["executionArn"])["input"])
            for e in executions()
        ),
        key=lambda i: i["callId"],
    )
    turns = [dialing_time(i["pace"]["at"]) for i in inputs]
    assert [round(b - a, 2) for a, b in itertools.pairwise(turns)] == [0.02, 0.02]
    # and hears the same WAV, made once for the blast
    keys = {i["legs"][0]["announcement"]["wavKey"] for i in inputs}
    assert len(keys) == 1 and keys.pop().startswith("wav/")
    assert run_all(chime.board) == ["SUCCEEDED"] * 3
    # The person and the machine heard it; the line was busy
    got = [(r.state, r.attempts) for r in recipients.results(blasts.load(blast_id))]
    assert got == [
        ("complete", (("3035551212", "Success"),)),
        ("complete", (("3035550103", "Success"),)),
        ("failed", (("3035550101", "Busy"),)),
    ]
    # and the person pressed 1 and was put through to the originator
    assert chime.pstn.bridged == ["+17202108298"]
    assert chime.pstn.idle(5) and chime.pstn.errors == []


def dialing_time(stamp: str) -> float:
    from datetime import datetime

    return datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC).timestamp()


def test_a_blast_with_audio_is_transcoded_once_and_hidden_caller_id_is_a_pool_number(
    chime, monkeypatch
):
    from chalicelib.domain.kinds import VOICE
    from chalicelib.media import storage, transcode
    from chalicelib.store import blasts, recipients
    from chalicelib.store.blasts import AudioRef
    from chalicelib.workflows import fanout
    from tests.audio_samples import tone_mp3
    from tests.workflows.test_blast_fanout import ORIGINATION as BLAST_ORIGIN
    from tests.workflows.test_blast_fanout import REQUESTER, drain, phone, run_all

    converted = []
    real = transcode.to_wav

    def to_wav(data: bytes, filename: str, **options) -> bytes:
        converted.append(filename)
        return real(data, filename, **options)

    monkeypatch.setattr(transcode, "to_wav", to_wav)
    mp3 = tone_mp3()
    storage.put("uploads/1/" + "a" * 32 + "/hello.mp3", mp3, "audio/mpeg")
    blast_id, _scheduled = fanout.create(
        1,
        REQUESTER,
        VOICE,
        when=NOW + 60,
        text=None,
        audio=AudioRef("uploads/1/" + "a" * 32 + "/hello.mp3", "mp3", "hello.mp3", len(mp3)),
        hide_ani=True,
        allow_callback=False,
        origination=BLAST_ORIGIN,
        terminations=[phone("3035551212"), phone("7205551212")],
    )
    fire.fire({"kind": "blast", "id": blast_id, "version": 1})
    drain()
    assert run_all(chime.board) == ["SUCCEEDED"] * 2
    # Transcoded once for the blast, not per recipient
    assert converted == ["hello.mp3"]
    # hideAni: never the originator's number; a number of the account's pool
    assert sorted(c.frm for c in chime.pstn.calls.values()) == ["+13035550100", "+17205550100"]
    assert [r.state for r in recipients.results(blasts.load(blast_id))] == ["complete"] * 2
