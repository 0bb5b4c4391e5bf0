"""AWS End User Messaging SMS (`pinpoint-sms-voice-v2`), the AWS default (docs/sms.md).

`send` is one SendTextMessage: TRANSACTIONAL (a blast is a reminder someone waits for),
from the stage's origination identity, through its configuration set, whose event
destination publishes every delivery event to an SNS topic; `Context` carries the
blastId, recipient, callId and attempt, which every event echoes back, so a receipt
finds its recipient with no look-up. `TimeToLive` and `MaxPrice` come from settings
(docs/sms.md#time-to-live-price-spend).

The service refuses a send with a reason: an opted-out number (ConflictException
DESTINATION_PHONE_NUMBER_OPTED_OUT) or one it cannot text (ValidationException) is that
recipient's result at once; a throttled request, a quota such as the monthly spend limit
(ServiceQuotaExceededException) or a fault of the service is `MessagingBusy`, tried again;
anything else (access, a missing configuration set) is `MessagingError`.

`receipt(event)` reads one event as the configuration set's SNS destination publishes it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from chalicelib import settings
from chalicelib.messaging.port import (
    BLOCKED,
    DELIVERED,
    EXPIRED,
    INVALID,
    OPTED_OUT,
    REJECTED,
    UNKNOWN,
    UNREACHABLE,
    MessagingBusy,
    MessagingError,
    Receipt,
    Sent,
    Text,
)
from chalicelib.store import aws

log = logging.getLogger(__name__)

SERVICE = "pinpoint-sms-voice-v2"
MESSAGE_TYPE = "TRANSACTIONAL"

# Final event types -> outcome. TEXT_SENT, TEXT_PENDING and TEXT_QUEUED are steps on the
# way; TEXT_SUCCESSFUL (handed to the carrier) is final only where the carrier sends no
# handset receipt (its `isFinal`), and then it is as delivered as the service knows.
FINAL_EVENTS = {
    "TEXT_DELIVERED": DELIVERED,
    "TEXT_INVALID": INVALID,
    "TEXT_INVALID_MESSAGE": INVALID,
    "TEXT_UNREACHABLE": UNREACHABLE,
    "TEXT_CARRIER_UNREACHABLE": UNREACHABLE,
    "TEXT_BLOCKED": BLOCKED,
    "TEXT_CARRIER_BLOCKED": BLOCKED,
    "TEXT_SPAM": BLOCKED,
    "TEXT_PROTECT_BLOCKED": BLOCKED,
    "TEXT_TTL_EXPIRED": EXPIRED,
    "TEXT_UNKNOWN": UNKNOWN,
}
# ValidationException reasons about the destination: that recipient cannot be texted.
_INVALID_DESTINATION = {
    "CANNOT_PARSE",
    "COUNTRY_CODE_MISMATCH",
    "INVALID_IDENTITY_FOR_DESTINATION_COUNTRY",
}
_REFUSED_DESTINATION = {
    "DESTINATION_COUNTRY_BLOCKED",
    "COUNTRY_NOT_ENABLED",
    "INTERNATIONAL_SENDING_NOT_SUPPORTED",
    "PRICE_OVER_THRESHOLD",
}
# How long to wait before trying again after the service said no for now.
THROTTLED_RETRY_SECONDS = 1.0
QUOTA_RETRY_SECONDS = 60.0


@dataclass
class EumMessenger:
    client: Any
    identity: str
    per_second: float
    configuration_set: str
    time_to_live_seconds: int
    max_price: str  # USD a message, "" for none

    @classmethod
    def from_settings(cls) -> EumMessenger:
        s = settings.get()
        return cls(
            aws.client(SERVICE),
            s.sms_origination_identity,
            s.sms_messages_per_second,
            s.sms_configuration_set,
            s.sms_time_to_live_seconds,
            s.sms_max_price,
        )

    def request(self, text: Text) -> dict[str, Any]:
        request: dict[str, Any] = {
            "DestinationPhoneNumber": text.to,
            "OriginationIdentity": self.identity,
            "MessageBody": text.body,
            "MessageType": MESSAGE_TYPE,
            "ConfigurationSetName": self.configuration_set,
            "Context": dict(text.context),
            "TimeToLive": self.time_to_live_seconds,
        }
        if self.max_price:
            request["MaxPrice"] = self.max_price
        return request

    def send(self, text: Text) -> Sent:
        try:
            response = self.client.send_text_message(**self.request(text))
        except ClientError as e:
            return self._refused(e, text)
        return Sent(str(response["MessageId"]))

    def _refused(self, e: Any, text: Text) -> Sent:
        error = e.response.get("Error", {})
        code = error.get("Code", "")
        reason = e.response.get("Reason") or error.get("Reason") or ""
        if code == "ThrottlingException":
            raise MessagingBusy("End User Messaging throttled a send", THROTTLED_RETRY_SECONDS)
        if code == "ServiceQuotaExceededException":
            # The monthly spend limit among others: nothing is sent until it is raised.
            log.error("End User Messaging quota reached (%s): texts wait", reason)
            raise MessagingBusy(f"quota reached: {reason}", QUOTA_RETRY_SECONDS)
        if code == "InternalServerException":
            raise MessagingBusy("End User Messaging failed; trying again", THROTTLED_RETRY_SECONDS)
        outcome = None
        if code == "ConflictException" and reason == "DESTINATION_PHONE_NUMBER_OPTED_OUT":
            outcome = OPTED_OUT
        elif code == "ValidationException" and reason in _INVALID_DESTINATION:
            outcome = INVALID
        elif code == "ValidationException" and reason in _REFUSED_DESTINATION:
            outcome = REJECTED
        if outcome is None:
            raise MessagingError(f"End User Messaging refused the send: {code} {reason}")
        log.info("text refused: %s %s", code, reason)
        return Sent("", Receipt("", outcome, dict(text.context), f"{code} {reason}"))


def receipt(event: dict[str, Any]) -> Receipt | None:
    """The outcome an End User Messaging event reports, or None for a step on the way."""
    event_type = str(event.get("eventType", ""))
    outcome = FINAL_EVENTS.get(event_type)
    if event_type == "TEXT_SUCCESSFUL" and event.get("isFinal") is True:
        outcome = DELIVERED
    message_id = event.get("messageId")
    if outcome is None or not message_id:
        return None
    context = event.get("context") or {}
    return Receipt(
        str(message_id),
        outcome,
        {str(k): str(v) for k, v in context.items()} if isinstance(context, dict) else {},
        f"{event_type} {event.get('messageStatus', '')}".strip(),
    )
