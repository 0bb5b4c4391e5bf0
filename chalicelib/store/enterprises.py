"""Enterprises: who may open sessions, and with which secret; and the secret their status
callbacks are signed with (chalicelib/events), rotated with the admin CLI.

What an operator (admin CLI, the console) changes of an enterprise:

    suspend(eid)              no sign-in (101), and its sessions end
    resume(eid)               sign-in again (the sessions ended stay ended)
    rotate_secret(eid) -> str a new login secret, returned once; its sessions end
    set_limits(eid, **changes) -> Limits   the operator's limits (domain/tenants.Limits)
    reset_limits(eid, *names) -> Limits    back to the documented defaults
    policy(eid) -> Policy | None           active, session epoch, limits (cached briefly)
"""

from __future__ import annotations

import json
import logging
import secrets as random_source
import threading
import time
from dataclasses import dataclass
from typing import Any

from pynamodb.expressions.update import Action

from chalicelib import clock, settings
from chalicelib.domain.tenants import SIGN_IN_WINDOW, Limits, Policy
from chalicelib.store import ids, quotas, secrets
from chalicelib.store.conditional import put_if, update_if
from chalicelib.store.models import Enterprise, Quota
from chalicelib.store.transactions import get_items

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
    found = sign_in_secret(eid)
    return None if found is None else found[0]


@dataclass(frozen=True)
class SignIn:
    """What a sign-in checks of an active enterprise: its policy, and its secret, decrypted
    only when asked for (after the cheaper checks)."""

    policy: Policy
    encrypted_secret: bytes
    failures: int = 0  # failed sign-ins in the current window (store/quotas.py)

    def secret(self) -> str:
        return secrets.decrypt(self.policy.eid, self.encrypted_secret)


def sign_in(eid: int, now: float | None = None) -> SignIn | None:
    """The sign-in of an active enterprise, else None: its item and its failed sign-ins in
    the current window, read consistently in one request (TransactGetItems)."""
    key, _ = quotas.sign_in_key(eid, SIGN_IN_WINDOW, clock.now() if now is None else now)
    item, counted = get_items([(Enterprise, eid), (Quota, key)])
    if item is None or not item.active:
        return None
    return SignIn(_policy(item), item.secret, int(counted.value) if counted is not None else 0)


def sign_in_secret(eid: int) -> tuple[str, int] | None:
    """(the decrypted secret, the session epoch) of an active enterprise, else None."""
    found = sign_in(eid)
    return None if found is None else (found.secret(), found.policy.epoch)


def _policy(item: Enterprise) -> Policy:
    return Policy(
        int(item.eid),
        active=bool(item.active),
        epoch=int(item.session_epoch or 0),
        limits=_limits(item),
    )


# -- what the API checks on each request, and what an operator changes --------------------

# Policies read, by eid: (the Policy or None, read at monotonic time). Kept for
# settings.tenant_cache_seconds: an operator's change reaches every container within it.
_policies: dict[int, tuple[Policy | None, float]] = {}
_policies_lock = threading.Lock()


def policy(eid: int) -> Policy | None:
    """The enterprise's policy (None: no such enterprise), read at most every
    settings.tenant_cache_seconds per process."""
    now = time.monotonic()
    with _policies_lock:
        cached = _policies.get(eid)
    if cached is not None and now - cached[1] < settings.get().tenant_cache_seconds:
        return cached[0]
    try:
        found: Policy | None = _policy(Enterprise.get(eid))
    except Enterprise.DoesNotExist:
        found = None
    with _policies_lock:
        if len(_policies) > 10_000:
            _policies.clear()
        _policies[eid] = (found, now)
    return found


def forget_cached_policies() -> None:
    """Tests, and an operator command in this process: read the policies again."""
    with _policies_lock:
        _policies.clear()


def _limits(item: Enterprise) -> Limits:
    try:
        return Limits.from_stored(json.loads(item.limits) if item.limits else None)
    except (ValueError, TypeError):
        log.error("enterprise %s: stored limits unreadable; the defaults apply", item.eid)
        return Limits()


def limits_of(eid: int) -> Limits:
    return _limits(_get(eid))


def set_limits(eid: int, **changes: Any) -> Limits:
    """The enterprise's limits with `changes` (names of domain/tenants.Limits; ValueError
    for a bad one), stored as the differences from the defaults."""
    while True:
        item = _get(eid)
        changed = _limits(item).with_changes(**changes)
        if _store_limits(item, changed):
            forget_cached_policies()
            return changed


def reset_limits(eid: int, *names: str) -> Limits:
    """Back to the documented default: the limits named, or every one."""
    while True:
        item = _get(eid)
        current = _limits(item)
        default = Limits()
        unknown = [n for n in names if not hasattr(default, n)]
        if unknown:
            raise ValueError(f"no limit named {unknown[0]!r}")
        changed = (
            current.with_changes(**{n: getattr(default, n) for n in names}) if names else default
        )
        if _store_limits(item, changed):
            forget_cached_policies()
            return changed


def _store_limits(item: Enterprise, limits: Limits) -> bool:
    stored = limits.to_stored()
    # Conditioned on what was read: two operators' changes at once both apply, in turn.
    was = (
        Enterprise.limits.does_not_exist()
        if item.limits is None
        else Enterprise.limits == item.limits
    )
    action = (
        Enterprise.limits.set(json.dumps(stored, sort_keys=True))
        if stored
        else Enterprise.limits.remove()
    )
    return update_if(Enterprise(item.eid), [action], Enterprise.eid.exists() & was)


def suspend(eid: int) -> None:
    """No sign-in from now on (101, as an unknown enterprise), and every session it has ends
    (within settings.tenant_cache_seconds in the containers that cached its policy)."""
    _get(eid)
    Enterprise(eid).update(
        actions=[Enterprise.active.set(False), Enterprise.session_epoch.add(1)],
        condition=Enterprise.eid.exists(),
    )
    forget_cached_policies()


def resume(eid: int) -> None:
    """Sign-in again; the sessions that ended with the suspension stay ended."""
    _get(eid)
    Enterprise(eid).update(actions=[Enterprise.active.set(True)], condition=Enterprise.eid.exists())
    forget_cached_policies()


def rotate_secret(eid: int) -> str:
    """A new login secret, returned once and stored only encrypted; every session made with
    the old one ends, and the old secret signs in no more."""
    _get(eid)
    made = random_source.token_hex(16)
    Enterprise(eid).update(
        actions=[
            Enterprise.secret.set(secrets.encrypt(eid, made)),
            Enterprise.session_epoch.add(1),
        ],
        condition=Enterprise.eid.exists(),
    )
    forget_cached_policies()
    return made


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
        "`python -m chalicelib.admin rotate-signing-secret --eid %s` gives the enterprise one",
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
