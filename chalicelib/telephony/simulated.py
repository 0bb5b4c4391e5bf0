"""The simulated carrier: deterministic outcomes by number, for local runs and tests.

Test numbers are the fictional NANP range 555-0100..0199, in any area code (README
"Test numbers"):

    555-0101  busy
    555-0102  no answer
    555-0103  answering machine
    555-0104  a human who answers and does not press 1
    555-0105  a human who answers after a delay and presses 1
    555-0106  a carrier failure
    555-0107  a human who presses a voice blast's opt-out digit (issue 27): OptedOut
    any other number: a human who answers at once and presses 1

The leg's options apply as a real network would: with `ask_for_one` off, answering is
enough; with machine detection off, a machine hears the announcement and never presses 1;
with `accept_machine`, a detected machine counts as answered. An answered leg is sent its
`digits` as DTMF and joins its `room`; both are recorded (`sent_digits`, `rooms`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from chalicelib import settings
from chalicelib.domain.compliance import OPTED_OUT  # issue 27: pressed the optOutDigit
from chalicelib.domain.numbers import test_line
from chalicelib.telephony import (
    BUSY,
    DECLINED,
    FAILED,
    MACHINE,
    NO_ANSWER,
    SUCCESS,
    CarrierError,
    Dial,
    Outcome,
    attempts,
    unanswered,
)

log = logging.getLogger(__name__)

HUMAN, BUSY_LINE, NOBODY, ANSWERING_MACHINE, DECLINER, SLOW_HUMAN, BROKEN, OPTER = (
    "human",
    "busy",
    "nobody",
    "machine",
    "decliner",
    "slow human",
    "broken",
    "opts out",
)

# Last four digits of a 555-01XX number -> who answers it.
TEST_NUMBERS = {
    "0101": BUSY_LINE,
    "0102": NOBODY,
    "0103": ANSWERING_MACHINE,
    "0104": DECLINER,
    "0105": SLOW_HUMAN,
    "0106": BROKEN,
    "0107": OPTER,
}


def behaviour(e164: str) -> str:
    """Who answers `e164`: a test number's behaviour, else a human who presses 1."""
    return TEST_NUMBERS.get(test_line(e164) or "", HUMAN)


@dataclass
class SimulatedCarrier:
    answer_delay_seconds: float = 0.0
    talk_seconds: int = 12
    sleep: Callable[[float], None] = time.sleep
    # What it was asked to do (tests read these).
    placed: list[Dial] = field(default_factory=list)
    hung_up: list[str] = field(default_factory=list)
    # (reference, digits): DTMF sent down an answered leg (a conference PIN).
    sent_digits: list[tuple[str, str]] = field(default_factory=list)
    # room -> references of the answered legs that joined it, in order.
    rooms: dict[str, list[str]] = field(default_factory=dict)
    closed_rooms: list[str] = field(default_factory=list)

    @classmethod
    def from_settings(cls) -> SimulatedCarrier:
        s = settings.get()
        return cls(
            answer_delay_seconds=s.simulated_answer_delay_seconds,
            talk_seconds=s.simulated_talk_seconds,
        )

    def place(self, dial: Dial) -> Outcome:
        self.placed.append(dial)
        kinds = [behaviour(t.e164) for t in dial.targets]
        if all(kind == BROKEN for kind in kinds):
            raise CarrierError("simulated carrier failure (555-0106)")
        answers = [self._answer(kind, dial) for kind in kinds]
        # First human wins: the quickest to answer as the leg requires, then list order.
        winners = sorted(
            (delay, i) for i, (result, delay) in enumerate(answers) if result == SUCCESS
        )
        if not winners:
            return unanswered(dial.targets, [result for result, _delay in answers])
        delay, won = winners[0]
        if delay:
            self.sleep(delay)
        # Still ringing when the winner took the call: those phones stop ringing.
        results = [
            SUCCESS if i == won else (NO_ANSWER if result == SUCCESS else result)
            for i, (result, _delay) in enumerate(answers)
        ]
        reference = f"sim:{dial.call_id}:{dial.key}"
        if dial.digits:
            # Outpulsed once the far end answers (a conference engine asking for its PIN).
            self.sent_digits.append((reference, dial.digits))
            log.info("%s: sent %d DTMF digits", reference, len(dial.digits))  # never the PIN
        if dial.room:
            self.rooms.setdefault(dial.room, []).append(reference)
            log.info("%s: joined %s", reference, dial.room)
        return Outcome(
            SUCCESS,
            attempts(dial.targets, results),
            answered=dial.targets[won].number,
            reference=reference,
        )

    def watch(self, reference: str, token: str) -> int:
        return self.talk_seconds

    def hang_up(self, reference: str) -> None:
        self.hung_up.append(reference)

    def open_room(self, name: str) -> str:
        return f"sim-room:{name}"

    def close_room(self, room: str) -> None:
        self.closed_rooms.append(room)

    def prepare(self, announcement: dict, text: str | None = None) -> dict:
        return announcement  # it plays anything it is given

    def schedule(self, count: int) -> None:
        return None  # no limit on new calls

    def _answer(self, kind: str, dial: Dial) -> tuple[str, float]:
        """(result, seconds until it is known) for one number."""
        if kind == BUSY_LINE:
            return BUSY, 0
        if kind == NOBODY:
            return NO_ANSWER, 0
        if kind == BROKEN:
            return FAILED, 0
        if kind == ANSWERING_MACHINE:
            if not dial.detect_machine:
                # Undetected, the machine hears the announcement and presses nothing.
                return (DECLINED if dial.ask_for_one else SUCCESS), 0
            return (SUCCESS if dial.accept_machine else MACHINE), 0
        if kind == DECLINER:
            return (DECLINED if dial.ask_for_one else SUCCESS), 0
        if kind == OPTER and dial.announcement.get("optOut"):
            return OPTED_OUT, 0  # heard the prompt, pressed the digit: thanked, hung up
        if kind == SLOW_HUMAN:
            return SUCCESS, self.answer_delay_seconds
        return SUCCESS, 0
