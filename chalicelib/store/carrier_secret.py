"""The carrier's secret (docs/twilio-deploy.md#rotating-the-auth-token): `{"authToken": ...,
"signingKey": ...}` read from AWS Secrets Manager by its name (OCP_TWILIO_SECRET_NAME),
never from the environment, the template or a log. During a rotation it may also hold
`"previousAuthToken"`: webhooks signed with it are still accepted (Twilio signs with its
primary token, which becomes the new one only when the console promotes it).

    get(now)       the secret, read at most once per OCP_CARRIER_SECRET_TTL_SECONDS per
                   container (a rotated token reaches every container within the TTL)
    refresh(now)   read it again now, after the carrier refused the token (a REST 401,
                   a webhook whose signature matches only a newer token): at most once
                   per REFRESH_SECONDS, so that forged webhooks cannot make every
                   request a Secrets Manager call

Rotation: the console's secondary token is stored as authToken with the old one as
previousAuthToken; within the TTL every container calls with the new one and accepts
webhooks signed with either; the console then promotes the secondary token, and a last
`put-secret-value` drops previousAuthToken.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field

from chalicelib import settings
from chalicelib.store import aws

# The least time between two reads forced by refresh().
REFRESH_SECONDS = 30.0


@dataclass(frozen=True)
class CarrierSecret:
    # repr=False: a secret printed by accident (a log line, a traceback) shows nothing.
    auth_token: str = field(repr=False)
    signing_key: str | None = field(default=None, repr=False)
    previous_auth_token: str | None = field(default=None, repr=False)

    @property
    def webhook_key(self) -> str:
        """What webhooks are signed with: SignalWire's signing key, else the auth token."""
        return self.signing_key or self.auth_token

    @property
    def webhook_keys(self) -> tuple[str, ...]:
        """Every key a genuine webhook may be signed with now, the signature told by the
        secret itself (a signing key: SignalWire's)."""
        return self.keys_for("signalwire" if self.signing_key else "twilio")

    def keys_for(self, signature: str) -> tuple[str, ...]:
        """Every key a genuine webhook may be signed with now under OCP_TWILIO_SIGNATURE:
        SignalWire's signing key; else the auth token, and the previous one while a
        rotation is under way."""
        if signature == "signalwire":
            return (self.signing_key,) if self.signing_key else ()
        previous = (self.previous_auth_token,) if self.previous_auth_token else ()
        return (self.auth_token, *previous)


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
        token = data["authToken"]
    except (ValueError, KeyError, TypeError):
        # Never the value itself in the message.
        raise SecretUnavailable(f"secret {name}: not JSON with an authToken") from None
    if not isinstance(token, str) or not token:
        raise SecretUnavailable(f"secret {name}: authToken is empty")
    key, previous = data.get("signingKey"), data.get("previousAuthToken")
    return CarrierSecret(
        token,
        key if isinstance(key, str) and key else None,
        previous if isinstance(previous, str) and previous else None,
    )
