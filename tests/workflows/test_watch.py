"""`admin watch` and `admin show-call` over moto: they read what the API reads."""

from __future__ import annotations

import pytest

from chalicelib.store import calls, enterprises, ids
from chalicelib.workflows import dialing, schedule
from local import admin, watch
from tests.workflows.conftest import NOW, target

pytestmark = pytest.mark.usefixtures("sfn_aws", "frozen_clock")


def place(call_id: int, *numbers: str) -> str:
    calls.create(call_id, eid=1, user_id=5, kind="call", time_scheduled=NOW)
    legs = [
        dialing.Leg("destination", tuple(target(n) for n in numbers), label=numbers[0]),
        dialing.Leg("origination", (target("7202108298"),), label="7202108298", ask_for_one=False),
    ]
    return dialing.start(call_id, legs)


def test_show_call_prints_the_states_dials_results_and_minutes(switchboard, capsys):
    # Given a call that hunted past a busy number to a human who pressed 1
    execution = switchboard.run(place(41, "3035550101", "7209814345"))
    assert execution["status"] == "SUCCEEDED"
    # When an operator asks for its timeline
    capsys.readouterr()  # the dialing's own output (its metrics, as EMF lines)
    assert admin.main(["show-call", "41"]) == 0
    text = capsys.readouterr().out
    # Then it shows the call, each state its execution entered, each number with its
    # result, and the minutes charged
    assert text.startswith("call 41 · call · enterprise 1 · user 5 · complete (success) · 0.2 min")
    assert "execution call-41 started" in text
    assert "state Dial" in text
    assert "3035550101       Busy" in text and "7209814345       Success" in text
    assert "complete: 0.2 min charged" in text
    assert "execution status: SUCCEEDED" in text


def test_show_call_of_no_call_says_so(capsys):
    assert admin.main(["show-call", "999"]) == 1
    assert "no call 999" in capsys.readouterr().err


def test_the_board_reads_calls_blasts_and_schedules(switchboard):
    # Given enterprise 1's finished call, then its autoconference waiting for its time
    # (the board reads each enterprise's calls: store.listing.latest_calls)
    enterprises.create("One", secret="one", eid=1)
    first, second = ids.next_id("call"), ids.next_id("call")
    switchboard.run(place(first, "3035550101"))
    calls.create(second, eid=1, user_id=5, kind="autoconference", time_scheduled=NOW)
    schedule.put("autoconference", second, 1, NOW + 90)
    # When the board is read
    board = watch.read_board()
    # Then the calls are newest first with their attempts, and the schedule has its time
    assert [(c.call_id, c.state) for c in board.calls] == [(second, "scheduled"), (first, "failed")]
    assert [a.result for a in board.calls[1].attempts] == ["Busy"]
    assert [(p.name, p.at) for p in board.scheduled] == [(f"autoconference-{second}", NOW + 90)]
    text = watch.render_board(board)
    assert f"autoconference {second} (version 1)" in text and "in 1m30s" in text
