"""A dial as a carrier's own event handler needs it, the same for every dialect: the
telephony.Dial with its audio made (keys of speech or of a blast's recording, in the
format the carrier plays), its prompts chosen and its caller id picked.

It travels with the call (Chime: ArgumentsMap, then TransactionAttributes) or is kept on
the Calls item (Twilio: store.legs), encoded with short keys (WIRE) because Chime's
arguments and attributes are small (20 pairs, 20 KB) and calls in flight carry the format
already: a key here is never renamed, and a new field takes a new key.

    make(dial, voice, ...)   the Spec of a dial: announcement, prompt, hold, callback
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from chalicelib.telephony import CarrierError, Dial, Target

E164 = re.compile(r"\+[1-9]\d{1,14}")
# Stock prompts (synthesised once, like any other text).
PRESS_ONE = "Please press 1 to accept."
HOLD = "Please hold while we connect your call."
CALLBACK = "To speak with the sender of this message, press 1 now."

# Field -> its key in the encoded form (stored on live calls: never renamed).
WIRE = {
    "call_id": "c",
    "key": "k",
    "role": "r",
    "targets": "t",
    "index": "i",
    "ask_for_one": "q",
    "detect_machine": "d",
    "accept_machine": "m",
    "announcement": "a",
    "prompt": "p",
    "hold": "h",
    "digits": "x",
    "room": "o",
    "callback": "b",
    "caller": "f",
    "ring_seconds": "s",
    "bridged": "g",
    # issue 27: a blast's opt-out digit, the prompt after uploaded audio, the thanks
    "opt_out": "u",
    "opt_out_prompt": "w",
    "thanks": "y",
}
FLAGS = ("ask_for_one", "detect_machine", "accept_machine", "bridged")
TEXTS = (
    "announcement",
    "prompt",
    "hold",
    "digits",
    "room",
    "callback",
    "caller",
    "opt_out",
    "opt_out_prompt",
    "thanks",
)


@dataclass(frozen=True)
class Spec:
    call_id: int
    key: str
    role: str
    targets: tuple[Target, ...]
    index: int = 0  # which target this leg rings (a try-all: one leg per target)
    ask_for_one: bool = False
    detect_machine: bool = False
    accept_machine: bool = False
    announcement: str = ""  # audio key of the announcement, or none
    prompt: str = ""  # audio key: "press 1", or the callback offer of a blast
    hold: str = ""  # audio key: played to a leg waiting for the next one
    digits: str = ""  # DTMF once answered (a conference PIN): never logged
    room: str = ""  # the conference's room at the carrier
    callback: str = ""  # e164 a blast recipient reaches by pressing 1
    caller: str = ""  # e164 presented (a number of the account's pool)
    ring_seconds: int = 60
    bridged: bool = False  # rung by the carrier from the leg it is bridged to
    # issue 27: the key a blast recipient presses to opt out ("": none), the prompt played
    # after a blast's own audio (a spoken announcement ends with it), and the thanks
    opt_out: str = ""
    opt_out_prompt: str = ""
    thanks: str = ""

    @property
    def race(self) -> bool:
        """A try-all dial: every target rung at once, first human wins."""
        return len(self.targets) > 1

    @property
    def screened(self) -> bool:
        """A bridged number must press 1 before it is put through: when the dial asks for
        it, and always when several numbers ring at once, so that no voicemail wins."""
        return self.ask_for_one or self.race

    @property
    def target(self) -> Target:
        return self.targets[self.index]

    def at(self, index: int) -> Spec:
        """The leg ringing target `index`."""
        return replace(self, index=index)

    def but(self, **changes: Any) -> Spec:
        return replace(self, **changes)

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

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, wire in WIRE.items():
            value = getattr(self, name)
            if name == "targets":
                value = [[t.number, t.e164] for t in value]
            elif name in FLAGS:
                value = int(value)
            if value != "":
                out[wire] = value
        return out

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Spec:
        found: dict[str, Any] = {
            "call_id": int(d[WIRE["call_id"]]),
            "key": str(d[WIRE["key"]]),
            "role": str(d[WIRE["role"]]),
            "targets": tuple(Target(str(n), str(e)) for n, e in d[WIRE["targets"]]),
            "index": int(d.get(WIRE["index"], 0)),
            "ring_seconds": int(d.get(WIRE["ring_seconds"], 60)),
        }
        found.update({name: bool(int(d.get(WIRE[name], 0))) for name in FLAGS})
        found.update({name: str(d.get(WIRE[name], "")) for name in TEXTS})
        return cls(**found)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> Spec:
        return cls.from_dict(json.loads(text))


@dataclass(frozen=True)
class Voice:
    """How a dialect makes a dial's sounds: `speech(text)` an audio key of synthesised
    speech; `recorded(announcement)` the key of a blast's own recording as the carrier
    plays it ("" when there is none)."""

    speech: Callable[[str], str]
    recorded: Callable[[dict], str]


def pool(numbers: tuple[str, ...], setting: str) -> tuple[str, ...]:
    """The account's numbers a dialect presents as caller id, each E.164 (`setting`: the
    variable that names them, for the error)."""
    bad = [n for n in numbers if not E164.fullmatch(n)]
    if bad:
        raise ValueError(f"{setting}: not E.164: {bad}")
    return numbers


def check_numbers(dial: Dial) -> None:
    for target in dial.targets:
        if not E164.fullmatch(target.e164):
            raise CarrierError(f"not an E.164 number: {target.number}")


def make(
    dial: Dial,
    voice: Voice,
    *,
    screened: bool,
    held: bool,
    caller: str,
    ring_seconds: int,
    detect_machine: bool = False,
) -> Spec:
    """The dial's Spec: its announcement spoken (text) or recorded (a blast's audio), the
    "press 1" prompt when `screened`, else a blast's callback offer; the hold message when
    the leg will wait `held` for the next one."""
    check_numbers(dial)
    announcement = dial.announcement or {}
    if announcement.get("text"):
        spoken = voice.speech(announcement["text"])
    else:
        spoken = voice.recorded(announcement)
    callback = announcement.get("callbackTo") or ""
    opt_out = announcement.get("optOut") or {}
    prompt = ""
    if screened:
        prompt = voice.speech(PRESS_ONE)
    elif callback:
        prompt = voice.speech(CALLBACK)
    return Spec(
        call_id=dial.call_id,
        key=dial.key,
        role=dial.role,
        targets=dial.targets,
        ask_for_one=dial.ask_for_one,
        detect_machine=detect_machine,
        accept_machine=dial.accept_machine,
        announcement=spoken,
        prompt=prompt,
        hold=voice.speech(HOLD) if held else "",
        digits=dial.digits,
        room=dial.room or "",
        callback=callback,
        caller=caller,
        ring_seconds=ring_seconds,
        bridged=bool(dial.bridge_to),
        opt_out=str(opt_out.get("digit") or ""),
        opt_out_prompt=voice.speech(opt_out["prompt"]) if opt_out.get("promptKey") else "",
        thanks=voice.speech(opt_out["thanks"]) if opt_out.get("thanks") else "",
    )
