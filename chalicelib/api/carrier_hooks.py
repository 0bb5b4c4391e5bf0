"""The carriers' webhooks (routes.webhook: no session, their own signature): Twilio's and
SignalWire's TwiML requests and status callbacks (telephony/twilio/hooks.py, imported on
the first webhook, so that no other request pays for it)."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint

from chalicelib.protocol import routes

bp = Blueprint(__name__)

TWILIO = "/twilio/{step}/{call}/{key}/{index}"


@routes.webhook(bp, TWILIO)
def twilio(path: dict[str, str], headers: Any, body: bytes) -> tuple[int, str, str]:
    from chalicelib import settings

    if settings.get().carrier != "twilio":
        return 404, "", "text/plain"  # no Twilio account behind this stage
    from chalicelib.telephony.twilio import hooks, twiml

    status, answer = hooks.default().respond(path, headers, body)
    return status, answer, twiml.CONTENT_TYPE if status == 200 else "text/plain"
