"""Starting the dialing state machine (`call.asl.json`): its input contract, built here.

The call API (and later autoconference, conference and blast) resolves who to dial,
creates the Calls item (`store.calls.create`) and calls `start` with the legs:

    start(call_id, [Leg("destination", numbers, ...), Leg("origination", numbers, ...)])

Legs are dialed in order. Each must be answered (a human who pressed 1, or as the leg's
options allow) before the next is dialed and bridged to it; a call with
`callOrigination=1` passes the origination leg first. A blast recipient is one leg.
chalicelib/workflows/README.md describes the contract and the messages.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from chalicelib import settings
from chalicelib.store import executions
from chalicelib.telephony import Target

MAX_LEGS = 2  # a leg, and the leg bridged to it


@dataclass(frozen=True)
class Leg:
    role: str  # destination, origination, conference, recipient
    numbers: tuple[Target, ...]  # resolved, in hunt order
    label: str = ""  # printed as the <number> of a leg-level result (DND, ...)
    tryall: bool = False  # ring every number at once, first human wins
    dnd: bool = False  # do-not-disturb at dialing time: the leg ends as DND
    blacklisted: bool = False  # the origination is on this leg's blacklist
    ask_for_one: bool = True  # announce, and wait for the digit 1
    detect_machine: bool = True  # answering machine detection (off: disableAMD)
    accept_machine: bool = False  # an answering machine counts as answered
    announcement: dict = field(default_factory=dict)  # {"text": ...} or {"audioKey": ...}
    caller_id: str | None = None  # e164 presented to this leg; None: withheld (hideAni)
    digits: str = ""  # DTMF sent once answered (conference PIN)
    room: str | None = None  # conference room (Carrier.open_room) joined once answered
    # The pacing share (workflows/pacing.py): a blast recipient's enterprise, whose
    # dials take turns with other enterprises' and give way to interactive ones; None:
    # an interactive leg (a call, conference or autoconference), dialed first.
    share: str | None = None

    def to_input(self) -> dict:
        return {
            "role": self.role,
            "label": self.label,
            "numbers": [{"number": t.number, "e164": t.e164} for t in self.numbers],
            "tryall": self.tryall,
            "dnd": self.dnd,
            "blacklisted": self.blacklisted,
            "askForOne": self.ask_for_one,
            "detectMachine": self.detect_machine,
            "acceptMachine": self.accept_machine,
            "announcement": dict(self.announcement),
            "callerId": self.caller_id,
            "digits": self.digits,
            "room": self.room,
            **({} if self.share is None else {"share": self.share}),
        }

    @classmethod
    def from_input(cls, data: dict[str, Any]) -> Leg:
        """The leg `to_input` wrote, as a dial task hands it back (the state machine's
        `hunt.spec`)."""
        return cls(
            role=str(data["role"]),
            numbers=tuple(Target(n["number"], n["e164"]) for n in data.get("numbers") or ()),
            label=str(data.get("label") or ""),
            tryall=bool(data.get("tryall")),
            dnd=bool(data.get("dnd")),
            blacklisted=bool(data.get("blacklisted")),
            ask_for_one=bool(data["askForOne"]),
            detect_machine=bool(data["detectMachine"]),
            accept_machine=bool(data["acceptMachine"]),
            announcement=dict(data.get("announcement") or {}),
            caller_id=data.get("callerId"),
            digits=data.get("digits") or "",
            room=data.get("room"),
            share=data.get("share"),
        )


def execution_name(call_id: int) -> str:
    """Deterministic: starting the same call twice finds the first execution."""
    return f"call-{call_id}"


def execution_arn(call_id: int, name: str | None = None) -> str:
    """The ARN of the call's execution (started or not)."""
    return _arn(name or execution_name(call_id))


def _arn(name: str) -> str:
    return executions.arn(name)


def execution_input(
    call_id: int, legs: list[Leg], pace_at: float | None = None, retry: dict | None = None
) -> dict:
    """The execution's input. `pace_at`: the Unix time before which nobody is rung (a
    blast recipient's turn under a carrier that paces new calls, Carrier.schedule)."""
    if not 1 <= len(legs) <= MAX_LEGS:
        raise ValueError(f"a call has 1 to {MAX_LEGS} legs, not {len(legs)}")
    s = settings.get()
    paced = {} if pace_at is None else {"pace": {"at": timestamp(pace_at), "done": False}}
    return {
        "callId": call_id,
        # Per task, from settings (TimeoutSecondsPath / HeartbeatSecondsPath), so a
        # deployment tunes them without editing the state machine.
        "timeouts": {
            "ringSeconds": s.ring_timeout_seconds,
            "heartbeatSeconds": s.dial_heartbeat_seconds,
            "callSeconds": s.max_call_seconds,
            "recordSeconds": s.record_timeout_seconds,
        },
        "legs": [leg.to_input() for leg in legs],
        **paced,
        # issue 27 hook: a blast recipient's retries (workflows/compliance.retry_input)
        **({} if retry is None else {"retry": retry}),
    }


def timestamp(at: float) -> str:
    """Unix time as a Step Functions Wait state's TimestampPath reads it (UTC, with ms)."""
    return datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def start(
    call_id: int,
    legs: list[Leg],
    name: str | None = None,
    pace_at: float | None = None,
    retry: dict | None = None,
) -> str:
    """Start dialing; the execution ARN. Starting an already started call is harmless:
    Step Functions returns the running execution for the same name and input, and a
    finished or different one is left alone."""
    return executions.start(
        name or execution_name(call_id), execution_input(call_id, legs, pace_at, retry)
    )


ExecutionEvent = executions.HistoryEvent


@dataclass(frozen=True)
class Execution:
    name: str
    status: str  # RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED
    events: tuple[ExecutionEvent, ...]


def execution(name: str) -> Execution | None:
    """A dialing execution and its history, oldest event first (operators' views:
    `admin show-call`); None if there is none of that name."""
    found = executions.history(name)
    if found is None:
        return None
    status, events = found
    return Execution(name, status, events)
