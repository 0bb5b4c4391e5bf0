"""The signature a Twilio-compatible carrier puts on every webhook (twilio.com/docs/usage/
security, "Validating requests"): base64(HMAC(key, URL + each POST parameter's name and
value, sorted by name)), sent as `X-Twilio-Signature`. Which key and which hash:

    no X-Twilio-Webhooks-Signature-Settings   HMAC-SHA1 keyed with the account's auth token
                                              (or a rotation's previous one)
    X-Twilio-Webhooks-Signature-Settings:     HMAC-SHA256 (or the algorithm it names) keyed
      key=<id>,algorithm=HMAC_SHA256          with the SharedKey of that id (Twilio's Webhook
                                              Settings: docs/twilio-deploy.md,
                                              "SharedKey signatures")
    SignalWire                                HMAC-SHA1 keyed with the project's signing key,
                                              as `X-SignalWire-Signature` (docs/twilio.md)

Only the hash and the key change: the signed string is the same. A settings header that
names no key, or an algorithm not known here, is refused (403) whatever the signature: a
new algorithm is added here, never guessed. A key id the secret does not hold matches
nothing (403), after the secret is read again once (the new key of a rotation).

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
from dataclasses import dataclass
from urllib.parse import parse_qsl

TWILIO_HEADER = "X-Twilio-Signature"
SIGNALWIRE_HEADER = "X-SignalWire-Signature"
HEADERS = {"twilio": TWILIO_HEADER, "signalwire": SIGNALWIRE_HEADER}
# Twilio's Webhook Settings announce a SharedKey signature with this header.
SETTINGS_HEADER = "X-Twilio-Webhooks-Signature-Settings"
HMAC_SHA1 = "HMAC_SHA1"
HMAC_SHA256 = "HMAC_SHA256"
ALGORITHMS = {HMAC_SHA1: hashlib.sha1, HMAC_SHA256: hashlib.sha256}
# A key id longer than this is no Twilio id (webhooks_sharedkey_ and 26 characters).
MAX_KEY_ID = 128


@dataclass(frozen=True)
class SignatureSettings:
    """What X-Twilio-Webhooks-Signature-Settings names: the SharedKey and the hash."""

    key_id: str
    algorithm: str

    def header(self) -> str:
        return f"key={self.key_id},algorithm={self.algorithm}"


class Refused(ValueError):
    """A settings header that cannot be honoured (malformed, or an unknown algorithm)."""


def settings_of(header: str | None) -> SignatureSettings | None:
    """The settings a webhook's X-Twilio-Webhooks-Signature-Settings names; None when it
    has none (blank counts as none, as in Twilio's own validators): the auth token and
    HMAC-SHA1. Refused: a header without a key id or an algorithm, a name given twice,
    or an algorithm not in ALGORITHMS. Names other than key and algorithm are ignored."""
    if header is None or not header.strip():
        return None
    found: dict[str, str] = {}
    for part in header.split(","):
        name, separator, value = part.partition("=")
        name, value = name.strip().lower(), value.strip()
        if not separator or not name:
            raise Refused("not name=value pairs")
        if name in found:
            raise Refused(f"{name} given twice")
        found[name] = value
    key_id, algorithm = found.get("key", ""), found.get("algorithm", "").upper()
    if not key_id or len(key_id) > MAX_KEY_ID:
        raise Refused("no key id")
    if algorithm not in ALGORITHMS:
        raise Refused("an algorithm not supported")
    return SignatureSettings(key_id, algorithm)


def form(body: bytes) -> list[tuple[str, str]]:
    """An application/x-www-form-urlencoded body: every pair, blank values and repeated
    names kept. A body that is not UTF-8 is no carrier's: ValueError."""
    return parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False)


def sign(key: str, url: str, params: list[tuple[str, str]], algorithm: str = HMAC_SHA1) -> str:
    values: dict[str, set[str]] = {}
    for name, value in params:
        values.setdefault(name, set()).add(value)
    signed = url + "".join(
        name + value for name in sorted(values) for value in sorted(values[name])
    )
    digest = hmac.new(key.encode(), signed.encode(), ALGORITHMS[algorithm]).digest()
    return base64.b64encode(digest).decode()


def valid(
    key: str,
    url: str,
    params: list[tuple[str, str]],
    given: str | None,
    algorithm: str = HMAC_SHA1,
) -> bool:
    if not key or not given:
        return False
    return hmac.compare_digest(sign(key, url, params, algorithm).encode(), given.encode())


def signed_by_any(
    keys: Callable[..., tuple[str, ...]],
    url: str,
    params: list[tuple[str, str]],
    given: str | None,
    settings_header: str | None = None,
) -> bool:
    """Signed with any key of `keys()` (account.webhook_keys); else with any of
    `keys(refreshed=True)` (a rotation this container has not seen yet: carrier_secret
    reads again at most once in a while, so forged requests cannot make each one a
    Secrets Manager call). With a settings header (`settings_of`), the keys are those of
    its key id (`keys(key_id=...)`) and the hash is its algorithm; a header refused is
    False before any key is read."""
    if not given or not given.isascii():
        return False
    try:
        named = settings_of(settings_header)
    except Refused:
        return False
    if named is None:
        lookup, algorithm = keys, HMAC_SHA1
    else:

        def lookup(refreshed: bool = False) -> tuple[str, ...]:
            return keys(refreshed=refreshed, key_id=named.key_id)

        algorithm = named.algorithm
    found = lookup()
    if any(valid(k, url, params, given, algorithm) for k in found):
        return True
    newer = lookup(refreshed=True)
    return newer != found and any(valid(k, url, params, given, algorithm) for k in newer)
