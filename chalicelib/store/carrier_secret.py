"""The carrier's secret (docs/twilio-deploy.md "Rotating the auth token", "SharedKey
signatures"): a JSON object read from AWS Secrets Manager by its name
(OCP_TWILIO_SECRET_NAME), never from the environment, the template or a log. Its fields,
each optional but the REST credential:

    authToken           the account's auth token: REST (unless an API key is given) and the
                        HMAC-SHA1 signature of webhooks without Webhook Settings
    previousAuthToken   during a token rotation: webhooks signed with it are still accepted
    apiKeySid,          a Twilio API key (SK...) and its secret: REST uses them instead of
    apiKeySecret        the auth token (both or neither)
    sharedKeys          {"<SharedKey id>": "<its secret>", ...}: webhooks announced by
                        X-Twilio-Webhooks-Signature-Settings key=<id> are checked with that
                        key (providers/twilio/signature.py); two ids during a rotation
    signingKey          SignalWire's signing key (its webhooks' signature)

One of authToken or the API key must be there (REST). A stage that stores an API key and
SharedKeys and no authToken holds no master credential of the account at all; its
webhooks must then all come through Webhook Settings (those without are refused, 403).

    get(now)       the secret, read at most once per OCP_CARRIER_SECRET_TTL_SECONDS per
                   container (a rotated token reaches every container within the TTL)
    refresh(now)   read it again now, after the carrier refused the token (a REST 401,
                   a webhook whose signature matches only a newer key): at most once
                   per REFRESH_SECONDS, so that forged webhooks cannot make every
                   request a Secrets Manager call

Token rotation: the console's secondary token is stored as authToken with the old one as
previousAuthToken; within the TTL every container calls with the new one and accepts
webhooks signed with either; the console then promotes the secondary token, and a last
`put-secret-value` drops previousAuthToken. SharedKey rotation: the new key's id is added
to sharedKeys, the Webhook Setting switched to it, then the old id removed.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from chalicelib import settings
from chalicelib.store import aws

# The least time between two reads forced by refresh().
REFRESH_SECONDS = 30.0


@dataclass(frozen=True)
class CarrierSecret:
    # repr=False: a secret printed by accident (a log line, a traceback) shows nothing.
    auth_token: str | None = field(repr=False)
    signing_key: str | None = field(default=None, repr=False)
    previous_auth_token: str | None = field(default=None, repr=False)
    # SharedKey id -> its secret (Twilio's Webhook Settings).
    shared_keys: Mapping[str, str] = field(default_factory=dict, repr=False)
    api_key_sid: str | None = field(default=None, repr=False)
    api_key_secret: str | None = field(default=None, repr=False)

    @property
    def webhook_key(self) -> str | None:
        """What webhooks are signed with: SignalWire's signing key, else the auth token."""
        return self.signing_key or self.auth_token

    def rest_credentials(self, account_sid: str) -> tuple[str, str]:
        """HTTP Basic's (user, password) for the REST API: the API key and its secret when
        the secret has them, else the account SID and the auth token (the URLs name the
        account either way: Accounts/{AccountSid}/...)."""
        if self.api_key_sid and self.api_key_secret:
            return self.api_key_sid, self.api_key_secret
        if self.auth_token:
            return account_sid, self.auth_token
        raise SecretUnavailable("no authToken and no apiKeySid")  # _read refuses such

    @property
    def webhook_keys(self) -> tuple[str, ...]:
        """Every key a genuine webhook may be signed with now, the signature told by the
        secret itself (a signing key: SignalWire's)."""
        return self.keys_for("signalwire" if self.signing_key else "twilio")

    def keys_for(self, signature: str, key_id: str | None = None) -> tuple[str, ...]:
        """Every key a genuine webhook may be signed with now under OCP_TWILIO_SIGNATURE:
        the SharedKey `key_id` when the webhook names one (none if the secret lacks it);
        else SignalWire's signing key; else the auth token, and the previous one while a
        rotation is under way."""
        if key_id is not None:
            found = self.shared_keys.get(key_id)
            return (found,) if found else ()
        if signature == "signalwire":
            return (self.signing_key,) if self.signing_key else ()
        return tuple(k for k in (self.auth_token, self.previous_auth_token) if k)


class SecretUnavailable(RuntimeError):
    """The secret is missing or malformed: the carrier cannot be used (the adapter makes
    it a CarrierError: the attempt fails, visibly, rather than waiting forever)."""


_lock = threading.Lock()
_cached: tuple[float, CarrierSecret] | None = None  # (read at, secret)


def get(now: float | None = None) -> CarrierSecret:
    global _cached
    now = time.time() if now is None else now
    ttl = settings.get().carrier_secret_ttl_seconds
    with _lock:
        if _cached is not None and now - _cached[0] < ttl:
            return _cached[1]
        _cached = (now, _read())
        return _cached[1]


def refresh(now: float | None = None) -> CarrierSecret:
    global _cached
    now = time.time() if now is None else now
    with _lock:
        if _cached is not None and now - _cached[0] < REFRESH_SECONDS:
            return _cached[1]
        _cached = (now, _read())
        return _cached[1]


def forget() -> None:
    """Tests: the next get() reads the secret."""
    global _cached
    with _lock:
        _cached = None


def _read() -> CarrierSecret:
    name = settings.get().twilio_secret_name
    sm = aws.client("secretsmanager")
    try:
        value = sm.get_secret_value(SecretId=name)["SecretString"]
    except sm.exceptions.ResourceNotFoundException:
        raise SecretUnavailable(f"no secret named {name}") from None
    try:
        data = json.loads(value)
    except (ValueError, TypeError):
        data = None
    # Never a value itself in a message.
    if not isinstance(data, dict):
        raise SecretUnavailable(f"secret {name}: not a JSON object")
    token = _text(data, "authToken", name)
    sid, api_secret = _text(data, "apiKeySid", name), _text(data, "apiKeySecret", name)
    if (sid is None) != (api_secret is None):
        raise SecretUnavailable(f"secret {name}: apiKeySid and apiKeySecret go together")
    if token is None and sid is None:
        raise SecretUnavailable(f"secret {name}: not JSON with an authToken or an apiKeySid")
    shared = data.get("sharedKeys", {})
    if not isinstance(shared, dict) or not all(
        isinstance(k, str) and k and isinstance(v, str) and v for k, v in shared.items()
    ):
        raise SecretUnavailable(f"secret {name}: sharedKeys is not {{id: secret}}")
    return CarrierSecret(
        token,
        _text(data, "signingKey", name, strict=False),
        _text(data, "previousAuthToken", name, strict=False),
        dict(shared),
        sid,
        api_secret,
    )


def _text(data: dict[str, Any], key: str, name: str, strict: bool = True) -> str | None:
    """A string field of the secret; None when absent. `strict`: one that is there but
    empty or not a string makes the secret malformed (else it is ignored, as before)."""
    found = data.get(key)
    if isinstance(found, str) and found:
        return found
    if strict and key in data:
        raise SecretUnavailable(f"secret {name}: {key} is empty")
    return None
