"""What Twilio's call statuses mean in OCP's call vocabulary (RULINGS "Call vocabulary"):
CallStatus / DialCallStatus of a number nobody put through, AnsweredBy, and durations."""

from __future__ import annotations

from chalicelib.telephony import BUSY, DECLINED, FAILED, NO_ANSWER

_STATUS = {"busy": BUSY, "no-answer": NO_ANSWER, "failed": FAILED, "canceled": NO_ANSWER}


def result_of(status: str) -> str:
    """The result of a number that was not put through, from Twilio's status."""
    return _STATUS.get(status, DECLINED if status in ("completed", "answered") else FAILED)


def is_machine(answered_by: str) -> bool:
    return answered_by.startswith("machine") or answered_by == "fax"


def seconds_of(value: str) -> int:
    """A CallDuration / DialCallDuration: whole seconds, 0 when absent or odd."""
    try:
        return max(0, int(value))
    except ValueError:
        return 0
