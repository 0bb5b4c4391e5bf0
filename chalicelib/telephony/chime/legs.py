"""What a Chime call carries with it: the dial it belongs to, compact, in the call's
ArgumentsMap (set when it is placed) and then its TransactionAttributes (kept by the
service for the life of the call, returned with every event).

A transaction (one CreateSipMediaApplicationCall) is leg A: the dial that placed it
(`dial`, its task token `token`). A dial bridged to it later (CallAndBridge: the second
leg of a call) travels in UpdateSipMediaApplicationCall's Arguments and is kept as
`bridge`, with `bridge_token`.

Limits: ArgumentsMap and Arguments hold at most 20 string pairs; TransactionAttributes
100 pairs and 20 KB, and a service error example says 10 pairs (the smaller is kept:
three keys here). A task token is at most 2,048 characters.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace

from chalicelib.telephony import Dial, Target

VERSION = "1"
MAX_ARGUMENTS = 20
MAX_ATTRIBUTE_BYTES = 20 * 1024

# Stages of a transaction (TransactionAttributes "ocp".st).
RINGING = "ringing"  # placed, not answered
ASKING = "asking"  # announcement + "press 1"
ANNOUNCING = "announcing"  # announcement, no question
OUTPULSING = "outpulsing"  # DTMF (a PIN) to leg A
JOINING = "joining"  # JoinChimeMeeting
HELD = "held"  # leg A answered and reported; waiting for a leg to be bridged to it
BRIDGING = "bridging"  # CallAndBridge ringing leg B
BRIDGE_OUTPULSING = "bridge-outpulsing"  # DTMF (a PIN) to leg B
PLAYING = "playing"  # a blast's message (leg A reported at answer)
CALLING_BACK = "calling-back"  # a blast recipient pressed 1: bridging to the originator
CONNECTED = "connected"  # the call is up; its end is reported
ENDED = "ended"
# Leg A answered, its dial not yet decided (a hang up is Declined).
ANSWERING = (ASKING, ANNOUNCING, OUTPULSING, JOINING)
BRIDGE = (BRIDGING, BRIDGE_OUTPULSING)  # leg B's dial not yet decided
UP = (HELD, PLAYING, CONNECTED, CALLING_BACK)  # leg A reported: its end is reported


@dataclass(frozen=True)
class Spec:
    """A dial, as the handler needs it (telephony.Dial plus the audio the adapter
    prepared and the caller id it chose)."""

    call_id: int
    key: str
    role: str
    targets: tuple[Target, ...]
    index: int = 0  # which target this call rings (try-all: one call per target)
    ask_for_one: bool = False
    accept_machine: bool = False
    announcement: str = ""  # WAV key, or none
    prompt: str = ""  # WAV key: "press 1", the failure prompt of a question
    hold: str = ""  # WAV key: played once to a leg waiting to be bridged
    digits: str = ""  # DTMF once answered (a conference PIN): never logged
    room: str = ""
    callback: str = ""  # e164 a blast recipient reaches by pressing 1
    caller: str = ""  # e164 presented (a number of the account's pool)
    ring_seconds: int = 60  # how long a bridged leg rings

    @property
    def race(self) -> bool:
        """A try-all dial: one call per target, first human wins."""
        return len(self.targets) > 1

    @property
    def target(self) -> Target:
        return self.targets[self.index]

    def at(self, index: int) -> Spec:
        return replace(self, index=index)

    def dial(self, token: str) -> Dial:
        return Dial(
            call_id=self.call_id,
            key=self.key,
            role=self.role,
            targets=self.targets,
            ask_for_one=self.ask_for_one,
            detect_machine=False,
            accept_machine=self.accept_machine,
            token=token,
        )

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), separators=(",", ":"))

    def to_dict(self) -> dict:
        out = {
            "c": self.call_id,
            "k": self.key,
            "r": self.role,
            "t": [[t.number, t.e164] for t in self.targets],
            "i": self.index,
            "q": int(self.ask_for_one),
            "m": int(self.accept_machine),
            "a": self.announcement,
            "p": self.prompt,
            "h": self.hold,
            "x": self.digits,
            "o": self.room,
            "b": self.callback,
            "f": self.caller,
            "s": self.ring_seconds,
        }
        return {k: v for k, v in out.items() if v not in ("", None)}

    @classmethod
    def from_json(cls, text: str) -> Spec:
        return cls.from_dict(json.loads(text))

    @classmethod
    def from_dict(cls, d: dict) -> Spec:
        return cls(
            call_id=int(d["c"]),
            key=str(d["k"]),
            role=str(d["r"]),
            targets=tuple(Target(n, e) for n, e in d["t"]),
            index=int(d.get("i", 0)),
            ask_for_one=bool(d.get("q", 0)),
            accept_machine=bool(d.get("m", 0)),
            announcement=d.get("a", ""),
            prompt=d.get("p", ""),
            hold=d.get("h", ""),
            digits=d.get("x", ""),
            room=d.get("o", ""),
            callback=d.get("b", ""),
            caller=d.get("f", ""),
            ring_seconds=int(d.get("s", 60)),
        )


@dataclass
class State:
    """A transaction's TransactionAttributes, decoded."""

    dial: Spec
    token: str
    stage: str = RINGING
    bridge: Spec | None = None
    bridge_token: str = ""
    bridge_results: list[str] = field(default_factory=list)  # one per bridge target tried
    connected_at: int | None = None  # clock.now() when the call went up
    reported: bool = False  # leg A's dial was reported
    bridge_reported: bool = False
    invalid: int = 0  # INVALID_LAMBDA_RESPONSE events seen
    alive: bool = False  # not kept: the task was found waiting during this invocation

    def attributes(self) -> dict[str, str]:
        state: dict = {"st": self.stage, "d": self.dial.to_dict()}
        if self.bridge is not None:
            state["b"] = self.bridge.to_dict()
            state["br"] = self.bridge_results
        if self.connected_at is not None:
            state["at"] = self.connected_at
        if self.reported:
            state["rep"] = 1
        if self.bridge_reported:
            state["brep"] = 1
        if self.invalid:
            state["inv"] = self.invalid
        out = {"v": VERSION, "ocp": json.dumps(state, separators=(",", ":")), "tok": self.token}
        if self.bridge_token:
            out["tok2"] = self.bridge_token
        if sum(len(k) + len(v) for k, v in out.items()) > MAX_ATTRIBUTE_BYTES:
            raise ValueError("TransactionAttributes over 20 KB")
        return out

    @classmethod
    def from_attributes(cls, attributes: dict[str, str]) -> State | None:
        if not attributes or "ocp" not in attributes:
            return None
        s = json.loads(attributes["ocp"])
        return cls(
            dial=Spec.from_dict(s["d"]),
            token=attributes.get("tok", ""),
            stage=s.get("st", RINGING),
            bridge=Spec.from_dict(s["b"]) if s.get("b") else None,
            bridge_token=attributes.get("tok2", ""),
            bridge_results=list(s.get("br", [])),
            connected_at=s.get("at"),
            reported=bool(s.get("rep")),
            bridge_reported=bool(s.get("brep")),
            invalid=int(s.get("inv", 0)),
        )


def arguments(op: str, spec: Spec | None, token: str = "") -> dict[str, str]:
    """ArgumentsMap / Arguments of a request, checked against the service's limits (which
    botocore's validation does not enforce: at most 20 pairs, strings only)."""
    out = {"v": VERSION, "op": op}
    if spec is not None:
        out["dial"] = spec.to_json()
    if token:
        out["tok"] = token
    if len(out) > MAX_ARGUMENTS or not all(isinstance(v, str) for v in out.values()):
        raise ValueError("ArgumentsMap holds at most 20 string pairs")
    return out
