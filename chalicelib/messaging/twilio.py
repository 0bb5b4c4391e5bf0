"""Twilio Messages (and SignalWire, through the same REST API): the messaging adapter of a
stage whose carrier is twilio (docs/sms.md "Twilio"). Thin by design: the REST client
(HTTP Basic with the account SID and auth token, form-encoded POSTs) and the webhook
signature check are the account's (chalicelib/providers/twilio), shared with the voice
carrier without importing it; this module says
only what a text needs of them.

    send      POST /2010-04-01/Accounts/{AccountSid}/Messages.json with To, From (or
              MessagingServiceSid), Body and StatusCallback: a URL of this API that
              carries the text's context in its path, `/twilio-sms/{blastId}/{n}/{callId}/
              {attempt}` (never a query: the signature is over the URL Twilio called,
              rebuilt from OCP_PUBLIC_BASE_URL and the path, as the voice webhooks do)
    callback  a status callback: its signature checked (before anything is read), then
              the final MessageStatus (delivered, undelivered, failed) and its ErrorCode
              read into a Receipt; queued, sending, sent: None, nothing to do

Errors: 429, 20429, 5xx and no connection are MessagingBusy (nothing sent: tried again);
the refusals of SEND_ERRORS are the recipient's result; anything else is MessagingError.
Twilio keeps the opt-out list itself (STOP, and START or UNSTOP to opt back in): a send to
an opted-out number is refused with error 21610.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from chalicelib import settings
from chalicelib.messaging.port import (
    ATTEMPT,
    BLAST_ID,
    BLOCKED,
    CALL_ID,
    DELIVERED,
    EXPIRED,
    INVALID,
    OPTED_OUT,
    RECIPIENT,
    REJECTED,
    UNKNOWN,
    UNREACHABLE,
    MessagingBusy,
    MessagingError,
    Receipt,
    Sent,
    Text,
)
from chalicelib.providers.errors import CarrierBusy, CarrierError
from chalicelib.providers.twilio import account, signature


class Rest(Protocol):
    """What the adapter needs of chalicelib/providers/twilio's REST client."""

    account_sid: str

    def post_form(self, path: str, params: Mapping[str, str]) -> tuple[int, dict[str, Any]]:
        """POST form parameters to the account's API path; (HTTP status, JSON body)."""


# The status callback's route (api/carrier_hooks.py): the text's context, in this order.
PREFIX = "/twilio-sms"
CONTEXT = (BLAST_ID, RECIPIENT, CALL_ID, ATTEMPT)
ROUTE = PREFIX + "".join("/{" + name + "}" for name in CONTEXT)
TOO_MANY = 20429

# Twilio error codes of a refused send (REST 400) that are this recipient's result.
SEND_ERRORS = {
    21610: OPTED_OUT,  # the recipient replied STOP
    21211: INVALID,  # not a valid 'To' number
    21614: INVALID,  # not a mobile number
    21408: REJECTED,  # the region is not enabled
    21612: REJECTED,  # cannot route to this number
}
# A status callback's ErrorCode on an undelivered or failed message.
RECEIPT_ERRORS = {
    30003: UNREACHABLE,  # handset unreachable
    30004: BLOCKED,  # message blocked
    30005: INVALID,  # unknown destination handset
    30006: INVALID,  # landline or unreachable carrier
    30007: BLOCKED,  # carrier filtered (spam)
    30008: UNKNOWN,  # unknown error
    30001: EXPIRED,  # queue overflow: not sent within its validity period
    21610: OPTED_OUT,
}
FINAL_STATUSES = ("delivered", "undelivered", "failed")


def callback_path(context: Mapping[str, str]) -> str:
    """The status callback's path for a text of this context (every value an integer)."""
    return PREFIX + "".join(f"/{int(context[name])}" for name in CONTEXT)


@dataclass
class TwilioMessenger:
    rest: Rest
    identity: str  # the From number, or a Messaging Service SID (MG...)
    per_second: float
    public_base_url: str  # this API as Twilio reaches it (the callbacks are signed over it)

    @classmethod
    def from_settings(cls) -> TwilioMessenger:
        s = settings.get()
        identity = s.twilio_messaging_service_sid or next(iter(s.twilio_numbers), "")
        if not identity:
            raise MessagingError("OCP_TWILIO_NUMBERS names no number to text from")
        if not s.public_base_url:
            raise MessagingError("OCP_PUBLIC_BASE_URL is not set: no status callback")
        return cls(
            account.rest_from_settings(), identity, s.sms_messages_per_second, s.public_base_url
        )

    def request(self, text: Text) -> dict[str, str]:
        sender = "MessagingServiceSid" if self.identity.startswith("MG") else "From"
        return {
            "To": text.to,
            sender: self.identity,
            "Body": text.body,
            "StatusCallback": self.public_base_url + callback_path(text.context),
        }

    def send(self, text: Text) -> Sent:
        try:
            status, body = self.rest.post_form("Messages.json", self.request(text))
        except CarrierBusy as e:
            raise MessagingBusy(f"Twilio: {e}", e.retry_after) from None
        except CarrierError as e:
            raise MessagingError(f"Twilio: {e}") from None
        code = _code(body)
        if status == 429 or code == TOO_MANY or status >= 500:
            raise MessagingBusy(f"Twilio answered {status} {code or ''}".strip(), 1.0)
        if status >= 400:
            outcome = SEND_ERRORS.get(code or 0)
            if outcome is None:
                raise MessagingError(f"Twilio refused the send: {status} {code or ''}")
            return Sent("", Receipt("", outcome, dict(text.context), f"error {code}"))
        if not body.get("sid"):
            raise MessagingError(f"Twilio answered {status} without a message sid")
        return Sent(str(body["sid"]))


def _code(body: Mapping[str, Any]) -> int | None:
    code = body.get("code")
    return int(code) if isinstance(code, int | str) and str(code).isdigit() else None


def receipt(params: Mapping[str, str], context: Mapping[str, str]) -> Receipt | None:
    """A status callback (form `params`; `context` from its path), checked by its
    signature already; None for a status on the way (queued, sending, sent)."""
    status = params.get("MessageStatus", "")
    if status not in FINAL_STATUSES or not params.get("MessageSid"):
        return None
    if status == "delivered":
        outcome = DELIVERED
    else:
        code = params.get("ErrorCode", "")
        outcome = RECEIPT_ERRORS.get(int(code) if code.isdigit() else 0, UNKNOWN)
    return Receipt(
        params["MessageSid"], outcome, dict(context), f"{status} {params.get('ErrorCode', '')}"
    )


def callback(
    path: Mapping[str, str],
    headers: Any,
    body: bytes,
    public_base_url: str,
    keys: Callable[..., tuple[str, ...]],
    header: str = signature.TWILIO_HEADER,
) -> tuple[int, Receipt | None]:
    """One status callback request: (HTTP status, its Receipt or None). The signature is
    checked over the URL Twilio called (`public_base_url` + the path) and the exact form
    before anything is read: 403 otherwise."""
    try:
        context = {name: str(int(path[name])) for name in CONTEXT}
        params = signature.form(body)
    except (KeyError, ValueError):
        return 403, None
    url = public_base_url + callback_path(context)
    if not signature.signed_by_any(keys, url, params, headers.get(header)):
        return 403, None
    return 200, receipt(dict(params), context)


def callback_from_settings(
    path: Mapping[str, str], headers: Any, body: bytes
) -> tuple[int, Receipt | None]:
    """`callback` with this stage's base URL, the carrier secret's keys and its header."""
    s = settings.get()
    header = signature.HEADERS.get(s.twilio_signature, signature.TWILIO_HEADER)
    return callback(path, headers, body, s.public_base_url, account.webhook_keys, header)
