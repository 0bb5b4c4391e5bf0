"""Try-all on a network that places one call per number (chime, twilio): every number is
rung at once, and the race kept on the Calls item (store.rendezvous, handed in as `board`)
decides which answer wins, whichever of the carrier's events comes first."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from chalicelib.telephony import (
    FAILED,
    NO_ANSWER,
    CarrierBusy,
    CarrierError,
    Dial,
    Outcome,
    unanswered,
)

log = logging.getLogger(__name__)


def ring_all(board: Any, dial: Dial, create: Callable[[int], str]) -> Outcome | None:
    """Place number n with `create(n)` (its carrier id) for each of the dial's numbers;
    the Outcome when every placed call had already ended, else None (the race reports).
    A throttled carrier before anything rang makes the whole dial wait (CarrierBusy); one
    after that is that number's NoAnswer, as a refused number is its Failed."""
    board.open_race(dial.call_id, dial.key, len(dial.targets))
    placed: dict[int, str] = {}
    failed: dict[int, str] = {}
    for n in range(len(dial.targets)):
        try:
            placed[n] = create(n)
        except CarrierBusy:
            if not placed and not failed:
                raise  # nothing rang: the whole dial waits
            failed[n] = NO_ANSWER  # it never rang while the others did
        except CarrierError as e:
            log.warning("call %s attempt %s: number %d: %s", dial.call_id, dial.key, n, e)
            failed[n] = FAILED
    if not placed:
        raise CarrierError("no number of the try-all could be placed")
    race = board.placed(dial.call_id, dial.key, placed, failed)
    if race is not None and race.done:
        # Every placed call ended before this write: this one reports.
        return unanswered(dial.targets, [race.results[n] for n in range(len(dial.targets))])
    return None
