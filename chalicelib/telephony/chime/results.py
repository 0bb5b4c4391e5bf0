"""What PSTN Audio's outcomes mean in OCP's call vocabulary (RULINGS "Call vocabulary"):
one table, for the SIP response code of a HANGUP before the far end answered and for the
ErrorType of a failed CallAndBridge (the leg bridged second).

Chime documents three codes on HANGUP: 0 (normal clearing), 480 (no answer) and 486
(busy); the others are SIP's (RFC 3261). A code may arrive as a number or a string.
"""

from __future__ import annotations

import re

from chalicelib.telephony import BUSY, FAILED, NO_ANSWER

# 408 Request Timeout, 480 Temporarily Unavailable, 487 Request Terminated (we cancelled
# a ringing phone: a try-all leg that lost), 0 (hung up before answering).
_NO_ANSWER = {0, 408, 480, 487}
# 486 Busy Here, 600 Busy Everywhere, 603 Decline (the callee refused the ringing call).
_BUSY = {486, 600, 603}
_SIP_CODE = re.compile(r"\b([4-6]\d\d)\b")


def sip_code(value: object) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def of_hangup(code: object) -> str:
    """The result of a leg that hung up (or was refused) before it answered."""
    found = sip_code(code)
    if found in _BUSY:
        return BUSY
    if found in _NO_ANSWER or found is None:
        return NO_ANSWER
    return FAILED


def of_bridge_failure(error_type: str | None, message: str | None = None) -> str:
    """The result of a CallAndBridge that did not connect. Chime documents only
    `CallNotAnswered`; when its message carries the SIP code (the local fake PSTN's
    does), that code decides, so a busy number is Busy, not NoAnswer."""
    found = _SIP_CODE.search(message or "")
    if found:
        return of_hangup(found.group(1))
    if error_type == "CallNotAnswered":
        return NO_ANSWER
    return FAILED
