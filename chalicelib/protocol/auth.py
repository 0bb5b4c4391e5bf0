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
import secrets
import threading
from typing import TYPE_CHECKING

from chalicelib import clock, settings
from chalicelib.errors import SESSION_INVALID, Code, OcpError
from chalicelib.imports import on_first_use

log = logging.getLogger(__name__)
# With PynamoDB, imported by the first request that needs them, not at cold start.
if TYPE_CHECKING:
    from chalicelib.store import enterprises, sessions
else:
    enterprises = on_first_use("chalicelib.store.enterprises")
    sessions = on_first_use("chalicelib.store.sessions")

_SESSION_ID = re.compile(r"^[0-9a-f]{64}$")
_NUMBER = re.compile(r"^[0-9]{1,18}$")

# Validated sessions, by the hash of their id: (eid, valid until). An entry lives
# until the session expires or for at most settings.session_cache_seconds.
_cache: dict[str, tuple[int, int]] = {}
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


def open_session(header: str | None) -> str:
    """Check the session request's credentials and return a new session id."""
    parts = credentials(header)
    if parts is None or len(parts) != 3:
        raise OcpError(Code.BAD_CREDENTIALS)
    eid_text, time_text, digest = parts
    if not _NUMBER.match(eid_text):
        raise OcpError(Code.UNKNOWN_ENTERPRISE)
    if not _NUMBER.match(time_text):
        raise OcpError(Code.BAD_TIMESTAMP)
    now = clock.now()
    if abs(now - int(time_text)) > settings.get().clock_skew_seconds:
        raise OcpError(Code.BAD_TIMESTAMP)
    eid = int(eid_text)
    try:
        secret = enterprises.secret_of(eid)
    except Exception as e:  # KMS or DynamoDB failing: the reference's 114
        log.exception("authentication system failed")
        raise OcpError(Code.AUTH_SYSTEM_FAILED) from e
    if secret is None:
        raise OcpError(Code.UNKNOWN_ENTERPRISE)
    expected = hashlib.md5((time_text + secret).encode()).hexdigest()
    if not hmac.compare_digest(expected, digest.strip().lower()):
        raise OcpError(Code.BAD_CREDENTIALS)
    session_id = secrets.token_hex(32)
    sessions.save(session_id, eid, now + settings.get().session_ttl_seconds)
    return session_id


def enterprise_of(header: str | None) -> int:
    """The enterprise of a valid session, else a 401 OcpError."""
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
        if found is None or found[1] <= now:
            raise OcpError(SESSION_INVALID)
        cached = (found[0], min(found[1], now + settings.get().session_cache_seconds))
        with _cache_lock:
            if len(_cache) >= _CACHE_LIMIT:
                for stale in [k for k, (_, until) in _cache.items() if until <= now]:
                    del _cache[stale]
            _cache[key] = cached
    if not hmac.compare_digest(str(cached[0]), str(eid)):
        raise OcpError(SESSION_INVALID)
    return eid


def forget_cached_sessions() -> None:
    """Tests: start from an empty cache."""
    with _cache_lock:
        _cache.clear()
