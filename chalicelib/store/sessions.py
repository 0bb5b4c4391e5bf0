"""Sessions: stored by the sha256 of their id, expiring 24 h after creation."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from chalicelib.store.models import Session


def id_hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def save(session_id: str, eid: int, expires: int) -> None:
    Session(id_hash(session_id), eid=eid, expires=datetime.fromtimestamp(expires, tz=UTC)).save()


def lookup(session_id: str) -> tuple[int, int] | None:
    """(eid, expires) of a stored session, or None. Callers check expiry:
    DynamoDB's TTL deletes expired items only eventually."""
    try:
        item = Session.get(id_hash(session_id))
    except Session.DoesNotExist:
        return None
    return int(item.eid), int(item.expires.timestamp())


def delete(session_id: str) -> None:
    """End a session (the console's sign-out); nothing if it is gone already."""
    Session(id_hash(session_id)).delete()
