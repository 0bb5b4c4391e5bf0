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
from dataclasses import dataclass, field
from enum import StrEnum

from chalicelib.telephony.spec import Spec

__all__ = ["Spec", "Stage", "State", "arguments"]

VERSION = "1"
MAX_ARGUMENTS = 20
MAX_ATTRIBUTE_BYTES = 20 * 1024


class Stage(StrEnum):
    """A transaction's stage (TransactionAttributes "ocp".st)."""

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


RINGING, ASKING, ANNOUNCING, OUTPULSING = (
    Stage.RINGING,
    Stage.ASKING,
    Stage.ANNOUNCING,
    Stage.OUTPULSING,
)
JOINING, HELD, BRIDGING, BRIDGE_OUTPULSING = (
    Stage.JOINING,
    Stage.HELD,
    Stage.BRIDGING,
    Stage.BRIDGE_OUTPULSING,
)
PLAYING, CALLING_BACK, CONNECTED, ENDED = (
    Stage.PLAYING,
    Stage.CALLING_BACK,
    Stage.CONNECTED,
    Stage.ENDED,
)
# Leg A answered, its dial not yet decided (a hang up is Declined).
ANSWERING = (ASKING, ANNOUNCING, OUTPULSING, JOINING)
BRIDGE = (BRIDGING, BRIDGE_OUTPULSING)  # leg B's dial not yet decided
UP = (HELD, PLAYING, CONNECTED, CALLING_BACK)  # leg A reported: its end is reported


@dataclass
class State:
    """A transaction's TransactionAttributes, decoded."""

    dial: Spec
    token: str
    stage: Stage = Stage.RINGING
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
            stage=Stage(s.get("st", Stage.RINGING)),
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
