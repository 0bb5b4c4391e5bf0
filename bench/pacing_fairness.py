"""`python -m bench pacing`: fair telephony (issue 26 item 3, docs/limits-pacing.md
"Between enterprises"), in-process over moto, in virtual time.

Enterprise B's 10,000-recipient blast is put on the pacing board: its recipients' dials
are seeded directly (each asks once through the pure rules, no execution is run), then
B holds its blast lines and keeps asking, two recipients a second as its plan spreads
them, through the shared board in DynamoDB (store/pacing.py). Enterprise A's
click-to-call asks at several moments of B's blast, and 0.1 s after B's dials took the
turn of the rate (the worst moment), and asks again after every wait it is told (as
call.asl.json's Backoff does, in whole seconds). Printed: A's wait for its
first leg against one pacing slot (1 / OCP_CALLS_PER_SECOND), the board's stored size
with B's 10,000 waiting recipients, and with 10,000 waiting click-to-calls of 500
enterprises (today's rules would store them all: about 37 bytes each).
"""

from __future__ import annotations

import heapq
import json
import math
import os

os.environ.setdefault("AWS_ACCESS_KEY_ID", "bench")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "bench")
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
os.environ.setdefault("OCP_STAGE", "bench")

RECIPIENTS = 10_000
HOLD_SECONDS = 45.0  # a blast dial's line (docs/limits-pacing.md)
ASKS_PER_SECOND = 2  # B's recipients whose turn has come, asking each second
ARRIVALS = (0.3, 7.6, 22.5, 61.9, 90.0, 118.4)  # A's click-to-calls, s into the run
RIGHT_AFTER = 4  # and A's click-to-calls 0.1 s after one of B's dials took the turn
DAY_ZERO = 1_765_000_000.0


def run() -> int:
    from moto import mock_aws

    with mock_aws():
        from chalicelib.store import models

        models.create_tables()
        return _measure()


def _measure() -> int:
    from chalicelib.domain import pacing as rules
    from chalicelib.store import pacing as board
    from chalicelib.store.models import Counter
    from chalicelib.workflows import pacing as paced

    limits = paced.limits()
    spacing = limits.spacing
    print("Fair telephony: enterprise B's 10,000-recipient blast, enterprise A's click-to-call")
    print(
        f"  limits: {limits.per_second:g} call/s (a pacing slot: {spacing:g} s), "
        f"{limits.concurrent} concurrent, {limits.reserved} kept for interactive calls, "
        f"{limits.enterprise_waiting} places in line an enterprise, {limits.board_waiting} "
        f"on the board (bound {limits.board_bytes:,} bytes)"
    )

    # B's blast on the board: its lines taken, then every recipient asks once.
    state, now = rules.Board(), DAY_ZERO
    events: list[tuple[float, int, str, str]] = []  # (time, order, kind, holder)
    for n in range(RECIPIENTS):
        request = rules.Request(f"{10_000 + n}:r0.0", 1, 120.0, share="B")
        decision = rules.admit(state, request, limits, now)
        state = decision.board
        if decision.admitted:
            heapq.heappush(events, (now + HOLD_SECONDS, n, "end", request.holder))
        now += 0.5 / RECIPIENTS
    _save(Counter, board.BOARD, state)
    print(
        f"  board with B's {RECIPIENTS:,} recipients waiting: {board.stored_bytes():,} bytes "
        f"({state.waiting()} place in line: a blast waits as one enterprise, its recipients "
        "in the state machine)"
    )

    # Then B keeps asking, and A's click-to-calls come, through the board in DynamoDB.
    start, order = DAY_ZERO + 1, RECIPIENTS
    end = start + max(ARRIVALS) + 30
    t = start
    while t < end:
        heapq.heappush(events, (t, order, "blast", f"{order}:r0.0"))
        order, t = order + 1, t + 1.0 / ASKS_PER_SECOND
    for k, at in enumerate(ARRIVALS):
        heapq.heappush(events, (start + at, -k, "call", f"{90_000 + k}:d0.0"))
    arrived = {f"{90_000 + k}:d0.0": start + at for k, at in enumerate(ARRIVALS)}
    tries: dict[str, int] = {}
    ahead: dict[str, int] = {}  # B's dials placed while A's dial waited
    waits: list[tuple[float, float, int, int]] = []
    b_placed = 0
    while events:
        clock, _, kind, holder = heapq.heappop(events)
        call_id, key = int(holder.split(":")[0]), holder.split(":")[1]
        if kind == "end":
            board.release(call_id, key)
            continue
        share, enterprise = ("B", None) if kind == "blast" else (None, "A")
        request = rules.Request(holder, 1, 120.0, share=share, enterprise=enterprise)
        decision = board.admit(request, limits, clock)
        if kind == "blast":
            if decision.admitted:
                b_placed += 1
                heapq.heappush(events, (clock + HOLD_SECONDS, call_id, "end", holder))
                for waiting in ahead:
                    ahead[waiting] += 1
                if len(arrived) < len(ARRIVALS) + RIGHT_AFTER:
                    # the worst moment for A: B has just taken the current turn
                    k = len(arrived)
                    arrived[f"{90_000 + k}:d0.0"] = clock + 0.1
                    heapq.heappush(events, (clock + 0.1, -k, "call", f"{90_000 + k}:d0.0"))
            continue
        tries[holder] = tries.get(holder, 0) + 1
        ahead.setdefault(holder, 0)
        if decision.admitted:
            since = arrived[holder]
            waits.append((since - start, clock - since, tries[holder], ahead.pop(holder)))
            board.release(call_id)  # it rang; nobody answered
        else:  # call.asl.json's Backoff: whole seconds, then the same dial again
            heapq.heappush(events, (clock + decision.retry_after(), -call_id, kind, holder))
    print(f"  B's recipients placed meanwhile: {b_placed} (its 2 blast lines turn over)")
    worst = max(w for _, w, _, _ in waits)
    for at, waited, asks, before_it in sorted(waits):
        print(
            f"  A's click-to-call at +{at:6.1f} s: placed after {waited:4.2f} s "
            f"({asks} ask{'s' if asks > 1 else ''}, {before_it} of B's dials before it)"
        )
    fair = worst <= spacing + 1e-9 and all(b == 0 for *_, b in waits)
    verdict = "within one pacing slot" if fair else "OVER one pacing slot"
    print(f"  A's longest wait {worst:.2f} s: {verdict} ({spacing:g} s)")

    # 10,000 waiting click-to-calls of 500 enterprises: the board keeps its bound.
    state, now = rules.Board(), DAY_ZERO
    state = rules.admit(state, rules.Request("1:0.0", 3, 600.0, enterprise="x"), limits, now).board
    busy = 0
    for m in range(10_000):
        request = rules.Request(f"{200_000 + m}:0.0", 1, 600.0, enterprise=f"e{m % 500}")
        decision = rules.admit(state, request, limits, now)
        state = decision.board
        busy += not decision.queued
    _save(Counter, board.BOARD, state)
    before = len(
        json.dumps(
            {f"{200_000 + m}:0.0": DAY_ZERO + 12.34 for m in range(10_000)}, separators=(",", ":")
        )
    )
    print(
        f"  board with 10,000 waiting click-to-calls of 500 enterprises: "
        f"{board.stored_bytes():,} bytes ({state.waiting()} in line; {busy:,} wait without a "
        f"place, their enterprises' new requests answered 116). Before: {before:,} bytes, "
        f"{math.ceil(before / RECIPIENTS)} a dial, 400 KB at about "
        f"{400 * 1024 * RECIPIENTS // before:,}"
    )
    return 0 if fair else 1


def _save(counter, name: str, state) -> None:
    from chalicelib.domain import pacing as rules

    item = counter(name, value=1, board=json.dumps(rules.to_json(state), separators=(",", ":")))
    item.save()
