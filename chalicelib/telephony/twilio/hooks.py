"""The webhooks of a Twilio-compatible carrier: each step of a call in (a signed form
POST to `/twilio/{step}/{callId}/{key}/{index}`, dials.py), its TwiML out, and each dial's
Outcome reported to its task token through the dialer's report functions, so the state
machine does not know which carrier ran (DESIGN.md "Telephony").

Leg A (a call of its own, Calls.create), per number:

    ringing --answer--> asking (announcement + <Gather> "press 1") --1--> accepted
                        announcing (announcement, <Redirect> accept) ----> accepted
            --status busy/no-answer/failed/canceled--> Busy / NoAnswer / Failed (reported)
    accepted -> outpulsing (<Play digits> a PIN, <Redirect> ready) -> up: reported Success,
             then in its <Conference>, or held (<Pause>/<Redirect> hold) for the next leg
    a blast recipient: answered -> up: reported Success, its message in a <Gather> (the
             callback offer), a machine's message again after the beep (amd -> message)
    up --status completed--> the seconds it lasted, to the watch task (store.rendezvous)

The leg bridged to it (the next dial, bridge_to): leg A's call is redirected to `bridge`,
a <Dial> of up to 10 <Number>s; each number that answers runs `screen` (<Number url>):
"press 1" when it must be a person (asked, or several numbers ringing: a voicemail must
not win), else put through at once. The first to be put through wins (reported Success);
one that declines is hung up and the others ring on until the <Dial>'s timeout. The
<Dial>'s action (`dialed`) reports the results when nobody was put through (leg A is held
again, for the next number of the hunt or the release), or the end of the conversation.

Answering machines: `amd` (asynchronous detection) reports Machine for a leg that must be
a person and has not answered the question yet; a leg asked nothing that must be a person
is answered with Twilio's synchronous result (AnsweredBy on `answer`).

Here: the HTTP boundary (the path, the form, the signature: 403 before anything is read),
then twilio/stages.py (the stages as a state machine) and twilio/pages.py (their TwiML).

Twilio retries a webhook it got no answer from (15 s): every step moves its number's
stage with a conditional write (store.legs) first, and a step that finds the move made
answers the TwiML of the stage reached, changing nothing. A status callback for a call we
do not know, or a late one, changes nothing. A PIN and a task token are never logged.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from chalicelib import clock, logs, settings
from chalicelib.imports import on_first_use
from chalicelib.providers.twilio import account, signature
from chalicelib.store import rendezvous
from chalicelib.telephony.reporting import Board, Dialer, Reporter
from chalicelib.telephony.twilio import dials
from chalicelib.telephony.twilio.adapter import TwilioCarrier
from chalicelib.telephony.twilio.pages import EMPTY, Pages
from chalicelib.telephony.twilio.stages import Stages, Step

__all__ = ["EMPTY", "Handler", "Step", "default"]

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from chalicelib.media import storage
else:
    storage = on_first_use("chalicelib.media.storage")  # presigned audio: blasts only


def _presign(key: str) -> str:
    return storage.presigned_get(key, content_type="audio/mpeg")


@dataclass
class Handler:
    """One webhook request in, its TwiML out."""

    carrier: TwilioCarrier
    dialer: Dialer  # workflows.dialer.Dialer: report_dial, report_end, and its tasks
    # The keys a genuine webhook may be signed with (account.webhook_keys: the current
    # one, and the previous auth token during a rotation); called with refreshed=True
    # when a signature matches none of them, in case the secret was rotated meanwhile.
    signing_keys: Callable[..., tuple[str, ...]]
    header: str = signature.TWILIO_HEADER
    presign: Callable[[str], str] = lambda key: _presign(key)
    board: Board = field(default_factory=lambda: rendezvous)
    now: Callable[[], int] = clock.now

    @property
    def stages(self) -> Stages:
        return Stages(
            self.carrier, Reporter(self.dialer, self.board), Pages(self.carrier.url, self.presign)
        )

    def respond(self, path: dict[str, str], headers: Any, body: bytes) -> tuple[int, str]:
        """(HTTP status, TwiML) for one webhook request. The signature is checked over the
        URL Twilio called (OCP_PUBLIC_BASE_URL + the path) and the exact form before
        anything is read or written: 403 otherwise."""
        step = path.get("step", "")
        try:
            call_id, index = int(path.get("call", "")), int(path.get("index", ""))
            params = signature.form(body)
        except ValueError:
            return 403, ""
        key = path.get("key", "")
        url = self.carrier.public_base_url + dials.path(step, call_id, key, index)
        if not self.signed(url, params, headers.get(self.header)):
            log.warning("webhook %s refused: bad or missing signature", step)
            return 403, ""
        if step not in dials.STEPS:
            return 404, ""
        with logs.scope(callId=call_id):
            return 200, self.handle(Step(step, call_id, key, index, dict(params)))

    def signed(self, url: str, params: list[tuple[str, str]], given: str | None) -> bool:
        """Signed with any key of the secret, or of the secret read again now
        (signature.signed_by_any)."""
        return signature.signed_by_any(self.signing_keys, url, params, given)

    def handle(self, step: Step) -> str:
        return self.stages.handle(step)


_handler: Handler | None = None


def default(dialer_for: Callable[[TwilioCarrier], Any]) -> Handler:
    """The handler with the carrier of settings and the dialer `dialer_for(carrier)` makes
    (workflows.dialer, handed down by the route: telephony never imports workflows; made
    once per process)."""
    global _handler
    if _handler is None:
        s = settings.get()
        carrier = TwilioCarrier.from_settings()
        _handler = Handler(
            carrier=carrier,
            dialer=dialer_for(carrier),
            signing_keys=account.webhook_keys,
            header=signature.HEADERS.get(s.twilio_signature, signature.TWILIO_HEADER),
        )
    return _handler
