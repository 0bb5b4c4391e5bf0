"""The dial queue's messages: the Task states of the dialing state machine
(workflows/call.asl.json) send them with a task token, and the dialer
(workflows/dialer.py) answers the token. The state machine writes this JSON; `decode`
is the one place it is read (`encode` writes the same shape, for tests and tools).

    DialTask     {"action": "dial", "callId", "key", "numbers": [{"number", "e164"}],
                  "leg": <dialing.Leg.to_input()>, "bridgeTo", "token"}
    RecordTask   {"action": "record", "callId", "key", "role", "numbers", "result", "token"}
    WatchTask    {"action": "watch", "callId", "reference", "token"}
    FinishTask   {"action": "finish", "callId", "token", "end": {"success", "release",
                  "ended": {"seconds"} | null, "leg": {"key", "role", "number", "result"} | null}}
    RetryTask    {"action": "retry", "callId", "token", "retry": {"left", "try",
                  "intervalSeconds", "window", "zones", "deadline"}}   (issue 27)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chalicelib.telephony import Dial, Target
from chalicelib.workflows.dialing import Leg
from chalicelib.workflows.messages import UnknownAction


def _numbers(data: list[dict[str, Any]]) -> tuple[Target, ...]:
    return tuple(Target(n["number"], n["e164"]) for n in data)


def _numbers_json(numbers: tuple[Target, ...]) -> list[dict[str, str]]:
    return [{"number": t.number, "e164": t.e164} for t in numbers]


@dataclass(frozen=True)
class DialTask:
    """Ring `numbers` (one, or every number of a try-all leg) as attempt `key` of `leg`."""

    call_id: int
    key: str
    numbers: tuple[Target, ...]
    leg: Leg
    bridge_to: str | None  # the carrier reference of the answered leg to bridge with
    token: str

    ACTION = "dial"

    def dial(self) -> Dial:
        """What the carrier is asked to place."""
        leg = self.leg
        return Dial(
            call_id=self.call_id,
            key=self.key,
            role=leg.role,
            targets=self.numbers,
            ask_for_one=leg.ask_for_one,
            detect_machine=leg.detect_machine,
            accept_machine=leg.accept_machine,
            announcement=leg.announcement,
            caller_id=leg.caller_id,
            digits=leg.digits,
            bridge_to=self.bridge_to,
            token=self.token,
            room=leg.room,
        )

    def encode(self) -> dict[str, Any]:
        return {
            "action": self.ACTION,
            "key": self.key,
            "numbers": _numbers_json(self.numbers),
            "leg": self.leg.to_input(),
            "bridgeTo": self.bridge_to,
            "token": self.token,
            "callId": self.call_id,
        }

    @classmethod
    def decode(cls, data: dict[str, Any]) -> DialTask:
        return cls(
            call_id=int(data["callId"]),
            key=str(data["key"]),
            numbers=_numbers(data["numbers"]),
            leg=Leg.from_input(data["leg"]),
            bridge_to=data.get("bridgeTo"),
            token=str(data["token"]),
        )


@dataclass(frozen=True)
class RecordTask:
    """Attempt `key` timed out without a report: record `result` for each number."""

    call_id: int
    key: str
    role: str
    numbers: tuple[Target, ...]
    result: str
    token: str

    ACTION = "record"

    def encode(self) -> dict[str, Any]:
        return {
            "action": self.ACTION,
            "key": self.key,
            "role": self.role,
            "numbers": _numbers_json(self.numbers),
            "result": self.result,
            "token": self.token,
            "callId": self.call_id,
        }

    @classmethod
    def decode(cls, data: dict[str, Any]) -> RecordTask:
        return cls(
            call_id=int(data["callId"]),
            key=str(data["key"]),
            role=str(data["role"]),
            numbers=_numbers(data["numbers"]),
            result=str(data["result"]),
            token=str(data["token"]),
        )


@dataclass(frozen=True)
class WatchTask:
    """The call is connected (its legs bridged): report its seconds when it ends."""

    call_id: int
    reference: str  # the carrier's reference of the connected call's held leg
    token: str

    ACTION = "watch"

    def encode(self) -> dict[str, Any]:
        return {
            "action": self.ACTION,
            "reference": self.reference,
            "token": self.token,
            "callId": self.call_id,
        }

    @classmethod
    def decode(cls, data: dict[str, Any]) -> WatchTask:
        return cls(int(data["callId"]), data["reference"] or "", str(data["token"]))


@dataclass(frozen=True)
class LegEnd:
    """A leg-level result that ended the call (Blacklisted, DND, no number)."""

    key: str
    role: str
    number: str
    result: str

    def encode(self) -> dict[str, Any]:
        return {"key": self.key, "role": self.role, "number": self.number, "result": self.result}


@dataclass(frozen=True)
class FinishTask:
    """The call is over: complete or failed, after `seconds` connected if it was."""

    call_id: int
    success: bool
    release: str | None  # a held leg to hang up
    seconds: int | None  # reported by `watch`; None: never connected, or never reported
    ended: bool  # whether the end carries `ended` at all (a connected call's does)
    leg: LegEnd | None
    token: str

    ACTION = "finish"

    def encode(self) -> dict[str, Any]:
        return {
            "action": self.ACTION,
            "end": {
                "success": self.success,
                "release": self.release,
                "ended": {"seconds": self.seconds} if self.ended else None,
                "leg": None if self.leg is None else self.leg.encode(),
            },
            "token": self.token,
            "callId": self.call_id,
        }

    @classmethod
    def decode(cls, data: dict[str, Any]) -> FinishTask:
        end = data["end"]
        ended, leg = end.get("ended"), end.get("leg")
        seconds = (ended or {}).get("seconds")
        return cls(
            call_id=int(data["callId"]),
            success=bool(end["success"]),
            release=end.get("release"),
            seconds=None if seconds is None else int(seconds),
            ended=ended is not None,
            leg=None
            if not leg
            else LegEnd(str(leg["key"]), str(leg["role"]), str(leg["number"]), str(leg["result"])),
            token=str(data["token"]),
        )


@dataclass(frozen=True)
class RetryTask:
    """issue 27: a blast recipient's leg ended Busy, NoAnswer or Failed with tries left:
    when may the next try ring (inside its calling window, before its deadline)?"""

    call_id: int
    interval_seconds: int
    window: str | None  # HH:MM-HH:MM, or None: no calling hours
    zones: tuple[str, ...]
    deadline: int  # Unix time: no try at or after it
    left: int
    attempt: int  # tries made before this one (0: the first ended)
    token: str

    ACTION = "retry"

    def encode(self) -> dict[str, Any]:
        return {
            "action": self.ACTION,
            "retry": {
                "left": self.left,
                "try": self.attempt,
                "intervalSeconds": self.interval_seconds,
                "window": self.window,
                "zones": list(self.zones),
                "deadline": self.deadline,
            },
            "token": self.token,
            "callId": self.call_id,
        }

    @classmethod
    def decode(cls, data: dict[str, Any]) -> RetryTask:
        spec = data["retry"]
        return cls(
            call_id=int(data["callId"]),
            interval_seconds=int(spec["intervalSeconds"]),
            window=spec.get("window") or None,
            zones=tuple(spec.get("zones") or ()),
            deadline=int(spec["deadline"]),
            left=int(spec["left"]),
            attempt=int(spec.get("try") or 0),
            token=str(data["token"]),
        )


Task = DialTask | RecordTask | WatchTask | FinishTask | RetryTask
_KINDS: dict[
    str,
    type[DialTask] | type[RecordTask] | type[WatchTask] | type[FinishTask] | type[RetryTask],
] = {
    DialTask.ACTION: DialTask,
    RecordTask.ACTION: RecordTask,
    WatchTask.ACTION: WatchTask,
    FinishTask.ACTION: FinishTask,
    RetryTask.ACTION: RetryTask,
}


def decode(data: Any) -> Task:
    """A dial queue message; UnknownAction for one of no known action (KeyError or
    TypeError for a known one missing its fields: see workflows/messages.py)."""
    action = data.get("action") if isinstance(data, dict) else None
    kind = _KINDS.get(str(action))
    if kind is None:
        raise UnknownAction(f"dial queue message with unknown action {action!r}")
    return kind.decode(data)
