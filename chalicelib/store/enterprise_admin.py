"""The operator's view of enterprises (the web console's operator pages): every enterprise,
suspending and resuming one, a new secret.

A suspended enterprise (`active` false) opens no session: `enterprises.secret_of` reads it
as no enterprise, so GET /session and the console's sign-in answer 101, the reference's
"Unknown enterprise id". Sessions it opened before run out on their own (24 h at most).
"""

from __future__ import annotations

import secrets as random_source
from dataclasses import dataclass

from pynamodb.exceptions import UpdateError

from chalicelib.errors import Code, OcpError
from chalicelib.store import secrets
from chalicelib.store.models import Enterprise
from chalicelib.store.transactions import condition_failed

# Enterprises read for the operator's list: one Scan page of this table is small (a few
# hundred bytes an item); past this many the list says it stopped.
LISTED = 500


@dataclass(frozen=True)
class EnterpriseInfo:
    eid: int
    name: str
    active: bool
    created: int


def listed(limit: int = LISTED) -> list[EnterpriseInfo]:
    """Every enterprise (a Scan: operators only, a table of one item per customer), by id."""
    found = [
        EnterpriseInfo(int(e.eid), e.name, bool(e.active), int(e.created))
        for e in Enterprise.scan(
            limit=limit, attributes_to_get=["eid", "name", "active", "created"]
        )
    ]
    return sorted(found, key=lambda e: e.eid)


def set_active(eid: int, active: bool) -> None:
    """Suspend (False) or resume (True) an enterprise; 101 if there is none."""
    try:
        Enterprise(eid).update(
            actions=[Enterprise.active.set(active)], condition=Enterprise.eid.exists()
        )
    except UpdateError as e:
        if condition_failed(e):
            raise OcpError(Code.UNKNOWN_ENTERPRISE) from None
        raise


def new_secret(eid: int) -> str:
    """A new secret for the enterprise's sessions, returned once (stored only encrypted);
    the old one opens no session from now on. 101 if there is no such enterprise."""
    secret = random_source.token_hex(16)
    try:
        Enterprise(eid).update(
            actions=[Enterprise.secret.set(secrets.encrypt(eid, secret))],
            condition=Enterprise.eid.exists(),
        )
    except UpdateError as e:
        if condition_failed(e):
            raise OcpError(Code.UNKNOWN_ENTERPRISE) from None
        raise
    return secret
