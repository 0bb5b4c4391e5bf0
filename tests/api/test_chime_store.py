"""What the Chime carrier keeps in DynamoDB (over moto): the shared limiter of new calls,
the blasts' turns, try-all races, the watch rendezvous and a room's meeting."""

import pytest

from chalicelib.store import calls, pacing, rendezvous

pytestmark = pytest.mark.usefixtures("aws")


def test_the_limiter_allows_the_rate_a_window_and_says_how_long_to_wait():
    t = 1_000_000.2
    assert [pacing.take("l", 2, t) for _ in range(2)] == [None, None]
    assert pacing.take("l", 2, t + 0.5) == pytest.approx(0.3)  # the window ends at 1_000_001
    assert pacing.take("l", 2, t + 0.8) is None  # a new window
    # below one a second: one call a window of 1/rate seconds
    assert pacing.take("slow", 0.5, 10.0) is None
    assert pacing.take("slow", 0.5, 11.0) == pytest.approx(1.0)


def test_turns_follow_each_other_and_never_go_back():
    assert pacing.reserve("p", 100, 0.5, 1000.0) == 1000.0
    assert pacing.reserve("p", 10, 0.5, 1001.0) == 1050.0  # after the first block
    assert pacing.reserve("p", 0, 0.5, 1002.0) == 1055.0  # nothing reserved
    assert pacing.reserve("p", 1, 0.5, 2000.0) == 2000.0  # idle since: now


def a_call(call_id: int) -> None:
    calls.create(call_id, eid=1, user_id=1, kind="call", time_scheduled=0)


def test_a_race_has_one_winner():
    a_call(1)
    rendezvous.open_race(1, "0.all", 3)
    rendezvous.placed(1, "0.all", {0: "tx0", 1: "tx1", 2: "tx2"}, {})
    assert rendezvous.lost(1, "0.all", 2, "Busy").results == {2: "Busy"}
    assert rendezvous.lost(1, "0.all", 2, "Busy") is None  # counted once
    won = rendezvous.won(1, "0.all", 1)
    assert (won.winner, won.placed[0]) == (1, "tx0")
    assert rendezvous.won(1, "0.all", 1).winner == 1  # the same leg again: still its win
    assert rendezvous.won(1, "0.all", 0) is None
    assert not rendezvous.lost(1, "0.all", 0, "NoAnswer").done  # a winner: nothing to report


def test_the_last_leg_to_fail_finds_the_race_done():
    a_call(2)
    rendezvous.open_race(2, "0.all", 2)
    rendezvous.open_race(2, "1.all", 2)  # another leg's race on the same call
    assert not rendezvous.placed(2, "0.all", {0: "tx0"}, {1: "Failed"}).done
    assert rendezvous.lost(2, "0.all", 0, "NoAnswer").done
    assert rendezvous.race_of(2, "1.all").results == {}


def test_legs_that_all_ended_before_they_were_recorded_are_reported_by_the_placing():
    # Given a try-all whose legs both ended (busy, declined) before the dialer wrote them
    a_call(6)
    rendezvous.open_race(6, "0.all", 2)
    assert not rendezvous.lost(6, "0.all", 0, "Busy").done
    # Then the last leg to end does not report: the legs placed are not recorded yet
    assert not rendezvous.lost(6, "0.all", 1, "Declined").done
    # and the placing, which completes the race, reports (once: one report per dial)
    assert rendezvous.placed(6, "0.all", {0: "tx0", 1: "tx1"}, {}).done


def test_the_watch_and_the_end_meet_in_either_order():
    a_call(3)
    assert rendezvous.watch(3, "w") is None
    assert rendezvous.ended(3, 12) == "w"  # the end reports
    assert rendezvous.ended(3, 13) is None  # once
    a_call(4)
    assert rendezvous.ended(4, 12) is None
    assert rendezvous.watch(4, "w") == 12  # the watch reports


def test_a_success_reported_before_is_found():
    from chalicelib.store.calls import AttemptRecord

    a_call(5)
    calls.record_attempts(5, "0.0", [AttemptRecord("3035551212", "Success")], 0)
    assert rendezvous.reported(5, "0.0", "3035551212")
    assert not rendezvous.reported(5, "1.0", "3035551212")


def test_a_rooms_meeting_is_set_once_and_replaced_only_knowingly():
    from chalicelib.store import conferences

    conferences.create(7, 1, 1, "chime-room:conference-7", 0, 60, 1)
    assert rendezvous.meeting(7) is None
    assert rendezvous.set_meeting(7, "m1", None) == "m1"
    assert rendezvous.set_meeting(7, "m2", None) == "m1"  # another leg made one first
    assert rendezvous.set_meeting(7, "m3", "m1") == "m3"  # m1 ended: replaced
