"""Enterprises: who may open sessions, and with which secret."""

from __future__ import annotations

import secrets as random_source
from dataclasses import dataclass

from pynamodb.exceptions import PutError

from chalicelib import clock
from chalicelib.store import ids, secrets
from chalicelib.store.models import Enterprise
from chalicelib.store.transactions import condition_failed


@dataclass(frozen=True)
class NewEnterprise:
    eid: int
    name: str
    secret: str


def create(name: str, secret: str | None = None, eid: int | None = None) -> NewEnterprise:
    """Create an enterprise; the secret is returned once and stored only encrypted.

    `eid` is given only by the local bootstrap (enterprise 1), which replaces an
    existing one so that `make run` can run again. Otherwise the next free id is
    taken: an id already used (say, by the bootstrap) is skipped, never overwritten.
    """
    secret = secret or random_source.token_hex(16)
    if eid is not None:
        _item(eid, name, secret).save()
        return NewEnterprise(eid, name, secret)
    while True:
        eid = ids.next_id("enterprise")
        try:
            _item(eid, name, secret).save(condition=Enterprise.eid.does_not_exist())
            return NewEnterprise(eid, name, secret)
        except PutError as e:
            if not condition_failed(e):
                raise


def _item(eid: int, name: str, secret: str) -> Enterprise:
    return Enterprise(
        eid, name=name, secret=secrets.encrypt(eid, secret), active=True, created=clock.now()
    )


def secret_of(eid: int) -> str | None:
    """The decrypted secret of an active enterprise, or None if there is none."""
    try:
        item = Enterprise.get(eid)
    except Enterprise.DoesNotExist:
        return None
    if not item.active:
        return None
    return secrets.decrypt(eid, item.secret)
