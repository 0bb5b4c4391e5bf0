"""Response bodies that more than a route prints: call GET's is also the `data` of a call's
status callback events (chalicelib/events), so that the two never differ."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from chalicelib.domain.results import SUCCESS
from chalicelib.protocol.render import Items

if TYPE_CHECKING:
    from chalicelib.store.calls import CallStatus

TENTH = Decimal("0.1")


def call_body(status: CallStatus) -> dict[str, Any]:
    """The reference's body. `<attempt>`s are every number tried except the origination
    number that answered, which is `<callingNumber>` (as in the reference's example,
    where the one attempt is the destination's)."""
    return {
        "userId": status.user_id,
        "callId": status.call_id,
        "mou": status.mou.quantize(TENTH),
        "success": int(status.success),
        "timeScheduled": status.time_scheduled,
        "timeOriginated": status.time_originated,
        "timeCompleted": status.time_completed,
        "callingNumber": status.calling_number or None,
        "attempts": Items(
            "attempt", [{"number": a.number, "result": a.result} for a in listed_attempts(status)]
        ),
        "currentState": status.state,
        "callComplete": int(status.complete),
    }


def listed_attempts(status: CallStatus) -> list[Any]:
    """The attempts call GET lists: every number tried but the origination's that
    answered (`<callingNumber>`). `make watch` counts these too."""
    return [a for a in status.attempts if not (a.role == "origination" and a.result == SUCCESS)]
