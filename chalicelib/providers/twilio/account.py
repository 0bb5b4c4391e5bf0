"""The Twilio-compatible account of this stage: its auth token and the keys its webhooks
are signed with (store.carrier_secret, read by name with a TTL, read again after a 401 or
a signature that matches no key), and the REST client made from settings. A secret
missing or malformed is a CarrierError (the attempt fails, visibly)."""

from __future__ import annotations

import logging

from chalicelib import settings
from chalicelib.providers.errors import CarrierError
from chalicelib.providers.twilio.rest import Rest
from chalicelib.store import carrier_secret

log = logging.getLogger(__name__)


def auth_token(refreshed: bool = False) -> str:
    """The account's auth token (store.carrier_secret; never logged). `refreshed`: read
    again now (the carrier refused the one we had)."""
    try:
        found = carrier_secret.refresh() if refreshed else carrier_secret.get()
    except carrier_secret.SecretUnavailable as e:
        raise CarrierError(str(e)) from None
    return found.auth_token


def webhook_keys(refreshed: bool = False) -> tuple[str, ...]:
    """Every key a genuine webhook may be signed with now (a rotation's previous token
    too); `refreshed`: read again first. Empty when the secret cannot be read."""
    try:
        found = carrier_secret.refresh() if refreshed else carrier_secret.get()
    except carrier_secret.SecretUnavailable as e:
        log.error("webhook keys: %s", e)
        return ()
    return found.keys_for(settings.get().twilio_signature)


def rest_from_settings() -> Rest:
    """The account's REST client (voice and texts): the auth token from
    store.carrier_secret, read again after a 401."""
    s = settings.get()
    return Rest(
        s.twilio_api_base,
        s.twilio_account_sid,
        auth_token,
        refreshed_token=lambda: auth_token(refreshed=True),
    )
