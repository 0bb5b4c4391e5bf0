"""The operator's list of enterprises (the web console's operator pages). Suspending,
resuming and new secrets are store/enterprises.py's (`suspend`, `resume`, `rotate_secret`).
"""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.store.models import Enterprise

# Enterprises read for the operator's list: one Scan page of this table is small (a few
# hundred bytes an item); past this many the list stops.
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
