"""The operator's live view and call timeline, drawn from what was read (no AWS)."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain.recipients import Termination
from chalicelib.store.blasts import BlastInfo
from chalicelib.store.calls import AttemptRecord, CallStatus
from chalicelib.workflows.dialing import Execution, ExecutionEvent
from chalicelib.workflows.schedule import Pending
from local import watch

NOW = 1_800_000_000.0


def call(call_id=7, state="dialing", attempts=(), **changes) -> CallStatus:
    values = {
        "call_id": call_id,
        "eid": 1,
        "user_id": 3,
        "kind": "call",
        "state": state,
        "success": False,
        "mou": Decimal("0.0"),
        "time_scheduled": int(NOW) - 30,
        "time_originated": int(NOW) - 29,
        "time_completed": None,
        "calling_number": "7202108298",
        "attempts": tuple(attempts),
        "request": {},
    }
    values.update(changes)
    return CallStatus(**values)


def blast(blast_id=4, state="started", recipients=1000, first_call_id=100, blast_time=0):
    return BlastInfo(
        blast_id=blast_id,
        eid=1,
        user_id=3,
        kind="voice",
        text="Practice moved",
        audio=None,
        blast_time=blast_time,
        hide_ani=False,
        allow_callback=True,
        origination=Termination(1, 3),
        terminations=(),
        state=state,
        version=1,
        first_call_id=first_call_id,
    )


def test_the_progress_bar_shows_done_failed_and_pending_in_proportion():
    assert watch.progress_bar(500, 100, 400, 10) == "[#####x....]"
    assert watch.progress_bar(0, 0, 1000, 10) == "[..........]"
    assert watch.progress_bar(1000, 0, 0, 10) == "[##########]"


def test_a_part_that_is_not_zero_always_shows():
    # one failure in a thousand still gets its cell
    assert watch.progress_bar(999, 1, 0, 10) == "[#########x]"
    assert watch.progress_bar(1, 0, 999, 10) == "[#.........]"


@given(st.integers(0, 10_000), st.integers(0, 10_000), st.integers(0, 10_000), st.integers(3, 200))
def test_the_bar_is_always_its_width_and_shows_every_part_there_is(done, failed, pending, width):
    bar = watch.progress_bar(done, failed, pending, width)
    assert len(bar) == width + 2
    if done + failed + pending:
        assert ("#" in bar, "x" in bar, "." in bar) == (done > 0, failed > 0, pending > 0)


def test_durations_read_as_people_say_them():
    assert [watch.duration(s) for s in (0, 59, 65, 3600, 3725, 90000)] == [
        "0s",
        "59s",
        "1m05s",
        "1h00m",
        "1h02m",
        "1d01h",
    ]


def test_the_board_lists_calls_with_attempts_blasts_with_progress_and_schedules():
    board = watch.Board(
        at=NOW,
        calls=(
            call(
                12,
                "complete",
                [AttemptRecord("3035550101", "Busy"), AttemptRecord("3035551234", "Success")],
                success=True,
                mou=Decimal("0.2"),
                time_completed=int(NOW),
            ),
            call(13, "dialing"),
        ),
        blasts=(watch.BlastProgress(blast(), done=600, failed=20, pending=380),),
        scheduled=(
            Pending(
                "autoconference-5", int(NOW) + 65, {"kind": "autoconference", "id": 5, "version": 2}
            ),
            Pending("blast-9", int(NOW) - 3, {"kind": "blast", "id": 9, "version": 1}),
        ),
    )
    text = watch.render_board(board, width=100)
    assert "#12" in text and "complete" in text and "3035550101 Busy · 3035551234 Success" in text
    assert "0.2 min" in text
    assert "#13" in text and "no attempt yet" in text
    assert "600 done · 20 failed · 380 pending / 1000" in text
    assert "autoconference 5 (version 2)" in text and "in 1m05s" in text
    assert "due 3s ago" in text
    assert all(len(line) <= 100 for line in text.splitlines())
    assert "\x1b[" not in text  # no colour unless asked


def test_a_scheduled_blast_says_when_it_fires():
    board = watch.Board(
        NOW,
        (),
        (
            watch.BlastProgress(
                blast(state="scheduled", first_call_id=None, blast_time=int(NOW) + 120), 0, 0, 1000
            ),
        ),
        (),
    )
    assert "fires in 2m00s" in watch.render_board(board)


def test_an_empty_board_says_so():
    text = watch.render_board(watch.Board(NOW, (), (), ()))
    assert text.count("none") == 3


def test_colour_when_asked():
    board = watch.Board(NOW, (call(1, "failed"),), (), ())
    assert watch.RED in watch.render_board(board, color=True)


def test_a_timeline_merges_the_call_its_execution_and_its_attempts_in_time_order():
    at = int(NOW)
    c = call(
        21,
        "complete",
        [
            AttemptRecord("3035550101", "Busy", "destination", at + 3),
            AttemptRecord("3035551234", "Success", "destination", at + 6),
        ],
        success=True,
        mou=Decimal("0.2"),
        time_scheduled=at,
        time_originated=at + 1,
        time_completed=at + 20,
    )
    execution = Execution(
        "call-21",
        "SUCCEEDED",
        (
            ExecutionEvent(at + 0.5, "ExecutionStarted"),
            ExecutionEvent(at + 0.6, "TaskStateEntered", "Dial"),
            ExecutionEvent(at + 20.5, "ExecutionSucceeded"),
        ),
    )
    lines = watch.render_timeline(watch.Timeline(c, execution)).splitlines()
    assert lines[0].startswith("call 21 · call · enterprise 1 · user 3 · complete (success)")
    # each line: "  HH:MM:SSZ  +  time  what"
    body = [line[22:].strip() for line in lines[1:-1]] + [lines[-1].strip()]
    assert body == [
        "scheduled",
        "execution call-21 started",
        "state Dial",
        "dialing began",
        "destination  3035550101       Busy",
        "destination  3035551234       Success",
        "complete: 0.2 min charged",
        "execution succeeded",
        "execution status: SUCCEEDED",
    ]
    assert "+   20s  complete" in lines[7]


def test_a_call_without_an_execution_says_so():
    text = watch.render_timeline(watch.Timeline(call(5, "scheduled", time_originated=None), None))
    assert "no dialing execution" in text


def test_watch_once_prints_the_board_and_returns():
    import io

    out = io.StringIO()
    assert watch.watch(out=out, once=True, read=lambda: watch.Board(NOW, (), (), ())) == 0
    assert out.getvalue().startswith("OCP watch")


def test_results_come_after_the_execution_that_made_them_within_a_second():
    """Attempts are stamped in whole seconds, the execution's events finer: a result of
    second S is never shown before the execution that started at S.4 and made it."""
    at = int(NOW)
    c = call(
        30,
        "complete",
        [AttemptRecord("3035551234", "Success", "destination", at)],
        success=True,
        time_scheduled=at,
        time_originated=at,
        time_completed=at,
    )
    execution = Execution(
        "call-30",
        "SUCCEEDED",
        (
            ExecutionEvent(at + 0.4, "ExecutionStarted"),
            ExecutionEvent(at + 0.5, "TaskStateEntered", "Dial"),
            ExecutionEvent(at + 0.9, "ExecutionSucceeded"),
        ),
    )
    lines = watch.render_timeline(watch.Timeline(c, execution)).splitlines()
    body = [line[22:].strip() for line in lines[1:-1]]
    assert body == [
        "scheduled",
        "dialing began",
        "execution call-30 started",
        "state Dial",
        "destination  3035551234       Success",
        "complete: 0.0 min charged",
        "execution succeeded",
    ]


def test_the_board_counts_attempts_as_call_get_lists_them_and_the_blast_s_api_state():
    """The caller's own answered leg is call GET's callingNumber, not an attempt; a blast
    whose recipients have all ended shows "complete", as blast GET does."""
    caller = AttemptRecord("7202108298", "Success", "origination")
    tried = [AttemptRecord(n, r) for n, r in (("3035550101", "Busy"), ("3035551234", "Success"))]
    board = watch.Board(
        NOW,
        (call(12, "complete", [caller, *tried], success=True, time_completed=int(NOW)),),
        (watch.BlastProgress(blast(state="started"), 1000, 0, 0, current="complete"),),
        (),
    )
    text = watch.render_board(board, width=120)
    assert " 2 tried: 3035550101 Busy · 3035551234 Success" in text
    assert "7202108298" not in text
    assert "#4      voice complete " in text
