"""The signature a Twilio-compatible carrier puts on every webhook (twilio.com/docs/usage/
security, "Validating requests"): base64(HMAC-SHA1(key, URL + each POST parameter's name
and value, sorted by name)). Twilio keys it with the account's auth token and sends it as
`X-Twilio-Signature`; SignalWire keys it with the project's signing key and sends
`X-SignalWire-Signature` (docs/twilio.md).

The URL is the one the carrier called, stage or custom domain included: the caller
rebuilds it from OCP_PUBLIC_BASE_URL, never from the request as API Gateway hands it on.
A parameter given twice is signed once per distinct value, values sorted (as Twilio's own
validators compute it); a blank value is signed as a name alone.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable
from urllib.parse import parse_qsl

TWILIO_HEADER = "X-Twilio-Signature"
SIGNALWIRE_HEADER = "X-SignalWire-Signature"
HEADERS = {"twilio": TWILIO_HEADER, "signalwire": SIGNALWIRE_HEADER}


def form(body: bytes) -> list[tuple[str, str]]:
    """An application/x-www-form-urlencoded body: every pair, blank values and repeated
    names kept. A body that is not UTF-8 is no carrier's: ValueError."""
    return parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False)


def sign(key: str, url: str, params: list[tuple[str, str]]) -> str:
    values: dict[str, set[str]] = {}
    for name, value in params:
        values.setdefault(name, set()).add(value)
    signed = url + "".join(
        name + value for name in sorted(values) for value in sorted(values[name])
    )
    digest = hmac.new(key.encode(), signed.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def valid(key: str, url: str, params: list[tuple[str, str]], given: str | None) -> bool:
    if not key or not given:
        return False
    return hmac.compare_digest(sign(key, url, params).encode(), given.encode())


def signed_by_any(
    keys: Callable[..., tuple[str, ...]], url: str, params: list[tuple[str, str]], given: str | None
) -> bool:
    """Signed with any key of `keys()` (adapter.webhook_keys); else with any of
    `keys(refreshed=True)` (a rotation this container has not seen yet: carrier_secret
    reads again at most once in a while, so forged requests cannot make each one a
    Secrets Manager call)."""
    if not given:
        return False
    found = keys()
    if any(valid(k, url, params, given) for k in found):
        return True
    newer = keys(refreshed=True)
    return newer != found and any(valid(k, url, params, given) for k in newer)
