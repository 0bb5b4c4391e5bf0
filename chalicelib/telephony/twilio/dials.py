"""A dial as its webhooks need it, and where they are reached.

The adapter keeps a `Spec` per dial on the Calls item (store/legs.py: Twilio's calls keep
no state for us) and gives Twilio URLs whose path says which step of which number of which
dial it is: `/twilio/{step}/{callId}/{key}/{index}`. State travels in path segments, never
in a query string, so that the URL Twilio signs is the one rebuilt from
OCP_PUBLIC_BASE_URL (signature.py).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from chalicelib.telephony import Dial, Target

PREFIX = "twilio"
# The steps (hooks.py) a URL may name.
ANSWER = "answer"  # leg A answered (Calls.create Url)
STATUS = "status"  # leg A's status callback (its end)
AMD = "amd"  # leg A's asynchronous answering-machine detection result
GATHER = "gather"  # leg A pressed a key, or none (the "press 1" question)
ACCEPT = "accept"  # leg A accepted (pressed 1, or heard the announcement)
READY = "ready"  # leg A's PIN was sent
HOLD = "hold"  # leg A waits for the leg bridged to it
MESSAGE = "message"  # a blast's message again, after a machine's beep
CALLBACK = "callback"  # a blast recipient pressed 1 (or not)
BRIDGE = "bridge"  # leg A is redirected to ring the leg bridged to it (<Dial>)
SCREEN = "screen"  # a number of that <Dial> answered (<Number url>)
SCREENED = "screened"  # ... and pressed a key, or none
DIALED = "dialed"  # that <Dial> ended (its action)
STEPS = frozenset(
    {ANSWER, STATUS, AMD, GATHER, ACCEPT, READY, HOLD, MESSAGE, CALLBACK, BRIDGE, SCREEN}
    | {SCREENED, DIALED}
)
ROUTE = "/twilio/{step}/{call}/{key}/{index}"


def path(step: str, call_id: int, key: str, index: int = 0) -> str:
    return f"/{PREFIX}/{step}/{call_id}/{key}/{index}"


@dataclass(frozen=True)
class Spec:
    """telephony.Dial with its audio made (S3 keys of speech) and its caller id chosen."""

    call_id: int
    key: str
    role: str
    targets: tuple[Target, ...]
    ask_for_one: bool = False
    detect_machine: bool = False
    accept_machine: bool = False
    announcement: str = ""  # S3 key of the audio, or none
    prompt: str = ""  # S3 key: "press 1", or the callback offer of a blast
    hold: str = ""  # S3 key: played to a leg waiting for the next one
    digits: str = ""  # DTMF once answered (a conference PIN): never logged
    room: str = ""  # the conference's name at the carrier
    callback: str = ""  # e164 a blast recipient reaches by pressing 1
    caller: str = ""  # e164 presented
    ring_seconds: int = 60
    bridged: bool = False  # rung by a <Dial> of the leg it is bridged to

    @property
    def screened(self) -> bool:
        """A bridged number must press 1 before it is put through: when the dial asks for
        it, and always when several numbers ring at once, so that no voicemail wins."""
        return self.ask_for_one or len(self.targets) > 1

    def at(self, index: int) -> Target:
        return self.targets[index]

    def dial(self, token: str) -> Dial:
        return Dial(
            call_id=self.call_id,
            key=self.key,
            role=self.role,
            targets=self.targets,
            ask_for_one=self.ask_for_one,
            detect_machine=self.detect_machine,
            accept_machine=self.accept_machine,
            token=token,
        )

    def to_dict(self) -> dict:
        out = {
            "c": self.call_id,
            "k": self.key,
            "r": self.role,
            "t": [[t.number, t.e164] for t in self.targets],
            "q": int(self.ask_for_one),
            "d": int(self.detect_machine),
            "m": int(self.accept_machine),
            "a": self.announcement,
            "p": self.prompt,
            "h": self.hold,
            "x": self.digits,
            "o": self.room,
            "b": self.callback,
            "f": self.caller,
            "s": self.ring_seconds,
            "g": int(self.bridged),
        }
        return {k: v for k, v in out.items() if v not in ("", None)}

    @classmethod
    def from_dict(cls, d: dict) -> Spec:
        return cls(
            call_id=int(d["c"]),
            key=str(d["k"]),
            role=str(d["r"]),
            targets=tuple(Target(str(n), str(e)) for n, e in d["t"]),
            ask_for_one=bool(int(d.get("q", 0))),
            detect_machine=bool(int(d.get("d", 0))),
            accept_machine=bool(int(d.get("m", 0))),
            announcement=str(d.get("a", "")),
            prompt=str(d.get("p", "")),
            hold=str(d.get("h", "")),
            digits=str(d.get("x", "")),
            room=str(d.get("o", "")),
            callback=str(d.get("b", "")),
            caller=str(d.get("f", "")),
            ring_seconds=int(d.get("s", 60)),
            bridged=bool(int(d.get("g", 0))),
        )

    def but(self, **changes: object) -> Spec:
        return replace(self, **changes)  # type: ignore[arg-type]
