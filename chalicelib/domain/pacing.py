"""Who may place a call now: the carrier account's two limits and the order of the dials
waiting for them (issue 20 item 4; docs/limits-pacing.md). Pure: the `Board` is a value,
time an argument; store/pacing.py keeps one Board for every dialer at once.

Limits (`Limits`): at most `per_second` new calls a second, spaced evenly (a call at t, the
next at t + 1/per_second at the earliest), and at most `concurrent` calls at once. A dial
holds one slot per number it rings (a try-all of more numbers than the account may ring
at once takes every slot) from the moment it is placed until it is released: at once if
nobody answered, at the end of the call otherwise. Every slot is a lease that expires, so
a dialer that crashed keeps a slot for at most its lease (ring timeout, or longest call).

Priorities:

- interactive dials (a call, autoconference or conference leg: `share` None) go
  first. A refused interactive dial leaves a claim, and while
  a claim is live no blast dial is placed; `reserved` slots are never taken by a blast.
  So an interactive dial waits behind at most one blast dial: the one that took the
  current turn of the rate.
- blast dials (`share`: the blast's enterprise) share what is left fairly: a share is
  refused while another share with a live claim has been served fewer dials, so
  concurrent blasts of different enterprises alternate (round robin by counts) however
  many recipients each has waiting.

A refused dial is told how long to wait; it leaves a claim that lasts that long plus
CLAIM_SECONDS, so a waiter that comes back in time keeps its place.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any

# A refused dial's claim outlives its wait by this much: a waiter back in time keeps its
# place; a waiter that gave up (its call was cancelled) blocks others at most this long.
CLAIM_SECONDS = 10.0
# How often a dial waiting for a slot (not for the rate) asks again: a slot frees when a
# call ends, which no waiter is told about.
POLL_SECONDS = 2.0
# The longest a refused dial is told to wait (a very slow rate still gets a turn).
MAX_WAIT_SECONDS = 300.0

_EMPTY: MappingProxyType[str, Any] = MappingProxyType({})


@dataclass(frozen=True)
class Limits:
    per_second: float  # new calls a second (the account's CPS)
    concurrent: int  # calls at once (the account's concurrency)
    reserved: int = 1  # of `concurrent`, slots only interactive dials take

    def __post_init__(self) -> None:
        if not (self.per_second > 0 and self.concurrent >= 1 and self.reserved >= 0):
            raise ValueError(f"bad pacing limits {self}")

    @property
    def spacing(self) -> float:
        """Seconds between two new calls."""
        return 1.0 / self.per_second

    @property
    def blast_slots(self) -> int:
        """Slots blasts may hold together: always at least one."""
        return max(1, self.concurrent - self.reserved)

    def blast_throughput(self, hold_seconds: float) -> float:
        """Blast dials a second when each holds a line `hold_seconds`: the lesser of the rate
        and what the blast slots turn over (docs/limits-pacing.md works an example)."""
        return min(self.per_second, self.blast_slots / max(hold_seconds, self.spacing))


@dataclass(frozen=True)
class Lease:
    slots: int
    expires: float
    share: str | None = None  # a blast's enterprise; None: interactive


@dataclass(frozen=True)
class Board:
    leases: Any = _EMPTY  # holder -> Lease: the calls placed and not released
    next_at: float = 0.0  # the earliest moment of the next new call
    interactive: Any = _EMPTY  # holder -> claim expiry: refused interactive dials
    blasts: Any = _EMPTY  # share -> claim expiry: shares with refused blast dials
    served: Any = _EMPTY  # share -> blast dials placed (only the difference matters)

    def in_use(self, share_only: bool = False) -> int:
        return sum(
            lease.slots
            for lease in self.leases.values()
            if not share_only or lease.share is not None
        )

    def live(self, now: float) -> Board:
        """Without what expired by `now`; a share neither waiting nor holding a slot is
        forgotten (it starts level with the others when it comes back)."""
        leases = {h: lease for h, lease in self.leases.items() if lease.expires > now}
        blasts = {s: t for s, t in self.blasts.items() if t > now}
        holding = {lease.share for lease in leases.values()}
        return Board(
            leases=MappingProxyType(leases),
            next_at=self.next_at,
            interactive=MappingProxyType({h: t for h, t in self.interactive.items() if t > now}),
            blasts=MappingProxyType(blasts),
            served=MappingProxyType(
                {s: n for s, n in self.served.items() if s in blasts or s in holding}
            ),
        )


@dataclass(frozen=True)
class Request:
    holder: str  # the dial: "{callId}:{attempt key}"
    slots: int  # numbers it rings at once
    lease_seconds: float  # how long its slots are held if nobody releases them
    share: str | None = None  # a blast's enterprise; None: interactive


@dataclass(frozen=True)
class Decision:
    board: Board
    wait: float | None = None  # None: placed now; else seconds to wait before asking again
    why: str = field(default="")

    @property
    def admitted(self) -> bool:
        return self.wait is None

    def retry_after(self) -> int:
        """The wait in whole seconds, as a state machine's Wait takes it (at least 1)."""
        return max(1, math.ceil(self.wait or 0))


def admit(board: Board, request: Request, limits: Limits, now: float) -> Decision:
    """May `request` place its call at `now`? The board after the answer either way."""
    board = board.live(now)
    if request.holder in board.leases:
        return Decision(board)  # asked again for a dial already placed (a redelivery)
    interactive = request.share is None
    capacity = limits.concurrent if interactive else limits.blast_slots
    slots = min(max(1, request.slots), capacity)
    used = board.in_use() if interactive else board.in_use(share_only=True)
    full = board.in_use() + slots > limits.concurrent or used + slots > capacity
    rate_wait = max(0.0, board.next_at - now)
    if interactive:
        if full or rate_wait:
            wait = rate_wait or POLL_SECONDS
            why = "over the concurrent calls" if full else "over the calls per second"
            return _refuse(board, request, now, wait, why)
        return Decision(_place(board, request, slots, now, limits))
    share = request.share or ""
    served: dict[str, int] = dict(board.served)
    # A share coming (back) starts level with the least served share waiting.
    served.setdefault(share, min((served.get(s, 0) for s in board.blasts), default=0))
    board = replace(board, served=MappingProxyType(served))
    rivals = [served.get(s, served[share]) for s in board.blasts if s != share]
    if board.interactive:
        return _refuse(board, request, now, rate_wait or POLL_SECONDS, "interactive dials first")
    if rivals and served[share] > min(rivals):
        return _refuse(board, request, now, max(rate_wait, limits.spacing), "another blast's turn")
    if full or rate_wait:
        wait = rate_wait or POLL_SECONDS
        why = "over the concurrent calls" if full else "over the calls per second"
        return _refuse(board, request, now, wait, why)
    placed = _place(board, request, slots, now, limits)
    served[share] += 1
    # A share that was just served still has recipients waiting, as far as anyone knows:
    # it stays a rival for as long as a refused one would.
    claims = {**board.blasts, share: max(now + CLAIM_SECONDS, board.blasts.get(share, 0))}
    return Decision(
        replace(placed, served=MappingProxyType(served), blasts=MappingProxyType(claims))
    )


def answered(board: Board, holder: str, slots: int, expires: float) -> Board:
    """A placed dial was answered: it keeps `slots` (the numbers still connected) until
    `expires` (the longest call), the others are free."""
    lease = board.leases.get(holder)
    if lease is None:
        return board
    leases = {**board.leases, holder: replace(lease, slots=slots, expires=expires)}
    return replace(board, leases=MappingProxyType(leases))


def release(board: Board, holders: Any) -> Board:
    """The dials `holders` (a holder, or a predicate on holders) hold nothing any more."""
    drop = holders if callable(holders) else (lambda h: h == holders)
    leases = {h: lease for h, lease in board.leases.items() if not drop(h)}
    if len(leases) == len(board.leases):
        return board
    return replace(board, leases=MappingProxyType(leases))


def _place(board: Board, request: Request, slots: int, now: float, limits: Limits) -> Board:
    leases = {
        **board.leases,
        request.holder: Lease(slots, now + request.lease_seconds, request.share),
    }
    interactive = {h: t for h, t in board.interactive.items() if h != request.holder}
    return replace(
        board,
        leases=MappingProxyType(leases),
        interactive=MappingProxyType(interactive),
        next_at=max(board.next_at, now) + limits.spacing,
    )


def _refuse(board: Board, request: Request, now: float, wait: float, why: str) -> Decision:
    wait = min(wait, MAX_WAIT_SECONDS)
    until = now + wait + CLAIM_SECONDS
    if request.share is None:
        claims = {**board.interactive, request.holder: until}
        board = replace(board, interactive=MappingProxyType(claims))
    else:
        claims = {**board.blasts, request.share: max(until, board.blasts.get(request.share, 0))}
        board = replace(board, blasts=MappingProxyType(claims))
    return Decision(board, wait, why)


# -- the board as stored (store/pacing.py keeps it as JSON on one item) --------------------


def to_json(board: Board) -> dict[str, Any]:
    return {
        "leases": {
            h: {"slots": lease.slots, "expires": lease.expires, "share": lease.share}
            for h, lease in board.leases.items()
        },
        "nextAt": board.next_at,
        "interactive": dict(board.interactive),
        "blasts": dict(board.blasts),
        "served": dict(board.served),
    }


def from_json(data: dict[str, Any] | None) -> Board:
    if not data:
        return Board()
    return Board(
        leases=MappingProxyType(
            {
                h: Lease(int(v["slots"]), float(v["expires"]), v.get("share"))
                for h, v in data.get("leases", {}).items()
            }
        ),
        next_at=float(data.get("nextAt", 0.0)),
        interactive=MappingProxyType({h: float(t) for h, t in data.get("interactive", {}).items()}),
        blasts=MappingProxyType({s: float(t) for s, t in data.get("blasts", {}).items()}),
        served=MappingProxyType({s: int(n) for s, n in data.get("served", {}).items()}),
    )
