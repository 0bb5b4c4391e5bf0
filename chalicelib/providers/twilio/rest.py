"""The REST API of a Twilio-compatible carrier, as few lines as it takes: form-encoded
POSTs (and one GET) with HTTP Basic (an API key SID and its secret, else the account SID
and its auth token: account.rest_credentials), JSON back, over urllib3
(already in every function: botocore brings it). Not the `twilio` package: its client
imports `requests` and the package installs aiohttp too; docs/twilio.md has the
measurement.

Errors (twilio.com/docs/api/errors), as the Carrier port needs them (STYLE 12):

    429, 20429 (too many requests), 5xx, no connection   CarrierBusy: nothing is known to
                                                          have rung; tried again later
    401 (the credential was refused)                     the secret is read again
                                                          (store.carrier_secret.refresh:
                                                          a rotation) and the request
                                                          sent once more; then CarrierError
    404, 20404 (the call is over)                        Gone
    21210 (caller id not verified), 21215 (no geographic permission), 21211 / 13224
    (not a valid number), any other 4xx                  CarrierError, with the reason

`post_form` answers the HTTP status and the JSON unmapped (after the 401 re-read; no
connection is CarrierBusy still), for a caller whose refusals are results of their own:
a text refused for its recipient (chalicelib/messaging/twilio.py).
`Gone` is providers.errors' (re-exported here for its callers).

A 5xx on a create may hide a call that was placed: the dial is tried again all the same
(Twilio's 5xx are rare and the ring timeout bounds a duplicate); docs/twilio.md says so.
"""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import urllib3

from chalicelib import logs
from chalicelib.providers.errors import CarrierBusy, CarrierError, Gone

log = logging.getLogger(__name__)

CONNECT_SECONDS = 2.0
READ_SECONDS = 6.0
# Twilio error codes (twilio.com/docs/api/errors) and what they mean here.
TOO_MANY = 20429
UNAUTHORIZED = 401
NOT_FOUND = 20404
REASONS = {
    21210: "the caller id is not a number of the account or a verified caller id",
    21215: "the account has no geographic permission to call this number",
    21211: "not a valid phone number",
    13224: "not a valid phone number",
    21217: "not a valid phone number",
    13223: "not a valid phone number",
}


@dataclass
class Rest:
    base: str  # .../2010-04-01
    account_sid: str
    # HTTP Basic's (user, password): (API key SID, its secret) or (account SID, token).
    credentials: Callable[[], tuple[str, str]]
    http: Callable[[], Any] = field(default=lambda: _pool())
    # After a 401: the credential read again (None: nothing newer to try).
    refreshed_credentials: Callable[[], tuple[str, str]] | None = None

    def post(self, path: str, params: Iterable[tuple[str, str]]) -> dict:
        return self._request("POST", path, body=urlencode(list(params)))

    def post_form(self, path: str, params: Mapping[str, str]) -> tuple[int, dict[str, Any]]:
        """POST form parameters to the account's `path`: (HTTP status, JSON body), errors
        not mapped (the module's docstring)."""
        status, data, _ = self._exchange("POST", path, urlencode(list(params.items())))
        return status, _json(data)

    def get(self, path: str, query: Iterable[tuple[str, str]] = ()) -> dict:
        found = urlencode(list(query))
        return self._request("GET", path + (f"?{found}" if found else ""))

    def url(self, path: str) -> str:
        return f"{self.base}/Accounts/{self.account_sid}/{path}"

    def _request(self, method: str, path: str, body: str | None = None) -> dict:
        return _answer(*self._exchange(method, path, body))

    def _exchange(
        self, method: str, path: str, body: str | None = None
    ) -> tuple[int, bytes, str | None]:
        used = self.credentials()
        status, data, retry_after = self._send(method, path, body, used)
        if status == UNAUTHORIZED and self.refreshed_credentials is not None:
            newer = self.refreshed_credentials()
            if newer != used:
                log.info("the carrier refused the credential; sent again with the one re-read")
                status, data, retry_after = self._send(method, path, body, newer)
        return status, data, retry_after

    def _send(
        self, method: str, path: str, body: str | None, credentials: tuple[str, str]
    ) -> tuple[int, bytes, str | None]:
        user, password = credentials
        basic = base64.b64encode(f"{user}:{password}".encode()).decode()
        headers = {"Authorization": f"Basic {basic}", "Accept": "application/json"}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            response = self.http().request(method, self.url(path), body=body, headers=headers)
        except (urllib3.exceptions.ConnectTimeoutError, urllib3.exceptions.NewConnectionError) as e:
            raise CarrierBusy(f"no connection: {type(e).__name__}", retry_after=2.0) from None
        except urllib3.exceptions.HTTPError as e:
            raise CarrierError(f"request failed: {type(e).__name__}") from None
        return response.status, response.data, response.headers.get("Retry-After")


def _json(data: bytes) -> dict:
    try:
        found = json.loads(data or b"{}")
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


def _answer(status: int, data: bytes, retry_after: str | None = None) -> dict:
    found = _json(data)
    if status < 400:
        return found
    code = found.get("code")
    code = int(code) if isinstance(code, int | str) and str(code).isdigit() else None
    if status == 429 or code == TOO_MANY or status >= 500:
        wait = 1.0 if status == 429 else 2.0
        if retry_after and retry_after.isdigit():
            wait = float(retry_after)
        raise CarrierBusy(f"HTTP {status} {code or ''}".strip(), retry_after=wait)
    if status == 404 or code == NOT_FOUND:
        raise Gone(f"HTTP 404 {code or ''}".strip())
    # Twilio's own text quotes the numbers (it is logged): by its code, or masked.
    reason = REASONS.get(code or 0) or logs.mask_digits(str(found.get("message") or "refused"))
    raise CarrierError(f"HTTP {status} {code or ''}: {reason}")


def _pool() -> Any:
    global _POOL
    if _POOL is None:
        _POOL = urllib3.PoolManager(
            timeout=urllib3.Timeout(connect=CONNECT_SECONDS, read=READ_SECONDS),
            retries=False,
            maxsize=4,
        )
    return _POOL


_POOL: Any = None
