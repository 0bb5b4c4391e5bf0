"""The Twilio-compatible account of this stage: its REST credential (an API key and its
secret, else the account SID and auth token), the keys its webhooks are signed with
(store.carrier_secret, read by name with a TTL, read again after a 401 or a signature
that matches no key), and the REST client made from settings. A secret missing or
malformed is a CarrierError (the attempt fails, visibly)."""

from __future__ import annotations

import logging

from chalicelib import settings
from chalicelib.providers.errors import CarrierError
from chalicelib.providers.twilio.rest import Rest
from chalicelib.store import carrier_secret

log = logging.getLogger(__name__)


def _secret(refreshed: bool) -> carrier_secret.CarrierSecret:
    try:
        return carrier_secret.refresh() if refreshed else carrier_secret.get()
    except carrier_secret.SecretUnavailable as e:
        raise CarrierError(str(e)) from None


def auth_token(refreshed: bool = False) -> str:
    """The account's auth token (store.carrier_secret; never logged). `refreshed`: read
    again now (the carrier refused the one we had). A secret without one (an API key
    instead) is a CarrierError."""
    found = _secret(refreshed).auth_token
    if not found:
        raise CarrierError("the carrier secret holds no authToken")
    return found


def rest_credentials(refreshed: bool = False) -> tuple[str, str]:
    """HTTP Basic's (user, password) for the REST API (CarrierSecret.rest_credentials):
    the API key when the secret has one, so that no function needs the auth token."""
    try:
        return _secret(refreshed).rest_credentials(settings.get().twilio_account_sid)
    except carrier_secret.SecretUnavailable as e:
        raise CarrierError(str(e)) from None


def webhook_keys(refreshed: bool = False, key_id: str | None = None) -> tuple[str, ...]:
    """Every key a genuine webhook may be signed with now (a rotation's previous token
    too), or the SharedKey `key_id` a webhook names; `refreshed`: read again first. Empty
    when the secret cannot be read."""
    try:
        found = _secret(refreshed)
    except CarrierError as e:
        log.error("webhook keys: %s", e)
        return ()
    return found.keys_for(settings.get().twilio_signature, key_id)


def rest_from_settings() -> Rest:
    """The account's REST client (voice and texts): its credential from
    store.carrier_secret, read again after a 401."""
    s = settings.get()
    return Rest(
        s.twilio_api_base,
        s.twilio_account_sid,
        rest_credentials,
        refreshed_credentials=lambda: rest_credentials(refreshed=True),
    )
