"""An SMS recipient's texts and their receipts: the state machine on its Calls item
(store/recipients.py makes the item; workflows/texting.py sends the texts).

    record(call_id, attempts, at)     the texts sent, once: each SENT, or final already
    hold_receipt(...)                 a receipt that came before `record`: kept in `early`
    record_receipt(...)               a receipt: its attempt's final result, once
    current(call_id)                  the texts as they stand

`recorded` holds TEXTS once the texts are written: the conditions on it order `record`
and `hold_receipt`, so a receipt held is always applied by the one write that records
the texts, and one that comes after is applied by `record_receipt`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pynamodb.exceptions import UpdateError
from pynamodb.expressions.update import Action

from chalicelib.store.calls import LIVE_STATES, find
from chalicelib.store.conditional import update_if
from chalicelib.store.models import AttemptMap, Call

# A text the provider accepted whose receipt has not come: an addition to RULINGS "Call
# vocabulary" (docs/sms.md "Results"); its receipt turns it into Success or Failed.
SENT = "Sent"
TEXTS = "texts"  # `recorded` holds it once a recipient's texts are written


@dataclass(frozen=True)
class TextAttempt:
    """One number of an SMS recipient: its result (SENT while the receipt is awaited),
    the provider's message id, and the receipt's named outcome once known."""

    number: str
    result: str
    message_id: str = ""
    reason: str | None = None

    @property
    def final(self) -> bool:
        return self.result != SENT


@dataclass(frozen=True)
class TextsState:
    """An SMS recipient's attempts as one write left them, and whether it is still live."""

    live: bool
    attempts: tuple[TextAttempt, ...]

    @property
    def done(self) -> bool:
        """Every text has its final result: the recipient can end."""
        return self.live and all(a.final for a in self.attempts)

    @property
    def success(self) -> bool:
        return any(a.result == "Success" for a in self.attempts)


def record(call_id: int, attempts: list[TextAttempt], at: int) -> TextsState:
    """The texts sent to a recipient this delivery claimed, written once (`recorded`
    holds TEXTS after): each SENT awaiting its receipt, or final already (refused,
    DND, Blacklisted). Receipts held for it (`hold_receipt`) are applied then."""
    item = Call(call_id)
    if not update_if(
        item,
        [
            Call.attempts.set([_text_map(i, a, at) for i, a in enumerate(attempts)]),
            Call.recorded.add({TEXTS}),
        ],
        Call.state.is_in(*LIVE_STATES) & ~Call.recorded.contains(TEXTS),
    ):
        return TextsState(False, ())
    state = _texts_state(item)
    for index, held in (item.early.as_dict() if item.early else {}).items():
        state = (
            record_receipt(call_id, int(index), held["m"], held["r"], held["o"], int(held["at"]))
            or state
        )
    return state


def hold_receipt(
    call_id: int, attempt: int, message_id: str, result: str, reason: str, at: int
) -> bool:
    """Keep a receipt that came before its recipient's texts were recorded (a provider's
    callback can outrun the send's own write), for `record` to apply. False when the
    texts are recorded by now (`record_receipt` applies it then) or the recipient
    ended: the two conditions on `recorded` order this write and `record`, so a held
    receipt is always seen by the one write that records the texts."""
    if attempt < 0:
        return False
    held = {"m": message_id, "r": result, "o": reason, "at": at}
    live = Call.state.is_in(*LIVE_STATES) & ~Call.recorded.contains(TEXTS)
    into: Action = Call.early[str(attempt)].set(held)
    whole: Action = Call.early.set({str(attempt): held})
    for action, condition in (
        (into, live & Call.early.exists()),
        (whole, live & Call.early.does_not_exist()),
        (into, live & Call.early.exists()),  # another receipt made `early` in between
    ):
        if update_if(Call(call_id), [action], condition):
            return True
    return False  # three refusals: whichever way `early` stood, the texts are recorded


def record_receipt(
    call_id: int, attempt: int, message_id: str, result: str, reason: str, at: int
) -> TextsState | None:
    """A text's receipt: its attempt's result and reason, if that attempt is this message
    and still awaits one; None (nothing changed) for a receipt delivered twice, a late one
    for an ended recipient, or one for a message this recipient never had."""
    if attempt < 0:
        return None
    slot: Any = Call.attempts[attempt]  # a list element's map: PynamoDB types it as a Path
    item = Call(call_id)
    try:
        applied = update_if(
            item,
            [slot.result.set(result), slot.reason.set(reason), slot.at.set(at)],
            Call.state.is_in(*LIVE_STATES)
            & (slot.message_id == message_id)
            & (slot.result == SENT),
        )
    except UpdateError as e:
        if _no_such_attempt(e):
            return None
        raise
    return _texts_state(item) if applied else None


def current(call_id: int) -> TextsState | None:
    """The SMS recipient's texts as they stand (None: no such item)."""
    item = find(call_id)
    if item is None:
        return None
    state = _texts_state(item)
    return TextsState(item.state in LIVE_STATES, state.attempts)


def _text_map(i: int, a: TextAttempt, at: int) -> AttemptMap:
    return AttemptMap(
        key=f"0.{i}",
        role="recipient",
        number=a.number,
        result=a.result,
        at=at,
        message_id=a.message_id or None,
        reason=a.reason,
    )


def _texts_state(item: Call) -> TextsState:
    return TextsState(
        item.state in LIVE_STATES,
        tuple(
            TextAttempt(a.number, a.result, a.message_id or "", a.reason)
            for a in item.attempts or ()
        ),
    )


def _no_such_attempt(e: UpdateError) -> bool:
    """DynamoDB refuses an update of a list element past the list's end."""
    cause = getattr(e, "cause_response_code", None)
    return cause == "ValidationException"
