"""The carriers' webhooks (routes.webhook: no session, their own signature): Twilio's and
SignalWire's TwiML requests and status callbacks (telephony/twilio/hooks.py), and their
texts' status callbacks (messaging/twilio.py, then workflows/texting.py), each imported on
the first webhook, so that no other request pays for it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalice import Blueprint

from chalicelib import settings
from chalicelib.api import public_url
from chalicelib.imports import on_first_use
from chalicelib.protocol import routes

# The first webhook imports the carrier: no other request pays for it.
if TYPE_CHECKING:
    from chalicelib.messaging import twilio as texts
    from chalicelib.telephony.twilio import hooks, twiml
    from chalicelib.workflows import dialer, texting
else:
    hooks = on_first_use("chalicelib.telephony.twilio.hooks")
    twiml = on_first_use("chalicelib.telephony.twilio.twiml")
    dialer = on_first_use("chalicelib.workflows.dialer")
    texts = on_first_use("chalicelib.messaging.twilio")
    texting = on_first_use("chalicelib.workflows.texting")

bp = Blueprint(__name__)

TWILIO = "/twilio/{step}/{call}/{key}/{index}"
# A text's status callback: its context in the path (messaging/twilio.py ROUTE).
TWILIO_SMS = "/twilio-sms/{blastId}/{n}/{callId}/{attempt}"


@routes.webhook(bp, TWILIO)
def twilio(path: dict[str, str], headers: Any, body: bytes) -> tuple[int, str, str]:
    if settings.get().carrier != "twilio":
        return 404, "", "text/plain"  # no Twilio account behind this stage
    public_url.adopt(bp.current_request.context)
    status, answer = hooks.default(_dialer).respond(path, headers, body)
    return status, answer, twiml.CONTENT_TYPE if status == 200 else "text/plain"


def _dialer(carrier: Any) -> Any:
    return dialer.Dialer(carrier=carrier)


@routes.webhook(bp, TWILIO_SMS)
def twilio_sms(path: dict[str, str], headers: Any, body: bytes) -> tuple[int, str, str]:
    """A text's status: signed (403 otherwise); a final one is the text's receipt, once
    (texting.receipt's conditional writes: a callback sent again changes nothing)."""
    if settings.get().messaging != "twilio":
        return 404, "", "text/plain"
    public_url.adopt(bp.current_request.context)
    return sms_status(path, headers, body)


def sms_status(path: dict[str, str], headers: Any, body: bytes) -> tuple[int, str, str]:
    """The text status webhook once the request's URL is known (the fake Twilio's
    switchboard in the workflow tests calls it as the route does)."""
    status, found = texts.callback_from_settings(path, headers, body)
    if found is not None:
        texting.receipt(found)
    return status, "", "text/plain"
