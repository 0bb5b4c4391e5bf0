"""The Carrier port (DESIGN.md "Telephony"): what the dialer asks of a telephone network.

A `Dial` rings one number (sequential hunt) or several at once (try-all), plays the
announcement, asks for 1 when told to, and says how it went as an `Outcome`. A carrier
either answers at once (`place` returns the Outcome: the simulated carrier) or later,
from its own event handler, through `workflows.dialer.report_dial` (`place` returns
None: a real network). The same holds for `watch`, which reports how long a connected
call lasted.

The adapter is chosen by name in settings (`OCP_CARRIER`, telephony/carriers.py):
`simulated` for local runs and tests, `chime` for real calls through Amazon Chime SDK
PSTN Audio (telephony/chime/), `twilio` for real calls through Twilio or SignalWire
(telephony/twilio/). This module names no adapter: they import it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from chalicelib.domain.results import (  # noqa: F401  (the port's vocabulary)
    BLACKLISTED,
    BUSY,
    DECLINED,
    DND,
    FAILED,
    MACHINE,
    NO_ANSWER,
    SUCCESS,
)
from chalicelib.providers.errors import CarrierBusy, CarrierError, Gone  # noqa: F401


@dataclass(frozen=True)
class Target:
    """A number to ring: `number` as call GET prints it, `e164` as the network dials it."""

    number: str
    e164: str


@dataclass(frozen=True)
class Dial:
    call_id: int
    key: str  # the attempt, unique within the call: "0.1", "1.all"
    role: str  # destination, origination, conference, recipient
    targets: tuple[Target, ...]  # more than one: ring them all at once, first human wins
    ask_for_one: bool  # play the announcement and wait for the digit 1
    detect_machine: bool  # answering machine detection (off with disableAMD)
    accept_machine: bool  # an answering machine counts as answered
    announcement: dict = field(default_factory=dict)  # {"text": ...} or {"audioKey": ...}
    caller_id: str | None = None  # e164 shown to the called party; None: withheld
    digits: str = ""  # DTMF to send once answered (a conference PIN)
    bridge_to: str | None = None  # carrier reference of an answered leg to bridge with
    token: str = ""  # the Step Functions task token to report with
    room: str | None = None  # a conference room (Carrier.open_room) to join once answered


@dataclass(frozen=True)
class Attempt:
    number: str
    result: str


@dataclass(frozen=True)
class Outcome:
    """How a dial went: one Attempt per number rung; `result` is the dial's own
    (Success when a number was answered as the leg requires)."""

    result: str
    attempts: tuple[Attempt, ...]
    answered: str | None = None  # the number that answered (Success only)
    reference: str | None = None  # the carrier's id of the live leg (Success only)


def attempts(targets: tuple[Target, ...], results: list[str]) -> tuple[Attempt, ...]:
    """One Attempt per number rung, in the dial's order."""
    return tuple(Attempt(t.number, r) for t, r in zip(targets, results, strict=True))


def overall(results: list[str]) -> str:
    """The result of a dial that no number answered as required: the one result all
    numbers share, else NoAnswer."""
    return results[0] if results and len(set(results)) == 1 else NO_ANSWER


def unanswered(targets: tuple[Target, ...], results: list[str]) -> Outcome:
    """The Outcome of a dial that no number answered as required (`results`: each one's)."""
    return Outcome(overall(results), attempts(targets, results))


class Carrier(Protocol):
    def place(self, dial: Dial) -> Outcome | None:
        """Ring the dial's numbers; the Outcome now, or None if it is reported later."""

    def watch(self, reference: str, token: str) -> int | None:
        """Seconds the connected call `reference` lasted, or None if reported later."""

    def hang_up(self, reference: str) -> None:
        """End a live leg that will not be bridged (best effort)."""

    def open_room(self, name: str) -> str:
        """A conference room that answered legs join (`Dial.room`); its reference. The
        carrier keeps it while legs are in it; a conference that is over just stops
        sending legs to it."""

    def close_room(self, room: str) -> None:
        """The conference is over: release what the carrier holds for the room."""

    def prepare(self, announcement: dict, text: str | None = None) -> dict:
        """A blast's announcement as this carrier plays it, made once per blast (not per
        recipient); `text` is the blast's text when it has no audio of its own."""

    def schedule(self, count: int) -> tuple[float, float] | None:
        """When `count` bulk dials (a blast's recipients) may begin, paced at the rate the
        carrier takes new calls: (Unix time of the first, seconds between two), or None
        when they need no pacing."""
