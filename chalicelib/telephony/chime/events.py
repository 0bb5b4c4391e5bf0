"""A SIP media application invocation event, read (Chime SDK developer guide, "PSTN audio
service invocation events"). Only TransactionId and TransactionAttributes identify a call:
the application id's key differs between the documented and the logged events.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chalicelib.telephony.chime.actions import LEG_A, LEG_B

NEW_OUTBOUND_CALL = "NEW_OUTBOUND_CALL"
RINGING = "RINGING"
CALL_ANSWERED = "CALL_ANSWERED"
ACTION_SUCCESSFUL = "ACTION_SUCCESSFUL"
ACTION_FAILED = "ACTION_FAILED"
ACTION_INTERRUPTED = "ACTION_INTERRUPTED"
HANGUP = "HANGUP"
DIGITS_RECEIVED = "DIGITS_RECEIVED"
CALL_UPDATE_REQUESTED = "CALL_UPDATE_REQUESTED"
INVALID_LAMBDA_RESPONSE = "INVALID_LAMBDA_RESPONSE"


@dataclass(frozen=True)
class Event:
    raw: dict[str, Any]

    @property
    def type(self) -> str:
        return str(self.raw.get("InvocationEventType", ""))

    @property
    def details(self) -> dict[str, Any]:
        return self.raw.get("CallDetails") or {}

    @property
    def application_id(self) -> str:
        """The SIP media application's id (logged events and the docs differ on its key)."""
        return str(
            self.details.get("SipMediaApplicationId") or self.details.get("SipApplicationId") or ""
        )

    @property
    def transaction_id(self) -> str:
        return str(self.details.get("TransactionId", ""))

    @property
    def attributes(self) -> dict[str, str]:
        return dict(self.details.get("TransactionAttributes") or {})

    @property
    def action(self) -> dict[str, Any]:
        return self.raw.get("ActionData") or {}

    @property
    def action_type(self) -> str:
        return str(self.action.get("Type", ""))

    @property
    def parameters(self) -> dict[str, Any]:
        return self.action.get("Parameters") or {}

    @property
    def arguments(self) -> dict[str, str]:
        """NEW_OUTBOUND_CALL's ArgumentsMap, CALL_UPDATE_REQUESTED's Arguments."""
        return dict(self.parameters.get("Arguments") or {})

    @property
    def received_digits(self) -> str:
        return str(self.action.get("ReceivedDigits") or "")

    @property
    def error_type(self) -> str:
        return str(self.action.get("ErrorType") or self.raw.get("ErrorType") or "")

    @property
    def error_message(self) -> str:
        return str(self.action.get("ErrorMessage") or self.raw.get("ErrorMessage") or "")

    @property
    def sip_code(self) -> object:
        return self.parameters.get("SipResponseCode")

    @property
    def hanging_tag(self) -> str:
        """HANGUP: the leg that hung up (LEG-A, LEG-B: the service also writes Leg-A)."""
        return str(self.parameters.get("ParticipantTag") or "").upper()

    @property
    def participants(self) -> list[dict[str, Any]]:
        return list(self.details.get("Participants") or [])

    def call_id(self, tag: str) -> str | None:
        for p in self.participants:
            if _tag(p) == tag:
                return p.get("CallId")
        return None

    @property
    def leg_a(self) -> str:
        """The CallId of the leg the application placed ("" if the event has none)."""
        return self.call_id(LEG_A) or ""

    @property
    def leg_b(self) -> str:
        """The CallId of the leg bridged to it ("" if none)."""
        return self.call_id(LEG_B) or ""

    def connected(self, but: str = "") -> list[str]:
        """CallIds of the legs still up (a leg whose status is not given counts as up),
        except the one tagged `but`."""
        return [
            p["CallId"]
            for p in self.participants
            if _tag(p) != but and p.get("Status", "Connected") == "Connected"
        ]


def _tag(participant: dict[str, Any]) -> str:
    return str(participant.get("ParticipantTag") or "").upper()
