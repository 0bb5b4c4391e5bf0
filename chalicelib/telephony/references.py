"""A live leg's reference as the dialer keeps it (Outcome.reference, Dial.bridge_to):
`{carrier}:{callId}:{the carrier's id of the leg}`, written and read here for every
dialect."""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.telephony import CarrierError


@dataclass(frozen=True)
class References:
    prefix: str  # "chime", "twilio"
    name: str  # the carrier, for an error

    def make(self, call_id: int, leg: str) -> str:
        return f"{self.prefix}:{call_id}:{leg}"

    def parse(self, ref: str) -> tuple[int, str]:
        """(callId, the carrier's id of the leg); CarrierError for another's reference."""
        kind, call_id, leg = ref.split(":", 2)
        if kind != self.prefix:
            raise CarrierError(f"not a {self.name} call reference: {kind}")
        return int(call_id), leg
