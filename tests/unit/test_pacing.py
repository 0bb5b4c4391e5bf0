"""The pacing rules (domain/pacing.py): the account's two limits are never exceeded,
interactive dials go first, enterprises take turns (interactive dials and blasts alike),
and the board stays within its bounds whatever waits."""

from __future__ import annotations

import itertools
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.domain.pacing import (
    BOARD_FULL,
    CLAIM_SECONDS,
    MAX_WAIT_SECONDS,
    OVER_WAITING,
    Board,
    Limits,
    Request,
    admit,
    answered,
    from_json,
    release,
    room,
    to_json,
)

RING = 60.0


def blast(share: str, n: int, slots: int = 1) -> Request:
    return Request(f"{share}-{n}:0.0", slots, RING, share=share)


def call(n: int, slots: int = 1, enterprise: str | None = None) -> Request:
    return Request(f"call-{n}:0.0", slots, RING, enterprise=enterprise)


def stored_bytes(board: Board) -> int:
    return len(json.dumps(to_json(board), separators=(",", ":")).encode())


limits_st = st.builds(
    Limits,
    per_second=st.sampled_from([0.5, 1.0, 2.0, 5.0]),
    concurrent=st.integers(1, 6),
    reserved=st.integers(0, 2),
)
# One step: a dial asks (interactive or one of three blasts, with 1..3 numbers), or a
# placed dial ends, then time moves on.
step_st = st.tuples(
    st.sampled_from(["call", "a", "b", "c", "end"]),
    st.integers(1, 3),
    st.floats(0.0, 3.0),
)


@settings(max_examples=200, deadline=None)
@given(limits_st, st.lists(step_st, max_size=80))
def test_neither_limit_is_ever_exceeded(limits, steps):
    board, now, placed_at = Board(), 1000.0, []
    for n, (kind, slots, dt) in enumerate(steps):
        if kind == "end":
            if board.leases:
                board = release(board, sorted(board.leases)[0])
        else:
            request = call(n, slots) if kind == "call" else blast(kind, n, slots)
            decision = admit(board, request, limits, now)
            board = decision.board
            if decision.admitted:
                placed_at.append(now)
        # Given any sequence, then: at most `concurrent` slots, blasts within theirs ...
        assert board.in_use() <= limits.concurrent
        assert board.in_use(share_only=True) <= limits.blast_slots
        now += dt
    # ... and new calls spaced at least 1/per_second apart.
    gaps = [b - a for a, b in itertools.pairwise(placed_at)]
    assert all(g >= limits.spacing - 1e-9 for g in gaps)


@settings(max_examples=200, deadline=None)
@given(
    limits_st.filter(lambda lim: lim.reserved >= 1 and lim.concurrent > lim.reserved),
    st.lists(st.sampled_from(["a", "b"]), min_size=1, max_size=30),
)
def test_an_interactive_dial_waits_behind_at_most_one_blast_dial(limits, blasts_first):
    # Given blasts that have taken every slot they may and the current turn of the rate
    board, now = Board(), 1000.0
    for n, share in enumerate(blasts_first):
        board = admit(board, blast(share, n), limits, now).board
        now += limits.spacing
    # When a click-to-call leg asks, and asks again whenever it is told to
    first = admit(board, call(0), limits, now)
    board, waited, blast_dials = first.board, 0.0, 0
    decision = first
    while not decision.admitted:
        waited += decision.wait
        now += decision.wait
        # blasts keep asking in between
        for share in "ab":
            d = admit(board, blast(share, int(now * 1000)), limits, now)
            board = d.board
            blast_dials += d.admitted
        decision = admit(board, call(0), limits, now)
        board = decision.board
    # Then it waited no longer than one turn of the rate and no blast dial went before it
    assert waited <= limits.spacing + 1e-9
    assert blast_dials == 0


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.permutations(["a", "b", "c"]), min_size=3, max_size=40),
    st.sampled_from([1.0, 2.0]),
)
def test_concurrent_blasts_of_different_enterprises_share_the_rate(rounds, per_second):
    # Given three enterprises' blasts, each with recipients always waiting, asking in any
    # order (every waiter asks again within its claim)
    limits = Limits(per_second=per_second, concurrent=100, reserved=0)
    board, now, n = Board(), 1000.0, 0
    placed = {"a": 0, "b": 0, "c": 0}
    for order in rounds:
        for share in order:
            n += 1
            decision = admit(board, blast(share, n), limits, now)
            board = decision.board
            if decision.admitted:
                placed[share] += 1
                board = release(board, f"{share}-{n}:0.0")  # short calls
            # Then none is ever more than one dial ahead of another ...
            assert max(board.served.values()) - min(board.served.values()) <= 1
            now += limits.spacing / 2
    # ... counting from its first ask (a newcomer starts level with the least served)
    assert max(placed.values()) - min(placed.values()) <= 2
    assert sum(placed.values()) >= len(rounds)  # and the rate is used


def test_a_blast_alone_gets_every_blast_slot_and_the_whole_rate():
    limits = Limits(per_second=1.0, concurrent=3, reserved=1)
    board, now = Board(), 0.0
    results = []
    for n in range(4):
        d = admit(board, blast("a", n), limits, now)
        board, now = d.board, now + 1.0
        results.append(d.admitted)
    assert results == [True, True, False, False]  # two slots: the third waits for one
    assert admit(board, call(9), limits, now).admitted  # the reserved slot


def test_an_enterprise_that_stopped_asking_no_longer_holds_others_back():
    limits = Limits(per_second=1.0, concurrent=10, reserved=0)
    board = admit(Board(), blast("a", 1), limits, 0.0).board
    board = admit(board, blast("b", 2), limits, 1.0).board  # level with a: placed
    refused = admit(board, blast("b", 3), limits, 2.0)  # a's turn: a may come back
    assert not refused.admitted and refused.why == "another blast's turn"
    board = refused.board
    # a never asks again: once its claim is over, b has the whole rate
    assert admit(board, blast("b", 4), limits, CLAIM_SECONDS + 0.1).admitted


def test_a_crashed_dialer_holds_its_slot_only_until_its_lease_expires():
    limits = Limits(per_second=10.0, concurrent=1, reserved=0)
    board = admit(Board(), call(1), limits, 0.0).board  # placed, then the dialer crashed
    assert not admit(board, call(2), limits, 1.0).admitted
    assert admit(board, call(2), limits, RING + 0.1).admitted


def test_an_answered_try_all_keeps_one_slot_until_the_end_of_the_call():
    limits = Limits(per_second=10.0, concurrent=3, reserved=0)
    board = admit(Board(), call(1, slots=3), limits, 0.0).board
    assert board.in_use() == 3
    board = answered(board, "call-1:0.0", 1, 4 * 3600.0)
    assert board.in_use() == 1
    assert admit(board, call(2), limits, 1000.0).admitted
    board = release(board, lambda h: h.startswith("call-1:"))
    assert board.in_use() == 0


def test_a_redelivered_dial_is_not_counted_twice():
    limits = Limits(per_second=1.0, concurrent=3)
    board = admit(Board(), call(1), limits, 0.0).board
    again = admit(board, call(1), limits, 0.1)
    assert again.admitted and again.board.in_use() == 1


def test_the_board_survives_its_json():
    limits = Limits(per_second=1.0, concurrent=3)
    board = admit(Board(), blast("7", 1), limits, 0.0).board
    board = admit(board, call(2), limits, 0.2).board
    assert from_json(to_json(board)) == board
    assert from_json(None) == Board()


@pytest.mark.parametrize(
    ("limits", "hold", "expected"),
    [
        # docs/limits-pacing.md: the defaults, 45 s a blast dial: 2 slots / 45 s
        (Limits(1.0, 3, 1), 45.0, 2 / 45),
        (Limits(1.0, 3, 0), 45.0, 3 / 45),
        (Limits(1.0, 1000, 1), 45.0, 1.0),  # a Business Profile: the rate binds
    ],
)
def test_blast_throughput(limits, hold, expected):
    assert limits.blast_throughput(hold) == pytest.approx(expected)


@settings(max_examples=200, deadline=None)
@given(limits_st, st.lists(st.sampled_from(["a", "b"]), min_size=1, max_size=12), st.integers(1, 3))
def test_once_an_interactive_dial_waits_no_blast_dial_goes_before_it(limits, blasts, slots):
    # Given blasts holding what they may (and no line kept for interactive dials, maybe)
    board, now = Board(), 1000.0
    for n, share in enumerate(blasts):
        board = admit(board, blast(share, n), limits, now).board
        now += limits.spacing
    decision = admit(board, call(0, slots), limits, now)
    board, blast_dials = decision.board, 0
    # When blast calls end one by one, and everyone keeps asking
    while not decision.admitted:
        now += decision.wait
        held = sorted(h for h, lease in board.leases.items() if lease.share)
        if held:
            board = release(board, held[0])
        for share in "ab":
            d = admit(board, blast(share, int(now * 1000)), limits, now)
            board, blast_dials = d.board, blast_dials + d.admitted
        decision = admit(board, call(0, slots), limits, now)
        board = decision.board
    # Then the interactive dial went first
    assert blast_dials == 0


# -- between enterprises (issue 26 item 3) -------------------------------------------------

bounds_st = st.builds(
    Limits,
    per_second=st.sampled_from([0.5, 1.0, 5.0]),
    concurrent=st.integers(1, 8),
    reserved=st.integers(0, 2),
    enterprise_calls=st.integers(0, 4),
    enterprise_waiting=st.integers(1, 4),
    board_waiting=st.integers(4, 10),
)
# One step: enterprise e0..e5 asks with an interactive dial (new, or one already waiting)
# or a blast dial, or a placed dial ends, then time moves on.
many_st = st.tuples(
    st.sampled_from(["call", "again", "blast", "end"]),
    st.integers(0, 5),
    st.floats(0.0, 3.0),
)


@settings(max_examples=300, deadline=None)
@given(bounds_st, st.lists(many_st, max_size=120))
def test_the_board_never_exceeds_its_bounds(limits, steps):
    board, now, asked = Board(), 1000.0, []
    for n, (kind, e, dt) in enumerate(steps):
        tenant = f"e{e}"
        if kind == "end":
            if board.leases:
                board = release(board, sorted(board.leases)[0])
        else:
            if kind == "blast":
                request = Request(f"{tenant}-{n}:0.0", 1, RING, share=tenant)
            elif kind == "again" and asked:
                request = asked[n % len(asked)]
            else:
                request = call(n, 1 + n % 3, enterprise=tenant)
                asked.append(request)
            decision = admit(board, request, limits, now)
            board = decision.board
            if not decision.admitted and not decision.queued:
                # a dial without a place in line: the API answers a new request busy
                assert room(board, request.tenant, limits, now) in (OVER_WAITING, BOARD_FULL)
        # Given any sequence, then: the places in line, per enterprise and in all, the
        # account's slots and each enterprise's interactive calls stay within their bounds,
        live = board.live(now)
        assert live.waiting() <= limits.board_waiting
        for t in {f"e{i}" for i in range(6)}:
            assert live.waiting(t) <= limits.enterprise_waiting
            assert board.held(t) <= limits.interactive_cap
        assert board.in_use() <= limits.concurrent
        # and so does the board as stored.
        assert stored_bytes(board) <= limits.board_bytes
        now += dt


@settings(max_examples=100, deadline=None)
@given(
    st.integers(2, 6),
    st.lists(st.integers(0, 5), min_size=10, max_size=60),
    st.sampled_from([1.0, 2.0]),
)
def test_enterprises_interactive_dials_take_turns(count, askers, per_second):
    # Given `count` enterprises each with interactive dials always waiting, asking in any
    # order (each waiter asks again within its claim), on an account with lines to spare
    limits = Limits(per_second=per_second, concurrent=100, reserved=0, enterprise_waiting=50)
    board, now, n = Board(), 1000.0, 0
    tenants = [f"e{i}" for i in range(count)]
    placed = dict.fromkeys(tenants, 0)
    for e in askers:
        for tenant in tenants[e % count :] + tenants[: e % count]:
            n += 1
            decision = admit(board, call(n, enterprise=tenant), limits, now)
            board = decision.board
            if decision.admitted:
                placed[tenant] += 1
                board = release(board, f"call-{n}:0.0")
        # Then no enterprise is ever more than a dial ahead of another (after a round in
        # which each asked), however many dials each has waiting
        assert max(placed.values()) - min(placed.values()) <= 2
        now += limits.spacing


@settings(max_examples=200, deadline=None)
@given(
    limits_st.filter(lambda lim: lim.reserved >= 1 and lim.concurrent > lim.reserved),
    st.integers(1, 40),
    st.integers(0, 30),
)
def test_a_click_to_call_waits_one_slot_for_a_blast_and_two_for_a_flood(limits, blasted, flooded):
    # Given enterprise B's blast holding what it may, with recipients always waiting, and
    # enterprise C's short click-to-calls waiting too (as many as its places allow)
    board, now = Board(), 1000.0
    for n in range(blasted):
        board = admit(board, Request(f"b-{n}:0.0", 1, RING, share="B"), limits, now).board
        now += limits.spacing / 2
    for n in range(flooded):
        board = admit(board, call(100 + n, enterprise="C"), limits, now).board
        board = release(board, f"call-{100 + n}:0.0")
    # When enterprise A's click-to-call asks, and asks again whenever it is told to,
    # while everyone else keeps asking in between (C's calls end at once)
    decision = admit(board, call(0, enterprise="A"), limits, now)
    board, waited, n, blast_dials = decision.board, 0.0, 1000, 0
    while not decision.admitted and waited <= 10 * limits.spacing:
        waited += decision.wait
        now += decision.wait
        d = admit(board, Request(f"b-{n}:0.0", 1, RING, share="B"), limits, now)
        board, blast_dials = d.board, blast_dials + d.admitted
        if flooded:
            c = admit(board, call(100 + n % flooded, enterprise="C"), limits, now)
            board = release(c.board, f"call-{100 + n % flooded}:0.0")
        n += 1
        decision = admit(board, call(0, enterprise="A"), limits, now)
        board = decision.board
    # Then no blast dial went before it, and it waited for the next turn of the rate
    # (a turn more when C's dials were already in line at the same count)
    assert decision.admitted and blast_dials == 0
    assert waited <= (2 if flooded else 1) * limits.spacing + 1e-9


def test_within_an_enterprise_interactive_dials_go_before_its_blast():
    limits = Limits(per_second=1.0, concurrent=3, reserved=1)
    board = admit(Board(), Request("b-1:0.0", 1, RING, share="B"), limits, 0.0).board
    refused = admit(board, call(1, enterprise="B"), limits, 0.5)  # the rate: waits
    assert not refused.admitted
    board = refused.board
    blast_dial = admit(board, Request("b-2:0.0", 1, RING, share="B"), limits, 1.0)
    assert not blast_dial.admitted and blast_dial.why == "interactive dials first"
    assert admit(blast_dial.board, call(1, enterprise="B"), limits, 1.0).admitted


def test_a_10000_recipient_blast_takes_one_place_and_the_board_stays_small():
    limits = Limits(per_second=1.0, concurrent=3, reserved=1)
    board, now = Board(), 0.0
    for n in range(10_000):
        board = admit(board, Request(f"{n}:r0.0", 1, RING, share="B"), limits, now).board
        now += 0.01
    assert board.waiting() == 1 and stored_bytes(board) < 1000
    # Then enterprise A's click-to-call goes now, or at the next turn of the rate
    first = admit(board, call(1, enterprise="A"), limits, now)
    if not first.admitted:
        assert first.wait is not None and first.wait <= limits.spacing
        later = now + first.wait
        board = admit(first.board, Request("x:r0.0", 1, RING, share="B"), limits, later).board
        assert admit(board, call(1, enterprise="A"), limits, later).admitted


def test_past_its_places_in_line_an_enterprise_s_request_is_busy_and_others_are_not():
    limits = Limits(per_second=1.0, concurrent=1, reserved=0, enterprise_waiting=2, board_waiting=3)
    board = admit(Board(), call(0, enterprise="A"), limits, 0.0).board  # holds the line
    for n in (1, 2):
        board = admit(board, call(n, enterprise="A"), limits, 0.1).board
    assert board.waiting("A") == 2
    third = admit(board, call(3, enterprise="A"), limits, 0.2)
    assert not third.admitted and not third.queued and third.why == OVER_WAITING
    assert room(third.board, "A", limits, 0.2) == OVER_WAITING
    assert room(third.board, "B", limits, 0.2) is None
    board = admit(third.board, call(4, enterprise="B"), limits, 0.3).board  # the last place
    assert room(board, "C", limits, 0.3) == BOARD_FULL
    blast = admit(board, Request("c-1:r0.0", 1, RING, share="C"), limits, 0.4)
    assert blast.why == BOARD_FULL and not blast.queued  # a recipient waits, no failure
    # once the waiters are placed or gave up, there is room again
    assert room(board, "A", limits, 0.3 + 2 + CLAIM_SECONDS + 1) is None


def test_an_enterprise_at_its_cap_holds_nobody_back():
    limits = Limits(per_second=10.0, concurrent=4, reserved=0, enterprise_calls=2)
    board = Board()
    for n, at in ((0, 0.0), (1, 0.1)):
        board = admit(board, call(n, enterprise="A"), limits, at).board
    over = admit(board, call(2, enterprise="A"), limits, 0.2)
    assert over.why == "over the enterprise's calls"
    # A waits for its own calls to end; B's dials and blasts are placed meanwhile
    assert admit(over.board, call(3, enterprise="B"), limits, 0.3).admitted
    assert admit(over.board, Request("c:r0.0", 1, RING, share="C"), limits, 0.3).admitted


@settings(max_examples=200, deadline=None)
@given(bounds_st, st.lists(st.tuples(st.integers(0, 5), st.booleans()), min_size=1, max_size=30))
def test_every_lease_is_free_after_a_crash(limits, dials):
    # Given dials placed by dialers that all crashed (nobody releases or answers them)
    board, now = Board(), 0.0
    for n, (e, is_blast) in enumerate(dials):
        share = f"e{e}" if is_blast else None
        request = Request(f"{n}:0.0", 1, RING, share=share, enterprise=f"e{e}")
        board = admit(board, request, limits, now).board
        now += 0.5
    # Then once their leases ran out, every slot is free again, and nothing is left waiting
    later = board.live(now + RING + MAX_WAIT_SECONDS + CLAIM_SECONDS)
    assert later.in_use() == 0 and later.waiting() == 0 and not later.served


def test_a_board_written_before_enterprises_took_turns_is_read():
    old = {
        "leases": {"1:0.0": {"slots": 1, "expires": 5.0, "share": None}},
        "interactive": {"2:0.0": 9.0},
    }
    board = from_json(old)
    assert board.waiting("") == 1 and board.held("") == 1
    assert from_json(to_json(board)) == board


def test_a_blast_placed_while_the_board_is_full_takes_no_place_in_line():
    # Given a board full of the places of an enterprise at its cap (it holds nobody back)
    limits = Limits(
        per_second=10.0,
        concurrent=3,
        reserved=0,
        enterprise_calls=1,
        enterprise_waiting=2,
        board_waiting=2,
    )
    board = admit(Board(), call(0, enterprise="A"), limits, 0.0).board
    for n in (1, 2):
        board = admit(board, call(n, enterprise="A"), limits, 0.1 * n).board
    assert board.waiting() == 2
    # When a blast dial is placed, the board stays within its bound
    placed = admit(board, Request("b:r0.0", 1, RING, share="B"), limits, 0.5)
    assert placed.admitted and placed.board.waiting() == 2
