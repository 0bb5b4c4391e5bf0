"""Sessions (RULINGS "Authentication").

`GET /session` takes `Authorization: Basic {eid}:{gmttime}:{md5hex(gmttime + secret)}`;
every other route takes `Basic {eid}:{sessionId}`. The credential part may also be
base64-encoded, as HTTP clients send Basic credentials.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import re
import threading
from typing import TYPE_CHECKING

from chalicelib import clock, metrics, settings
from chalicelib.domain.tenants import SIGN_IN_WINDOW
from chalicelib.errors import BUSY, SESSION_INVALID, TOO_MANY_REQUESTS, Code, OcpError
from chalicelib.imports import on_first_use
from chalicelib.protocol import ratelimit

log = logging.getLogger(__name__)
# With PynamoDB, imported by the first request that needs them, not at cold start.
if TYPE_CHECKING:
    from chalicelib.store import enterprises, quotas, sessions
else:
    enterprises = on_first_use("chalicelib.store.enterprises")
    sessions = on_first_use("chalicelib.store.sessions")
    quotas = on_first_use("chalicelib.store.quotas")

_SESSION_ID = re.compile(r"^[0-9a-f]{64}$")
_NUMBER = re.compile(r"^[0-9]{1,18}$")
_DIGEST = re.compile(r"^[0-9a-f]{32}$")

# Validated sessions, by the hash of their id: (eid, valid until, epoch). An entry lives
# until the session expires or for at most settings.session_cache_seconds.
_cache: dict[str, tuple[int, int, int]] = {}
_cache_lock = threading.Lock()
_CACHE_LIMIT = 10_000


def credentials(header: str | None) -> list[str] | None:
    """The colon-separated parts of a Basic credential, plain or base64."""
    if not header:
        return None
    scheme, _, value = header.strip().partition(" ")
    if scheme.lower() != "basic" or not value.strip():
        return None
    value = value.strip()
    if ":" not in value:
        try:
            value = base64.b64decode(value, validate=True).decode("ascii")
        except ValueError:  # binascii.Error, a non-ASCII str or result (UnicodeError)
            return None
    return value.split(":")


def open_session(header: str | None, source: str | None = None) -> str:
    """Check the session request's credentials and return its session id.

    The id is derived from the header (an HMAC under the enterprise's secret of the
    header's time and digest, and of its session epoch): the same header, sent again in
    its 300 s, gets the session it already made and never mints another. A failure is
    logged with the enterprise, the code and `source` (the client's address) and counted
    (metrics.failed_sign_in); past the enterprise's limit of failed sign-ins in a window,
    sign-in is refused (116, 429) until the window ends, right or wrong digest alike.
    """
    eid: int | None = None
    try:
        parts = credentials(header)
        if parts is None or len(parts) != 3:
            raise OcpError(Code.BAD_CREDENTIALS)
        eid_text, time_text, given = parts
        if not _NUMBER.match(eid_text):
            raise OcpError(Code.UNKNOWN_ENTERPRISE)
        eid = int(eid_text)
        if not _NUMBER.match(time_text):
            raise OcpError(Code.BAD_TIMESTAMP)
        now = clock.now()
        if abs(now - int(time_text)) > settings.get().clock_skew_seconds:
            raise OcpError(Code.BAD_TIMESTAMP)
        try:
            found = enterprises.sign_in(eid, now)
        except Exception as e:  # DynamoDB failing: the reference's 114
            log.exception("authentication system failed")
            raise OcpError(Code.AUTH_SYSTEM_FAILED) from e
        if found is None:  # unknown, or suspended
            raise OcpError(Code.UNKNOWN_ENTERPRISE)
        window = SIGN_IN_WINDOW
        if found.failures >= found.policy.limits.sign_in_failures:
            raise OcpError(
                BUSY,
                status=TOO_MANY_REQUESTS,
                retry_after=max(1, window - now % window),
            )
        digest = given.strip().lower()
        # A digest that is not 32 hex characters (non-ASCII ones included) is simply wrong:
        # hmac.compare_digest would raise on a non-ASCII str.
        if not _DIGEST.match(digest):
            raise _failed(eid, window, now)
        try:
            secret = found.secret()
        except Exception as e:  # KMS failing: the reference's 114
            log.exception("authentication system failed")
            raise OcpError(Code.AUTH_SYSTEM_FAILED) from e
        expected = hashlib.md5((time_text + secret).encode()).hexdigest()
        if not hmac.compare_digest(expected, digest):
            raise _failed(eid, window, now)
        session_id = hmac.new(
            secret.encode(),
            f"ocp-session:{eid}:{time_text}:{digest}:{found.policy.epoch}".encode(),
            hashlib.sha256,
        ).hexdigest()
        sessions.save(session_id, eid, now + settings.get().session_ttl_seconds, found.policy.epoch)
        return session_id
    except OcpError as e:
        _log_failure(eid, e, source)
        raise


def _failed(eid: int, window: int, now: int) -> OcpError:
    """A wrong digest: counted in the enterprise's window of failed sign-ins."""
    try:
        quotas.failed_sign_in(eid, window, now)
    except Exception:
        log.warning("failed sign-in of enterprise %s not counted", eid, exc_info=True)
    return OcpError(Code.BAD_CREDENTIALS)


def _log_failure(eid: int | None, error: OcpError, source: str | None) -> None:
    if error.status >= 500:
        return  # logged with its cause above
    log.warning(
        "sign-in refused",
        extra={"fields": {"eid": eid, "code": error.code, "source": source}},
    )
    metrics.failed_sign_in(error.code, eid)


def sign_in(eid_text: str, secret: str) -> tuple[int, str]:
    """(eid, a new session id) for an enterprise id and secret typed into the web console:
    checked as GET /session checks its credentials (the same errors), signed here."""
    now = str(clock.now())
    digest = hashlib.md5((now + secret).encode()).hexdigest()
    session_id = open_session(f"Basic {eid_text.strip()}:{now}:{digest}")
    return int(eid_text), session_id


def close_session(session_id: str) -> None:
    """End a session: the web console's sign-out (this process forgets it at once; other
    warm ones within settings.session_cache_seconds)."""
    if not _SESSION_ID.match(session_id):
        return
    key = sessions.id_hash(session_id)
    sessions.delete(session_id)
    with _cache_lock:
        _cache.pop(key, None)


def enterprise_of(header: str | None) -> int:
    """The enterprise of a valid session, else a 401 OcpError; past the enterprise's
    request rate, 116 (429, protocol/ratelimit.py). A session is valid while unexpired and
    made under the enterprise's current session epoch (suspend and rotate-secret end the
    older ones), the enterprise being active."""
    parts = credentials(header)
    if parts is None or len(parts) != 2 or not _NUMBER.match(parts[0]):
        raise OcpError(SESSION_INVALID)
    eid, session_id = int(parts[0]), parts[1].strip().lower()
    if not _SESSION_ID.match(session_id):
        raise OcpError(SESSION_INVALID)
    key = sessions.id_hash(session_id)
    now = clock.now()
    with _cache_lock:
        cached = _cache.get(key)
    if cached is None or cached[1] <= now:
        found = sessions.lookup(session_id)
        if found is None or found.expires <= now:
            raise OcpError(SESSION_INVALID)
        cached = (
            found.eid,
            min(found.expires, now + settings.get().session_cache_seconds),
            found.epoch,
        )
        with _cache_lock:
            if len(_cache) >= _CACHE_LIMIT:
                for stale in [k for k, (_, until, _e) in _cache.items() if until <= now]:
                    del _cache[stale]
            _cache[key] = cached
    if not hmac.compare_digest(str(cached[0]), str(eid)):
        raise OcpError(SESSION_INVALID)
    policy = enterprises.policy(eid)
    if policy is None or not policy.active or policy.epoch != cached[2]:
        raise OcpError(SESSION_INVALID)
    ratelimit.admit(eid, policy.limits)
    return eid


def forget_cached_sessions() -> None:
    """Tests: start from an empty cache."""
    with _cache_lock:
        _cache.clear()
    enterprises.forget_cached_policies()
    ratelimit.forget()
