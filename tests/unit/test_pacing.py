"""The pacing rules (domain/pacing.py): the account's two limits are never exceeded,
interactive dials go first, and blasts of different enterprises share fairly."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.domain.pacing import (
    CLAIM_SECONDS,
    Board,
    Limits,
    Request,
    admit,
    answered,
    from_json,
    release,
    to_json,
)

RING = 60.0


def blast(share: str, n: int, slots: int = 1) -> Request:
    return Request(f"{share}-{n}:0.0", slots, RING, share=share)


def call(n: int, slots: int = 1) -> Request:
    return Request(f"call-{n}:0.0", slots, RING)


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
