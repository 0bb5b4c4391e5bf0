"""The messaging port's types (chalicelib/messaging says what they are for)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

# A receipt's outcome (docs/sms.md "Results"): delivered, or a named failure.
DELIVERED = "delivered"
INVALID = "invalid"  # not a number that takes texts (a landline, malformed)
UNREACHABLE = "unreachable"  # the phone or its carrier could not be reached
BLOCKED = "blocked"  # a carrier or the provider filtered it (spam, blocked sender)
OPTED_OUT = "optedOut"  # the recipient replied STOP: the provider refuses to text it
EXPIRED = "expired"  # not handed to the carrier within its time to live
REJECTED = "rejected"  # the provider refused it (price over MaxPrice, country disabled)
UNKNOWN = "unknown"  # no final receipt within the receipt window (72 h)
OUTCOMES = (DELIVERED, INVALID, UNREACHABLE, BLOCKED, OPTED_OUT, EXPIRED, REJECTED, UNKNOWN)

# The keys of a text's context, echoed by the provider in its receipts.
BLAST_ID, RECIPIENT, CALL_ID, ATTEMPT = "blastId", "n", "callId", "attempt"


@dataclass(frozen=True)
class Text:
    """One message to one number (E.164). `context` names what it belongs to (blastId,
    recipient n, callId, attempt index): the provider echoes it in the receipt."""

    to: str
    body: str
    context: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Receipt:
    """What became of a message: one of OUTCOMES, for the message `message_id`."""

    message_id: str
    outcome: str
    context: dict[str, str] = field(default_factory=dict)
    detail: str = ""  # the provider's own status, for the logs

    @property
    def delivered(self) -> bool:
        return self.outcome == DELIVERED


@dataclass(frozen=True)
class Sent:
    """A message the provider took (`message_id`), or refused for a reason about its
    recipient (`receipt` already known, and maybe no id). The simulated adapter also
    knows its receipts at once."""

    message_id: str
    receipt: Receipt | None = None


class MessagingError(Exception):
    """The provider could not take the message, for a reason that is not the recipient's
    (credentials, a missing configuration set): the message is tried again later."""


class MessagingBusy(MessagingError):
    """The provider cannot take another message now (throttled, a quota reached): nothing
    was sent; try again `retry_after` seconds later. Never a result."""

    def __init__(self, message: str, retry_after: float = 1.0):
        super().__init__(message)
        self.retry_after = retry_after


class Messenger(Protocol):
    # The sender the provider texts from (a phone number, pool or sender id): messages
    # are paced per identity, whatever the blast.
    identity: str
    # The most messages a second this identity may send (docs/sms.md "Pacing").
    per_second: float

    def send(self, text: Text) -> Sent:
        """Send one text; MessagingBusy when the provider is throttling."""
