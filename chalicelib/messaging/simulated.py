"""The simulated messaging service: outcomes by test number, receipts at once, for local
runs and tests (docs/sms.md "Test numbers"; the local fake End User Messaging service,
local/fake_sms.py, follows the same table).

Test numbers are the fictional NANP range 555-0100..0199, in any area code:

    555-0111  invalid (a landline: TEXT_INVALID)
    555-0112  unreachable (the phone is off: TEXT_UNREACHABLE)
    555-0113  blocked by the carrier (TEXT_BLOCKED)
    555-0114  opted out (replied STOP): the service refuses to text it
    555-0115  no receipt ever comes (unknown once the receipt window has passed)
    555-0116  expired (not handed to the carrier in its time to live: TEXT_TTL_EXPIRED)
    any other number: delivered
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from chalicelib import settings
from chalicelib.domain.numbers import test_line
from chalicelib.messaging.port import (
    BLOCKED,
    DELIVERED,
    EXPIRED,
    INVALID,
    OPTED_OUT,
    UNREACHABLE,
    Receipt,
    Sent,
    Text,
)

NO_RECEIPT = "no receipt"
# Last four digits of a 555-01XX number -> what becomes of a text to it.
TEST_NUMBERS = {
    "0111": INVALID,
    "0112": UNREACHABLE,
    "0113": BLOCKED,
    "0114": OPTED_OUT,
    "0115": NO_RECEIPT,
    "0116": EXPIRED,
}


def fate(e164: str) -> str:
    """What becomes of a text to `e164`: a test number's outcome, else delivered."""
    return TEST_NUMBERS.get(test_line(e164) or "", DELIVERED)


@dataclass
class SimulatedMessenger:
    identity: str = "+18005550100"
    per_second: float = 3.0
    # What it was asked to send (tests read it).
    sent: list[Text] = field(default_factory=list)
    _ids: itertools.count = field(default_factory=itertools.count)

    @classmethod
    def from_settings(cls) -> SimulatedMessenger:
        s = settings.get()
        return cls(s.sms_origination_identity, s.sms_messages_per_second)

    def send(self, text: Text) -> Sent:
        outcome = fate(text.to)
        if outcome == OPTED_OUT:
            # Refused at once, as End User Messaging refuses an opted-out number.
            return Sent("", Receipt("", OPTED_OUT, text.context, "opted out"))
        self.sent.append(text)
        message_id = f"sim-{next(self._ids)}"
        if outcome == NO_RECEIPT:
            return Sent(message_id)
        return Sent(message_id, Receipt(message_id, outcome, text.context, outcome))
