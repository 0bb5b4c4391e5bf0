"""Who may place a call now: the carrier account's two limits, the enterprises' turns and
the order of the dials waiting for them (issue 20 item 4, issue 26 item 3;
docs/limits-pacing.md). Pure: the `Board` is a value, time an argument; store/pacing.py
keeps one Board for every dialer at once.

Limits (`Limits`): at most `per_second` new calls a second, spaced evenly (a call at t, the
next at t + 1/per_second at the earliest), and at most `concurrent` calls at once. A dial
holds one slot per number it rings (a try-all of more numbers than the account may ring
at once takes every slot) from the moment it is placed until it is released: at once if
nobody answered, at the end of the call otherwise. Every slot is a lease that expires, so
a dialer that crashed keeps a slot for at most its lease (ring timeout, or longest call).

Every dial belongs to an enterprise (`Request.tenant`: a blast's `share`, or an
interactive dial's `enterprise`; "" for a dial of nobody's, an operator's test call).

Priorities:

- interactive dials (a call, autoconference or conference leg: `share` None) go first.
  A refused interactive dial leaves a claim, and while a claim of an enterprise that may
  place a call is live no blast dial is placed; `reserved` slots are never taken by a
  blast. So an interactive dial waits behind at most one blast dial: the one that took
  the current turn of the rate.
- enterprises take turns: an enterprise's dial is refused while another enterprise with
  a live claim of the same kind (interactive, or blast) has been served fewer dials
  (round robin by counts, however many dials each has waiting). A newcomer starts level
  with the least served; between interactive dials a tie goes to the enterprise with a
  place in line over one asking afresh.
- an enterprise holds at most `enterprise_calls` interactive calls at once (its blasts:
  at most the blast slots, which enterprises share in turn).

Bounds: an enterprise keeps at most `enterprise_waiting` claims of interactive dials, the
board at most `board_waiting` claims in all (interactive dials, and one a blasting
enterprise, however many recipients it has waiting): a dial refused past either waits
like any other but keeps no place in line (`Decision.queued` False), and the API answers
a new call request of that enterprise with the busy error (`room`). The board's size is
bounded by `Limits.board_bytes` (leases at most `concurrent`).

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
# Defaults of the bounds (settings: OCP_ENTERPRISE_WAITING_DIALS, OCP_PACING_BOARD_WAITING).
ENTERPRISE_WAITING = 20
BOARD_WAITING = 1000
# The most bytes one entry of the stored board takes (JSON, store/pacing.py): a lease
# ("holder":{"slots":n,"expires":t,"share":"eid","tenant":"eid"}), a claim with the
# enterprise's served count. Holders are "{callId}:{attempt key}" (callIds below 10^12).
LEASE_BYTES = 110
CLAIM_BYTES = 90
# Why a dial waits without a place in line (the API's busy error, `room`).
OVER_WAITING = "the enterprise's waiting dials are at their limit"
BOARD_FULL = "the pacing board is full"

_EMPTY: MappingProxyType[str, Any] = MappingProxyType({})


@dataclass(frozen=True)
class Limits:
    per_second: float  # new calls a second (the account's CPS)
    concurrent: int  # calls at once (the account's concurrency)
    reserved: int = 1  # of `concurrent`, slots only interactive dials take
    # Interactive calls one enterprise holds at once; 0: the account's `concurrent`.
    enterprise_calls: int = 0
    enterprise_waiting: int = ENTERPRISE_WAITING  # one enterprise's waiting claims
    board_waiting: int = BOARD_WAITING  # every enterprise's waiting claims together

    def __post_init__(self) -> None:
        if not (
            self.per_second > 0
            and self.concurrent >= 1
            and self.reserved >= 0
            and self.enterprise_calls >= 0
            and self.enterprise_waiting >= 1
            and self.board_waiting >= self.enterprise_waiting
        ):
            raise ValueError(f"bad pacing limits {self}")

    @property
    def spacing(self) -> float:
        """Seconds between two new calls."""
        return 1.0 / self.per_second

    @property
    def blast_slots(self) -> int:
        """Slots blasts may hold together: always at least one."""
        return max(1, self.concurrent - self.reserved)

    @property
    def interactive_cap(self) -> int:
        """Interactive slots one enterprise may hold at once."""
        return min(self.concurrent, self.enterprise_calls or self.concurrent)

    @property
    def board_bytes(self) -> int:
        """The most bytes the stored board takes: a lease per slot, a claim (and a
        served count) per place in line, a served count per holding enterprise, and one
        per enterprise served in the last CLAIM_SECONDS (one a call placed at most)."""
        recent = math.ceil(self.per_second * CLAIM_SECONDS) + 1
        return (self.concurrent + recent) * LEASE_BYTES + self.board_waiting * CLAIM_BYTES + 96

    def blast_throughput(self, hold_seconds: float) -> float:
        """Blast dials a second when each holds a line `hold_seconds`: the lesser of the rate
        and what the blast slots turn over (docs/limits-pacing.md works an example)."""
        return min(self.per_second, self.blast_slots / max(hold_seconds, self.spacing))


@dataclass(frozen=True)
class Lease:
    slots: int
    expires: float
    share: str | None = None  # a blast's enterprise; None: interactive
    tenant: str = ""  # the dial's enterprise (a blast's: its share)


@dataclass(frozen=True)
class Claim:
    """A refused interactive dial's place in line."""

    expires: float
    tenant: str = ""


@dataclass(frozen=True)
class Board:
    leases: Any = _EMPTY  # holder -> Lease: the calls placed and not released
    next_at: float = 0.0  # the earliest moment of the next new call
    interactive: Any = _EMPTY  # holder -> Claim: refused interactive dials
    blasts: Any = _EMPTY  # share -> claim expiry: shares with refused blast dials
    served: Any = _EMPTY  # enterprise -> dials placed (only the differences matter)
    # enterprise -> until when its served count is kept though it neither waits nor holds
    # a line (an interactive dial placed and ended at once: it is no newcomer when it
    # comes back); at most one per call placed in the last CLAIM_SECONDS.
    recent: Any = _EMPTY

    def in_use(self, share_only: bool = False) -> int:
        return sum(
            lease.slots
            for lease in self.leases.values()
            if not share_only or lease.share is not None
        )

    def held(self, tenant: str) -> int:
        """Interactive slots the enterprise holds."""
        return sum(
            lease.slots
            for lease in self.leases.values()
            if lease.share is None and lease.tenant == tenant
        )

    def waiting(self, tenant: str | None = None) -> int:
        """Places in line: of the enterprise `tenant`'s interactive dials, or all of them
        (interactive dials and blasting enterprises) with None."""
        if tenant is None:
            return len(self.interactive) + len(self.blasts)
        return sum(1 for claim in self.interactive.values() if claim.tenant == tenant)

    def live(self, now: float) -> Board:
        """Without what expired by `now`; an enterprise neither waiting nor holding a slot
        is forgotten (it starts level with the others when it comes back)."""
        leases = {h: lease for h, lease in self.leases.items() if lease.expires > now}
        interactive = {h: c for h, c in self.interactive.items() if c.expires > now}
        blasts = {s: t for s, t in self.blasts.items() if t > now}
        recent = {s: t for s, t in self.recent.items() if t > now}
        keep = (
            {lease.tenant for lease in leases.values()}
            | {c.tenant for c in interactive.values()}
            | set(blasts)
            | set(recent)
        )
        return Board(
            leases=MappingProxyType(leases),
            next_at=self.next_at,
            interactive=MappingProxyType(interactive),
            blasts=MappingProxyType(blasts),
            served=MappingProxyType({s: n for s, n in self.served.items() if s in keep}),
            recent=MappingProxyType(recent),
        )


@dataclass(frozen=True)
class Request:
    holder: str  # the dial: "{callId}:{attempt key}"
    slots: int  # numbers it rings at once
    lease_seconds: float  # how long its slots are held if nobody releases them
    share: str | None = None  # a blast's enterprise; None: interactive
    enterprise: str | None = None  # an interactive dial's enterprise (None: nobody's)

    @property
    def tenant(self) -> str:
        """The enterprise whose turn the dial takes."""
        if self.share is not None:
            return self.share
        return self.enterprise or ""


@dataclass(frozen=True)
class Decision:
    board: Board
    wait: float | None = None  # None: placed now; else seconds to wait before asking again
    why: str = field(default="")
    queued: bool = True  # a refused dial kept (or took) a place in line

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
    tenant = request.tenant
    capacity = limits.concurrent if interactive else limits.blast_slots
    slots = min(max(1, request.slots), capacity)
    if interactive:
        slots = min(slots, limits.interactive_cap)
    used = board.in_use() if interactive else board.in_use(share_only=True)
    full = board.in_use() + slots > limits.concurrent or used + slots > capacity
    rate_wait = max(0.0, board.next_at - now)
    served: dict[str, int] = dict(board.served)
    # An enterprise coming (back) starts level with the least served one waiting.
    waiting = _eligible_interactive(board, limits) | set(board.blasts)
    served.setdefault(tenant, min((served.get(s, 0) for s in waiting), default=0))
    board = replace(board, served=MappingProxyType(served))
    mine = served[tenant]
    if interactive:
        # A tie goes to an enterprise with a place in line over one asking afresh.
        queued = board.waiting(tenant) > 0
        rivals = [
            served.get(t, mine) - (0 if queued else 1)
            for t in _eligible_interactive(board, limits)
            if t != tenant
        ]
        if rivals and mine > min(rivals):
            wait = max(rate_wait, limits.spacing)
            return _refuse(board, request, limits, now, wait, "another enterprise's turn")
    else:
        if _eligible_interactive(board, limits):
            wait = rate_wait or POLL_SECONDS
            return _refuse(board, request, limits, now, wait, "interactive dials first")
        rivals = [served.get(s, mine) for s in board.blasts if s != tenant]
        if rivals and mine > min(rivals):
            wait = max(rate_wait, limits.spacing)
            return _refuse(board, request, limits, now, wait, "another blast's turn")
    if full or rate_wait:
        wait = rate_wait or POLL_SECONDS
        why = "over the concurrent calls" if full else "over the calls per second"
        return _refuse(board, request, limits, now, wait, why)
    if interactive and board.held(tenant) + slots > limits.interactive_cap:
        return _refuse(board, request, limits, now, POLL_SECONDS, "over the enterprise's calls")
    placed = _place(board, request, slots, now, limits)
    served[tenant] = mine + 1
    placed = replace(placed, served=MappingProxyType(served))
    if interactive:
        recent = {**board.recent, tenant: now + CLAIM_SECONDS}
        return Decision(replace(placed, recent=MappingProxyType(recent)))
    # A share that was just served still has recipients waiting, as far as anyone knows:
    # it stays a rival for as long as a refused one would (its place in line is kept, or
    # taken if the board has room).
    if tenant not in board.blasts and board.waiting() >= limits.board_waiting:
        return Decision(placed)
    claims = {**board.blasts, tenant: max(now + CLAIM_SECONDS, board.blasts.get(tenant, 0))}
    return Decision(replace(placed, blasts=MappingProxyType(claims)))


def room(board: Board, tenant: str, limits: Limits, now: float) -> str | None:
    """None: a new interactive request of the enterprise `tenant` may start (its dials
    will find a place in line); else why not (the API's busy error)."""
    board = board.live(now)
    if board.waiting(tenant) >= limits.enterprise_waiting:
        return OVER_WAITING
    if board.waiting() >= limits.board_waiting:
        return BOARD_FULL
    return None


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


def _eligible_interactive(board: Board, limits: Limits) -> set[str]:
    """Enterprises with interactive dials waiting that may place one (not at their cap):
    an enterprise at its cap holds nobody back."""
    tenants = {claim.tenant for claim in board.interactive.values()}
    return {t for t in tenants if board.held(t) < limits.interactive_cap}


def _place(board: Board, request: Request, slots: int, now: float, limits: Limits) -> Board:
    lease = Lease(slots, now + request.lease_seconds, request.share, request.tenant)
    leases = {**board.leases, request.holder: lease}
    interactive = {h: c for h, c in board.interactive.items() if h != request.holder}
    return replace(
        board,
        leases=MappingProxyType(leases),
        interactive=MappingProxyType(interactive),
        next_at=max(board.next_at, now) + limits.spacing,
    )


def _refuse(
    board: Board, request: Request, limits: Limits, now: float, wait: float, why: str
) -> Decision:
    """Wait `wait` seconds; the dial keeps (or takes) its place in line if the bounds
    allow, else it waits without one (and a new request of its enterprise is busy)."""
    wait = min(wait, MAX_WAIT_SECONDS)
    until = now + wait + CLAIM_SECONDS
    tenant = request.tenant
    if request.share is None:
        if request.holder not in board.interactive:
            if board.waiting(tenant) >= limits.enterprise_waiting:
                return Decision(board, wait, OVER_WAITING, queued=False)
            if board.waiting() >= limits.board_waiting:
                return Decision(board, wait, BOARD_FULL, queued=False)
        claims = {**board.interactive, request.holder: Claim(until, tenant)}
        board = replace(board, interactive=MappingProxyType(claims))
    else:
        if tenant not in board.blasts and board.waiting() >= limits.board_waiting:
            return Decision(board, wait, BOARD_FULL, queued=False)
        claims = {**board.blasts, tenant: max(until, board.blasts.get(tenant, 0))}
        board = replace(board, blasts=MappingProxyType(claims))
    return Decision(board, wait, why)


# -- the board as stored (store/pacing.py keeps it as JSON on one item) --------------------


def to_json(board: Board) -> dict[str, Any]:
    return {
        "leases": {h: _lease_json(lease) for h, lease in board.leases.items()},
        "nextAt": board.next_at,
        "interactive": {h: [c.expires, c.tenant] for h, c in board.interactive.items()},
        "blasts": dict(board.blasts),
        "served": dict(board.served),
        "recent": dict(board.recent),
    }


def _lease_json(lease: Lease) -> dict[str, Any]:
    data: dict[str, Any] = {"slots": lease.slots, "expires": lease.expires, "share": lease.share}
    if lease.tenant != (lease.share or ""):
        data["tenant"] = lease.tenant
    return data


def from_json(data: dict[str, Any] | None) -> Board:
    if not data:
        return Board()
    return Board(
        leases=MappingProxyType(
            {
                h: Lease(
                    int(v["slots"]),
                    float(v["expires"]),
                    v.get("share"),
                    str(v.get("tenant", v.get("share") or "")),
                )
                for h, v in data.get("leases", {}).items()
            }
        ),
        next_at=float(data.get("nextAt", 0.0)),
        interactive=MappingProxyType(
            {h: _claim(v) for h, v in data.get("interactive", {}).items()}
        ),
        blasts=MappingProxyType({s: float(t) for s, t in data.get("blasts", {}).items()}),
        served=MappingProxyType({s: int(n) for s, n in data.get("served", {}).items()}),
        recent=MappingProxyType({s: float(t) for s, t in data.get("recent", {}).items()}),
    )


def _claim(value: Any) -> Claim:
    """A claim as stored: [expires, tenant]; a bare expiry (a board written before
    enterprises took turns) is nobody's."""
    if isinstance(value, list):
        return Claim(float(value[0]), str(value[1]))
    return Claim(float(value))
