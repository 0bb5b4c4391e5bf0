"""The fan-out queue's messages, as frozen dataclasses with their own encoding: the JSON
on the wire is what `encode` writes and `decode` reads, nowhere else. (A schedule's input
is `fire.Firing`, the dial queue's tasks are in tasks.py.)

    StartBlast       the fan-out queue: {"action": "start", "blastId", "version"}
    RecipientBatch   the fan-out queue: {"action": "recipients", "blastId", "kind", "eid",
                     "userId", "time", "firstCallId", "origin": {"userId", "phoneKeys"},
                     "callerId", "callingNumber", "announcement" (voice) | "text" (sms),
                     "pace" (voice, optional): {"from", "every"}, "callback" (optional),
                     "first", "terminations": [...]}

A message with no known action is `UnknownAction`, which the consumers
log and drop (redelivery would not make it valid); one with a known action but missing
fields raises KeyError or TypeError, as the consumers always did: it is delivered again,
then dead-lettered, so a broken producer is seen.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from chalicelib.domain.compliance import BlastRules
from chalicelib.domain.destinations import Destination
from chalicelib.domain.resolve import Origin
from chalicelib.domain.subscriptions import Subscription


class UnknownAction(ValueError):
    """A message that is none of the kinds its queue carries."""


@dataclass(frozen=True)
class StartBlast:
    """Start the blast at this version (POST for a blast due now, or its schedule)."""

    blast_id: int
    version: int

    ACTION = "start"

    def encode(self) -> dict[str, Any]:
        return {"action": self.ACTION, "blastId": self.blast_id, "version": self.version}

    @classmethod
    def decode(cls, data: dict[str, Any]) -> StartBlast:
        return cls(int(data["blastId"]), int(data["version"]))


@dataclass(frozen=True)
class Pace:
    """Recipient n of a paced blast may be rung from `start + n * every` (Unix time)."""

    start: float
    every: float

    def at(self, n: int) -> float:
        return self.start + n * self.every


@dataclass(frozen=True)
class RecipientBatch:
    """Recipients `first`.. of a started blast, with what every recipient shares, worked
    out once per blast (workflows/fanout.py). A batch out of time goes back on the queue
    as the same message from a later `first` (`rest`)."""

    blast_id: int
    kind: str  # voice, sms
    eid: int
    user_id: int
    time: int  # the blast's time: its recipients' Calls items' time_scheduled
    first_call_id: int
    first: int  # recipient n's Calls item is first_call_id + n
    terminations: tuple[Destination, ...]
    origin: Origin  # for the recipients' blacklists
    caller_id: str | None  # e164 shown to recipients; None: withheld (hideAni)
    calling_number: str
    announcement: dict[str, Any] | None = None  # voice: what Carrier.prepare made
    text: str | None = None  # sms
    pace: Pace | None = None
    callback: Subscription | None = field(default=None)
    # issue 27: the blast's compliance rules, its start (the 7 days count from it) and
    # version (a wake-up of waiting recipients carries it)
    rules: BlastRules = field(default_factory=BlastRules)
    started: int = 0
    version: int = 0

    ACTION = "recipients"

    def numbered(self) -> list[tuple[int, int, Destination]]:
        """(callId, n, destination) of each recipient of the batch."""
        return [
            (self.first_call_id + self.first + i, self.first + i, t)
            for i, t in enumerate(self.terminations)
        ]

    def rest(self, n: int) -> RecipientBatch:
        """The same batch from recipient n on."""
        return replace(self, first=n, terminations=self.terminations[n - self.first :])

    def encode(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "action": self.ACTION,
            "blastId": self.blast_id,
            "kind": self.kind,
            "eid": self.eid,
            "userId": self.user_id,
            "time": self.time,
            "firstCallId": self.first_call_id,
            "origin": {
                "userId": self.origin.user_id,
                "phoneKeys": sorted(self.origin.phone_keys),
            },
            "callerId": self.caller_id,
            "callingNumber": self.calling_number,
        }
        if self.text is not None:
            out["text"] = self.text
        if self.announcement is not None:
            out["announcement"] = self.announcement
        if self.pace is not None:
            out["pace"] = {"from": self.pace.start, "every": self.pace.every}
        if self.callback is not None:
            out["callback"] = self.callback.to_map()
        if not self.rules.empty:
            out["rules"] = self.rules.to_json()
        if self.started:
            out["started"] = self.started
        if self.version:
            out["version"] = self.version
        out["first"] = self.first
        out["terminations"] = [t.to_json() for t in self.terminations]
        return out

    @classmethod
    def decode(cls, data: dict[str, Any]) -> RecipientBatch:
        origin, pace = data["origin"], data.get("pace")
        user_id = origin["userId"]
        return cls(
            blast_id=int(data["blastId"]),
            kind=str(data["kind"]),
            eid=int(data["eid"]),
            user_id=int(data["userId"]),
            time=int(data["time"]),
            first_call_id=int(data["firstCallId"]),
            first=int(data["first"]),
            terminations=tuple(Destination.from_json(t) for t in data["terminations"]),
            origin=Origin(
                None if user_id is None else int(user_id), frozenset(origin["phoneKeys"])
            ),
            caller_id=data.get("callerId"),
            calling_number=data.get("callingNumber") or "",
            announcement=data.get("announcement"),
            text=data.get("text"),
            pace=None if pace is None else Pace(pace["from"], pace["every"]),
            callback=Subscription.of(data.get("callback")),
            rules=BlastRules.from_json(data.get("rules")),
            started=int(data.get("started") or 0),
            version=int(data.get("version") or 0),
        )


FanoutMessage = StartBlast | RecipientBatch


def decode_fanout(data: Any) -> FanoutMessage:
    """A fan-out queue message; UnknownAction for one that is neither kind."""
    action = data.get("action") if isinstance(data, dict) else None
    if action == StartBlast.ACTION:
        return StartBlast.decode(data)
    if action == RecipientBatch.ACTION:
        return RecipientBatch.decode(data)
    raise UnknownAction(f"fan-out message with unknown action {action!r}")
