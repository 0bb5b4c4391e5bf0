"""The messaging port (DESIGN.md "Blasts fan out"): what the SMS fan-out asks of a text
messaging service, beside the Carrier port of chalicelib/telephony.

    messenger()       the adapter named in settings (`OCP_MESSAGING`)
    Messenger.send    one `Text` to one number: `Sent`, with the provider's message id
    Receipt           what the provider later says became of a message: a named outcome

A text's outcome comes from its delivery receipt, not from the send: a provider that
accepted a message has said nothing about the phone. The adapters:

    eum        AWS End User Messaging SMS (`pinpoint-sms-voice-v2` SendTextMessage, its
               configuration set's events through SNS: messaging/eum.py); deployed default
    simulated  outcomes by test number, receipts at once (messaging/simulated.py); the
               default for `make run` and the tests, as the simulated carrier is
    twilio     Twilio Messages with a signed status callback (messaging/twilio.py)

A send the provider refuses for a reason about this recipient (it opted out, the number
is not a mobile number) is a `Sent` whose receipt is already known; a send the provider
cannot take now (throttled, a quota) raises `MessagingBusy` and is tried again, never a
failed recipient (STYLE 12); anything else raises `MessagingError`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalicelib import settings
from chalicelib.imports import on_first_use
from chalicelib.messaging.port import (
    ATTEMPT,
    BLAST_ID,
    BLOCKED,
    CALL_ID,
    DELIVERED,
    EXPIRED,
    INVALID,
    OPTED_OUT,
    OUTCOMES,
    RECIPIENT,
    REJECTED,
    UNKNOWN,
    UNREACHABLE,
    MessagingBusy,
    MessagingError,
    Messenger,
    Receipt,
    Sent,
    Text,
)

if TYPE_CHECKING:
    from chalicelib.messaging import eum, simulated, twilio
else:
    simulated = on_first_use("chalicelib.messaging.simulated")
    eum = on_first_use("chalicelib.messaging.eum")
    twilio = on_first_use("chalicelib.messaging.twilio")

__all__ = [
    "ATTEMPT",
    "BLAST_ID",
    "BLOCKED",
    "CALL_ID",
    "DELIVERED",
    "EXPIRED",
    "INVALID",
    "OPTED_OUT",
    "OUTCOMES",
    "RECIPIENT",
    "REJECTED",
    "UNKNOWN",
    "UNREACHABLE",
    "MessagingBusy",
    "MessagingError",
    "Messenger",
    "Receipt",
    "Sent",
    "Text",
    "messenger",
]


def messenger(name: str | None = None) -> Messenger:
    """The adapter named in settings (or `name`); its module is imported when chosen, so
    a function loads no other adapter's code (chalicelib/imports.py)."""
    name = name or settings.get().messaging
    if name == "simulated":
        return simulated.SimulatedMessenger.from_settings()
    if name == "eum":
        return eum.EumMessenger.from_settings()
    if name == "twilio":
        return twilio.TwilioMessenger.from_settings()
    raise ValueError(f"unknown messaging adapter {name!r} (OCP_MESSAGING)")
