"""Sessions: stored by the sha256 of their id, expiring 24 h after creation, each under the
session epoch of its enterprise when it was made (store/enterprises: suspend and
rotate-secret bump the epoch, which ends the older sessions)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime

from pynamodb.exceptions import PutError

from chalicelib.store.models import Session
from chalicelib.store.transactions import condition_failed


@dataclass(frozen=True)
class StoredSession:
    eid: int
    expires: int
    epoch: int


def id_hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def save(session_id: str, eid: int, expires: int, epoch: int = 0) -> bool:
    """Store the session unless it is stored already (a sign-in header sent again derives
    the same id: its session keeps its first expiry). True if it was new."""
    item = Session(
        id_hash(session_id),
        eid=eid,
        expires=datetime.fromtimestamp(expires, tz=UTC),
        epoch=epoch,
    )
    try:
        item.save(condition=Session.id_hash.does_not_exist())
    except PutError as e:
        if condition_failed(e):
            return False
        raise
    return True


def lookup(session_id: str) -> StoredSession | None:
    """A stored session, or None. Callers check expiry: DynamoDB's TTL deletes expired
    items only eventually."""
    try:
        item = Session.get(id_hash(session_id))
    except Session.DoesNotExist:
        return None
    return StoredSession(int(item.eid), int(item.expires.timestamp()), int(item.epoch or 0))


def delete(session_id: str) -> None:
    """End a session (the console's sign-out); nothing if it is gone already."""
    Session(id_hash(session_id)).delete()
