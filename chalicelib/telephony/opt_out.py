"""A blast recipient pressed its blast's opt-out digit (issue 27), whatever the carrier:
its attempt's result becomes OptedOut and its number goes on the enterprise's
do-not-call list (source voice). The dialects (chime, twilio) call `record` from the
step that received the digit, then thank the recipient and hang up."""

from __future__ import annotations

import logging

from chalicelib import clock
from chalicelib.store import donotcall, recipients

log = logging.getLogger(__name__)


def record(call_id: int, key: str, number: str, e164: str) -> None:
    eid = recipients.mark_opted_out(call_id, key, number)
    if eid is None:
        log.warning("call %s attempt %s: opt-out for no such attempt", call_id, key)
        return
    donotcall.add(eid, [e164], "voice", clock.now())
    log.info("call %s attempt %s: opted out", call_id, key)
