"""How a dial's Outcome reaches its task, written once for every carrier that reports from
its own events (chime/sma.py, twilio/hooks.py): the other half of telephony/race.py.

    Reporter.leg      one number's result: the dial's Outcome for a dial of one number; for
                      a try-all the race's (the first Success wins, and the other placed
                      legs are hung up; the last loser reports for all)
    Reporter.send     the Outcome through the dialer, once: a Success whose task no longer
                      waits is this report made before (a repeated event: go on) or a late
                      one (stop)
    Reporter.ended    a connected call's end, to the watch task (store.rendezvous)

What it is handed is typed here (Protocols): the dialer's report functions
(workflows.dialer.Dialer) and the race board (store.rendezvous), so that the dialects and
the fakes of the tests are checked against the same seams.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol

from chalicelib.telephony import (
    NO_ANSWER,
    SUCCESS,
    Attempt,
    Dial,
    Outcome,
    attempts,
    unanswered,
)

log = logging.getLogger(__name__)


class Tasks(Protocol):
    def alive(self, token: str) -> bool:
        """The task `token` still waits for its report."""


class Dialer(Protocol):
    """workflows.dialer.Dialer as a carrier's event handler reports to it."""

    @property
    def tasks(self) -> Tasks: ...

    def report_dial(self, dial: Dial, outcome: Outcome) -> None: ...

    def report_end(self, token: str, seconds: int) -> None: ...


class Race(Protocol):
    """store.rendezvous.Race, read."""

    @property
    def results(self) -> Mapping[int, str]: ...

    @property
    def placed(self) -> Mapping[int, str]: ...

    @property
    def winner(self) -> int | None: ...

    @property
    def done(self) -> bool: ...


class Board(Protocol):
    """store.rendezvous, as the reports use it (the races and the watch)."""

    def won(self, call_id: int, key: str, index: int) -> Race | None: ...

    def lost(self, call_id: int, key: str, index: int, result: str) -> Race | None: ...

    def race_of(self, call_id: int, key: str) -> Race | None: ...

    def reported(self, call_id: int, key: str, number: str) -> bool: ...

    def ended(self, call_id: int, seconds: int) -> str | None: ...


@dataclass
class Reporter:
    dialer: Dialer
    board: Board

    def leg(
        self,
        dial: Dial,
        index: int,
        result: str,
        reference: str,
        end_leg: Callable[[str], None],
        alive: bool = False,
    ) -> bool:
        """Report number `index`'s result (`reference`: its leg, should it win); for a
        try-all, the race's, ending the other placed legs (`end_leg(carrier id)`) when it
        wins. False when the number must not go on: another won, or the dial is over.
        `alive`: the task was found waiting earlier in this request."""
        number = dial.targets[index].number
        if len(dial.targets) == 1:
            answered = number if result == SUCCESS else None
            outcome = Outcome(
                result,
                (Attempt(number, result),),
                answered=answered,
                reference=reference if answered else None,
            )
            return self.send(dial, outcome, alive)
        if result == SUCCESS:
            return self._won(dial, index, reference, end_leg, alive)
        race = self.board.lost(dial.call_id, dial.key, index, result)
        if race is not None and race.done:
            self.send(dial, unanswered(dial.targets, ordered(race, len(dial.targets))))
        return True

    def _won(
        self, dial: Dial, index: int, reference: str, end_leg: Callable[[str], None], alive: bool
    ) -> bool:
        race = self.board.won(dial.call_id, dial.key, index)
        if race is None:
            return False  # another number won
        tried = ordered(race, len(dial.targets))
        tried[index] = SUCCESS
        outcome = Outcome(
            SUCCESS,
            attempts(dial.targets, tried),
            answered=dial.targets[index].number,
            reference=reference,
        )
        sent = self.send(dial, outcome, alive)
        if sent:
            for n, leg in race.placed.items():
                if n != index and n not in race.results:
                    end_leg(leg)
        return sent

    def another_won(self, dial: Dial, index: int) -> bool:
        """A try-all whose race another number already won."""
        if len(dial.targets) < 2:
            return False
        race = self.board.race_of(dial.call_id, dial.key)
        return race is not None and race.winner is not None and race.winner != index

    def send(self, dial: Dial, outcome: Outcome, alive: bool = False) -> bool:
        """Through the dialer. A Success whose task no longer waits is either this report
        made before (the carrier repeated its event: go on) or a late one (stop).
        `alive`: the task was found waiting earlier in this request."""
        if outcome.result == SUCCESS and not alive and not self.dialer.tasks.alive(dial.token):
            return bool(
                outcome.answered and self.board.reported(dial.call_id, dial.key, outcome.answered)
            )
        self.dialer.report_dial(dial, outcome)
        return True

    def too_late(self, dial: Dial, index: int) -> bool | None:
        """An answer to a dial whose task no longer waits (timed out, recorded NoAnswer, or
        the call ended) that was not this number's Success reported before: hang it up.
        None when it is too late; else whether the task was found waiting (`alive`)."""
        if self.dialer.tasks.alive(dial.token):
            return True
        if self.board.reported(dial.call_id, dial.key, dial.targets[index].number):
            return False
        log.info("call %s attempt %s: answered too late; hung up", dial.call_id, dial.key)
        return None

    def ended(self, call_id: int, seconds: int) -> None:
        """A connected call ended after `seconds`: to the watch task, once."""
        token = self.board.ended(call_id, seconds)
        if token:
            self.dialer.report_end(token, seconds)
        log.info("call %s ended after %s s", call_id, seconds)


def ordered(race: Race, count: int) -> list[str]:
    """Each number's result in the dial's order (NoAnswer: not ended yet)."""
    return [race.results.get(n, NO_ANSWER) for n in range(count)]
