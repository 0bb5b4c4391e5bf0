"""Enterprises: who may open sessions, and with which secret; and the secret their status
callbacks are signed with (chalicelib/events), rotated with the admin CLI."""

from __future__ import annotations

import logging
import secrets as random_source
from dataclasses import dataclass

from pynamodb.expressions.update import Action

from chalicelib import clock
from chalicelib.store import ids, secrets
from chalicelib.store.conditional import put_if, update_if
from chalicelib.store.models import Enterprise

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class NewEnterprise:
    eid: int
    name: str
    secret: str
    signing_secret: str


def new_signing_secret() -> str:
    return "whsec_" + random_source.token_hex(24)


def create(
    name: str, secret: str | None = None, eid: int | None = None, signing_secret: str | None = None
) -> NewEnterprise:
    """Create an enterprise; the secret and the signing secret of its status callbacks are
    returned once and stored only encrypted.

    `eid` is given only by the local bootstrap (enterprise 1), which replaces an
    existing one so that `make run` can run again. Otherwise the next free id is
    taken: an id already used (say, by the bootstrap) is skipped, never overwritten.
    """
    secret = secret or random_source.token_hex(16)
    signing_secret = signing_secret or new_signing_secret()
    if eid is not None:
        _item(eid, name, secret, signing_secret).save()
        return NewEnterprise(eid, name, secret, signing_secret)
    while True:
        eid = ids.next_id("enterprise")
        if put_if(_item(eid, name, secret, signing_secret), Enterprise.eid.does_not_exist()):
            return NewEnterprise(eid, name, secret, signing_secret)


def _item(eid: int, name: str, secret: str, signing_secret: str) -> Enterprise:
    return Enterprise(
        eid,
        name=name,
        secret=secrets.encrypt(eid, secret),
        signing_secret=secrets.encrypt(eid, signing_secret, secrets.SIGNING),
        active=True,
        created=clock.now(),
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


# -- the signing secret of status callbacks ----------------------------------------------


class NoSuchEnterprise(LookupError):
    pass


def signing_secrets(eid: int) -> list[str]:
    """The secrets events are signed with, newest first: two during a rotation. An
    enterprise made before status callbacks existed gets one now (the operator learns it
    with `rotate-signing-secret`); an unknown enterprise is NoSuchEnterprise."""
    try:
        item = Enterprise.get(eid, consistent_read=True)
    except Enterprise.DoesNotExist:
        raise NoSuchEnterprise(eid) from None
    if item.signing_secret is None:
        return [_first_signing_secret(eid)]
    found = [item.signing_secret, item.previous_signing_secret]
    return [secrets.decrypt(eid, blob, secrets.SIGNING) for blob in found if blob is not None]


def _first_signing_secret(eid: int) -> str:
    made = new_signing_secret()
    if not update_if(
        Enterprise(eid),
        [Enterprise.signing_secret.set(secrets.encrypt(eid, made, secrets.SIGNING))],
        Enterprise.eid.exists() & Enterprise.signing_secret.does_not_exist(),
    ):
        return signing_secrets(eid)[0]  # made by a delivery running at the same moment
    log.warning(
        "enterprise %s had no signing secret: one was made; "
        "`python -m local.admin rotate-signing-secret --eid %s` gives the enterprise one",
        eid,
        eid,
    )
    return made


def rotate_signing_secret(eid: int) -> str:
    """A new signing secret, returned once; the current one stays valid beside it until
    `finish_signing_rotation` (events carry both signatures meanwhile)."""
    item = _get(eid)
    made = new_signing_secret()
    actions: list[Action] = [
        Enterprise.signing_secret.set(secrets.encrypt(eid, made, secrets.SIGNING))
    ]
    if item.signing_secret is not None:
        actions.append(Enterprise.previous_signing_secret.set(item.signing_secret))
    # Conditioned on the secret read: two rotations at once cannot both keep one old secret.
    current = (
        Enterprise.signing_secret.does_not_exist()
        if item.signing_secret is None
        else Enterprise.signing_secret == item.signing_secret
    )
    Enterprise(eid).update(actions=actions, condition=Enterprise.eid.exists() & current)
    return made


def finish_signing_rotation(eid: int) -> bool:
    """Only the newest signing secret is valid from now on; False if there was no other."""
    item = _get(eid)
    if item.previous_signing_secret is None:
        return False
    Enterprise(eid).update(
        actions=[Enterprise.previous_signing_secret.remove()], condition=Enterprise.eid.exists()
    )
    return True


def _get(eid: int) -> Enterprise:
    try:
        return Enterprise.get(eid, consistent_read=True)
    except Enterprise.DoesNotExist:
        raise NoSuchEnterprise(eid) from None
