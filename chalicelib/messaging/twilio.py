"""Twilio Messages (and SignalWire, through the same REST API): the messaging adapter of a
stage whose carrier is twilio (docs/sms.md "Twilio"). Thin by design: the REST client
(HTTP Basic with the account SID and auth token, form-encoded POSTs) and the webhook
signature check are chalicelib/telephony/twilio's, the voice carrier's; this module says
only what a text needs of them.

    send      POST /2010-04-01/Accounts/{AccountSid}/Messages.json with To, From (or
              MessagingServiceSid), Body and StatusCallback: a URL of this API that
              carries the text's context (blastId, n, callId, attempt) as query variables
    receipt   the status callback's form parameters (after the signature check): the
              final MessageStatus (delivered, undelivered, failed) and its ErrorCode

Twilio keeps the opt-out list itself (STOP, and START or UNSTOP to opt back in): a send to
an opted-out number is refused with error 21610.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from chalicelib.messaging.port import (
    BLOCKED,
    DELIVERED,
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


class Rest(Protocol):
    """What the adapter needs of chalicelib/telephony/twilio's REST client."""

    def post_form(self, path: str, params: Mapping[str, str]) -> tuple[int, dict[str, Any]]:
        """POST form parameters to the account's API path; (HTTP status, JSON body)."""


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
    21610: OPTED_OUT,
}
FINAL_STATUSES = ("delivered", "undelivered", "failed")


@dataclass
class TwilioMessenger:
    rest: Rest
    account_sid: str
    identity: str  # the From number, or a Messaging Service SID (MG...)
    per_second: float
    status_callback_url: str  # this API's Twilio messages webhook

    @classmethod
    def from_settings(cls) -> TwilioMessenger:
        # The REST client and the account's credentials are chalicelib/telephony/twilio's
        # (built on another branch): wired there at merge.
        raise MessagingError("OCP_MESSAGING=twilio needs the twilio carrier's REST client")

    def request(self, text: Text) -> dict[str, str]:
        sender = "MessagingServiceSid" if self.identity.startswith("MG") else "From"
        return {
            "To": text.to,
            sender: self.identity,
            "Body": text.body,
            "StatusCallback": self.status_callback_url + "?" + urllib.parse.urlencode(text.context),
        }

    def send(self, text: Text) -> Sent:
        status, body = self.rest.post_form(
            f"/2010-04-01/Accounts/{self.account_sid}/Messages.json", self.request(text)
        )
        if status == 429 or status >= 500:
            raise MessagingBusy(f"Twilio answered {status}", 1.0)
        if status >= 400:
            outcome = SEND_ERRORS.get(int(body.get("code") or 0))
            if outcome is None:
                raise MessagingError(f"Twilio refused the send: {status} {body.get('code')}")
            return Sent("", Receipt("", outcome, dict(text.context), f"error {body.get('code')}"))
        return Sent(str(body["sid"]))


def receipt(params: Mapping[str, str], query: Mapping[str, str]) -> Receipt | None:
    """A status callback (form `params`, the URL's `query`: the text's context), checked
    by its signature already; None for a status on the way (queued, sent)."""
    status = params.get("MessageStatus", "")
    if status not in FINAL_STATUSES or not params.get("MessageSid"):
        return None
    if status == "delivered":
        outcome = DELIVERED
    else:
        code = params.get("ErrorCode", "")
        outcome = RECEIPT_ERRORS.get(int(code) if code.isdigit() else 0, UNKNOWN)
    return Receipt(
        params["MessageSid"], outcome, dict(query), f"{status} {params.get('ErrorCode', '')}"
    )
