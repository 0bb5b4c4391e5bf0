"""What the asynchronous half is doing, for operators: `python -m local.admin watch`
(a live board of calls, blasts and scheduled work) and `show-call ID` (one call's
timeline). It reads what the API reads, through store/ and workflows/, so it works against
`make run` and against a deployed stage alike (docs/local.md, "Watching the asynchronous
half"). It shows what the API reports: a blast's state as blast GET gives it, a call's
attempts as call GET lists them.

Reading (`read_board`, `read_timeline`) and drawing (`render_board`, `render_timeline`,
pure functions of what was read) are apart, so the drawing is tested without AWS.
"""

from __future__ import annotations

import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TextIO

from chalicelib import clock as clocks
from chalicelib.api import blasts as blast_api
from chalicelib.protocol import bodies
from chalicelib.store import blasts, calls, enterprises, listing, recipients
from chalicelib.store.blasts import BlastInfo
from chalicelib.store.calls import CallStatus
from chalicelib.workflows import dialing, fanout, schedule
from chalicelib.workflows.dialing import Execution
from chalicelib.workflows.schedule import Pending

# Blast recipients ("blast", "blastsms") are shown as their blast's progress, not as calls.
CALL_KINDS = ("call", "autoconference", "conference")
CALLS_SHOWN = 12
BLASTS_SHOWN = 5
BLASTS_READ = 20
SCHEDULES_SHOWN = 10
REFRESH_SECONDS = 1.0

GREEN, RED, YELLOW, DIM, BOLD, RESET = (
    "\x1b[32m",
    "\x1b[31m",
    "\x1b[33m",
    "\x1b[2m",
    "\x1b[1m",
    "\x1b[0m",
)


@dataclass(frozen=True)
class BlastProgress:
    blast: BlastInfo
    done: int  # recipients reached (Success)
    failed: int  # recipients whose dialing or text ended without success
    pending: int  # not ended yet, or not created yet
    # As blast GET reports it (api/blasts.current_state): "started" or "complete"; None
    # before it starts, when the stored state ("scheduled") is shown.
    current: str | None = None

    @property
    def total(self) -> int:
        return self.done + self.failed + self.pending

    @property
    def state(self) -> str:
        return self.current or self.blast.state


@dataclass(frozen=True)
class Board:
    at: float
    calls: tuple[CallStatus, ...]
    blasts: tuple[BlastProgress, ...]
    scheduled: tuple[Pending, ...]


# -- reading ------------------------------------------------------------------------------


def read_board() -> Board:
    recent = blasts.latest(BLASTS_READ)
    return Board(
        at=clocks.now(),
        calls=tuple(listing.latest_calls(enterprises.all_ids(), CALLS_SHOWN, kinds=CALL_KINDS)),
        blasts=tuple(progress(b) for b in recent[:BLASTS_SHOWN]),
        scheduled=tuple(schedule.pending()),
    )


def progress(blast: BlastInfo) -> BlastProgress:
    if blast.first_call_id is None:  # not started: every recipient is still to come
        return BlastProgress(blast, 0, 0, blast.recipients)
    results = recipients.results(blast)
    done = sum(1 for r in results if r is not None and r.done and r.success)
    failed = sum(1 for r in results if r is not None and r.done and not r.success)
    pending = len(results) - done - failed
    return BlastProgress(blast, done, failed, pending, blast_api.current_state(blast, results))


@dataclass(frozen=True)
class Timeline:
    call: CallStatus
    execution: Execution | None


def read_timeline(call_id: int) -> Timeline | None:
    call = calls.find_status(call_id)
    if call is None:
        return None
    request = call.request
    if "blastId" in request and "n" in request:
        name = fanout.execution_name(int(request["blastId"]), int(request["n"]))
    else:
        name = dialing.execution_name(call_id)
    return Timeline(call, dialing.execution(name))


# -- drawing ------------------------------------------------------------------------------


def _paint(text: str, code: str, color: bool) -> str:
    return f"{code}{text}{RESET}" if color else text


def clock(at: float) -> str:
    return datetime.fromtimestamp(at, tz=UTC).strftime("%H:%M:%SZ")


def duration(seconds: float) -> str:
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    if seconds < 86400:
        return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
    return f"{seconds // 86400}d{seconds % 86400 // 3600:02d}h"


def progress_bar(done: int, failed: int, pending: int, width: int, color: bool = False) -> str:
    """`[####xx....]`: done, failed and pending recipients in proportion, never rounding a
    non-zero part away."""
    total = done + failed + pending
    if total == 0 or width <= 0:
        return "[" + "." * max(width, 0) + "]"
    cells = [round(width * n / total) for n in (done, failed, pending)]
    for i, n in enumerate((done, failed, pending)):
        if n and not cells[i]:
            cells[i] = 1
    while sum(cells) > width:  # take from the largest part
        cells[cells.index(max(cells))] -= 1
    while sum(cells) < width:
        cells[cells.index(max(cells))] += 1
    return (
        "["
        + _paint("#" * cells[0], GREEN, color)
        + _paint("x" * cells[1], RED, color)
        + "." * cells[2]
        + "]"
    )


def _state(state: str, success: bool, color: bool) -> str:
    if state == "complete" and success:
        return _paint(f"{state:<10}", GREEN, color)
    if state in ("failed", "cancelled") or (state == "complete" and not success):
        return _paint(f"{state:<10}", RED, color)
    return _paint(f"{state:<10}", YELLOW, color)


def _fit(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(width - 1, 0)] + "…"


def render_board(board: Board, width: int = 100, color: bool = False) -> str:
    lines = [
        _paint(f"OCP watch · {clock(board.at)} · Ctrl-C to stop", BOLD, color),
        "",
        _paint(f"Calls (newest {CALLS_SHOWN}; blast recipients are under Blasts)", BOLD, color),
    ]
    if not board.calls:
        lines.append("  none")
    for c in board.calls:
        head = f"  #{c.call_id:<6} {c.kind:<14} "
        # As call GET lists them: the caller's own answered leg is its callingNumber.
        listed = bodies.listed_attempts(c)
        tried = " · ".join(f"{a.number} {a.result}" for a in listed) or "no attempt yet"
        tail = f" {len(listed)} tried: {tried}"
        if c.complete:
            tail = f" {c.mou} min ·" + tail
        lines.append(head + _state(c.state, c.success, color) + _fit(tail, width - len(head) - 10))
    lines += ["", _paint(f"Blasts (newest {BLASTS_SHOWN})", BOLD, color)]
    if not board.blasts:
        lines.append("  none")
    for p in board.blasts:
        b = p.blast
        head = f"  #{b.blast_id:<6} {b.kind:<5} {p.state:<9} "
        counts = f" {p.done} done · {p.failed} failed · {p.pending} pending / {p.total}"
        if b.state == "scheduled":
            counts = (
                f" fires in {duration(b.blast_time - board.at)} ({clock(b.blast_time)})" + counts
            )
        bar = progress_bar(
            p.done, p.failed, p.pending, max(10, width - len(head) - len(counts) - 2), color
        )
        lines.append(head + bar + counts)
    lines += ["", _paint(f"Scheduled (soonest {SCHEDULES_SHOWN})", BOLD, color)]
    if not board.scheduled:
        lines.append("  none")
    for s in board.scheduled[:SCHEDULES_SHOWN]:
        kind, item, version = (s.input.get(k, "?") for k in ("kind", "id", "version"))
        what = f"{kind} {item} (version {version})"
        left = s.at - board.at
        when = (
            f"in {duration(left)}"
            if left > 0
            else _paint(f"due {duration(-left)} ago", YELLOW, color)
        )
        lines.append(f"  {what:<34} {when:<14} at {clock(s.at)}")
    if len(board.scheduled) > SCHEDULES_SHOWN:
        lines.append(f"  … and {len(board.scheduled) - SCHEDULES_SHOWN} more")
    return "\n".join(lines) + "\n"


def render_timeline(timeline: Timeline, color: bool = False) -> str:
    """The call's life in time order: its own times, each state its execution entered,
    each number tried with its result, the end with the minutes charged."""
    c = timeline.call
    outcome = ("success" if c.success else "no success") if c.complete else "in progress"
    lines = [
        _paint(
            f"call {c.call_id} · {c.kind} · enterprise {c.eid} · user {c.user_id} · "
            f"{c.state} ({outcome}) · {c.mou} min",
            BOLD,
            color,
        )
    ]
    events: list[tuple[float, int, str]] = [(c.time_scheduled, 0, "scheduled")]
    if c.time_originated is not None:
        events.append((c.time_originated, 1, "dialing began"))
    execution = timeline.execution
    if execution is not None:
        for e in execution.events:
            if e.type == "ExecutionStarted":
                events.append((e.at, 2, f"execution {execution.name} started"))
            elif e.type.endswith("StateEntered"):
                events.append((e.at, 2, f"  state {e.state}"))
            elif e.type.startswith("Execution"):  # its end: after what it ended
                events.append((e.at, 5, f"execution {e.type.removeprefix('Execution').lower()}"))
    for a in c.attempts:
        events.append(
            (
                a.at if a.at is not None else c.time_completed or c.time_scheduled,
                3,
                f"{a.role:<12} {a.number:<16} {a.result}",
            )
        )
    if c.time_completed is not None:
        events.append(
            (
                c.time_completed,
                4,
                _state(c.state, c.success, color).rstrip() + f": {c.mou} min charged",
            )
        )
    # The call's own times and its attempts' are whole seconds, the execution's events
    # finer: within one second, what made a result (the execution's state) comes first.
    events.sort(key=lambda e: (int(e[0]), e[1], e[0]))
    start = events[0][0]
    for at, _, text in events:
        lines.append(f"  {clock(at)}  +{duration(at - start):>6}  {text}")
    if execution is None:
        lines.append(
            _paint("  (no dialing execution: not started, or its history has expired)", DIM, color)
        )
    else:
        lines.append(f"  execution status: {execution.status}")
    return "\n".join(lines) + "\n"


# -- the live view -------------------------------------------------------------------------


def watch(
    out: TextIO = sys.stdout,
    once: bool = False,
    interval: float = REFRESH_SECONDS,
    read: Callable[[], Board] = read_board,
) -> int:
    """Redraw the board every `interval` seconds (plain ANSI: home, draw, clear the rest),
    or print it once. Ctrl-C stops it."""
    color = out.isatty()
    try:
        while True:
            board = read()
            width = shutil.get_terminal_size((100, 40)).columns
            text = render_board(board, width=width, color=color)
            if once:
                out.write(text)
                return 0
            out.write("\x1b[H" + text.replace("\n", "\x1b[K\n") + "\x1b[J")
            out.flush()
            time.sleep(interval)
    except KeyboardInterrupt:
        return 0
