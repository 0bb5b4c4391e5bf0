"""An enterprise's do-not-call list, its operator settings and the daily frequency counts
(issue 27), on the Compliance table (store/models.Compliance: one partition per
enterprise, so that the list is one Query with an opaque page token, never a Scan).

    add(eid, numbers, source, at)      put numbers on the list (api, sms, voice); kept
                                       once, with the first source and time
    get(eid, e164) / remove(eid, e164) one entry (None / False when it is not there)
    page(eid, limit, token)            a page of the list by number, and the next token
    listed(eid, numbers)               which of these numbers are on it (BatchGetItem)
    rules(eid) / set_rules(eid, ...)   the operator's settings (EnterpriseRules)
    take(eid, e164, day, cap, callId)  count a blast recipient against its number's day,
                                       if the day has room: True
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from pynamodb.exceptions import DeleteError, PutError, UpdateError
from pynamodb.expressions.condition import size

from chalicelib.domain.calling_hours import CallingWindow
from chalicelib.domain.compliance import EnterpriseRules
from chalicelib.errors import Code, OcpError
from chalicelib.store.models import Compliance
from chalicelib.store.transactions import condition_failed

DNC = "dnc#"
SETTINGS = "settings"
SOURCES = ("api", "sms", "voice")
# A day's count outlives the day by this much (the recipient's date, any zone).
_COUNT_SECONDS = 2 * 86400
_BATCH_GET = 100


@dataclass(frozen=True)
class Entry:
    number: str  # E.164
    source: str
    added: int


def _key(e164: str) -> str:
    return DNC + e164


def _entry(item: Compliance) -> Entry:
    return Entry(item.key[len(DNC) :], item.source or "api", int(item.added or 0))


def add(eid: int, numbers: Iterable[str], source: str, at: int) -> list[Entry]:
    """Put each number on the list; one already there keeps its first source and time.
    The entries as they stand."""
    out = []
    for e164 in dict.fromkeys(numbers):
        item = Compliance(eid, _key(e164), source=source, added=at)
        try:
            item.save(condition=Compliance.key.does_not_exist())
            out.append(Entry(e164, source, at))
        except PutError as e:
            if not condition_failed(e):
                raise
            found = get(eid, e164)
            out.append(found or Entry(e164, source, at))
    return out


def get(eid: int, e164: str) -> Entry | None:
    try:
        return _entry(Compliance.get(eid, _key(e164), consistent_read=True))
    except Compliance.DoesNotExist:
        return None


def remove(eid: int, e164: str) -> bool:
    """Take the number off the list; False if it was not on it."""
    try:
        Compliance(eid, _key(e164)).delete(condition=Compliance.key.exists())
    except DeleteError as e:
        if condition_failed(e):
            return False
        raise
    return True


def page(eid: int, limit: int, token: str | None) -> tuple[list[Entry], str | None]:
    """A page of the list in number order: one Query on the enterprise's partition."""
    start = _decode(eid, token) if token else None
    result = Compliance.query(
        eid,
        Compliance.key.startswith(DNC),
        limit=limit,
        last_evaluated_key=start,
        consistent_read=True,
    )
    entries = [_entry(i) for i in result]
    last = result.last_evaluated_key
    return entries, _encode(last) if last else None


def _encode(last: dict[str, Any]) -> str:
    raw = json.dumps({"e": last["eid"]["N"], "k": last["key"]["S"]}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode(eid: int, token: str) -> dict[str, Any]:
    try:
        data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        if int(data["e"]) != eid or not str(data["k"]).startswith(DNC):
            raise ValueError(token)
        return {"eid": {"N": str(eid)}, "key": {"S": str(data["k"])}}
    except (ValueError, KeyError, TypeError):
        raise OcpError(Code.INVALID_VALUE, name="pageToken", value=token) from None


def listed(eid: int, numbers: Iterable[str]) -> set[str]:
    """Which of the numbers are on the list: BatchGetItem, 100 keys a request."""
    wanted = list(dict.fromkeys(numbers))
    found: set[str] = set()
    for i in range(0, len(wanted), _BATCH_GET):
        keys = [(eid, _key(n)) for n in wanted[i : i + _BATCH_GET]]
        found |= {item.key[len(DNC) :] for item in Compliance.batch_get(keys)}
    return found


def rules(eid: int) -> EnterpriseRules:
    try:
        item = Compliance.get(eid, SETTINGS)
    except Compliance.DoesNotExist:
        return EnterpriseRules()
    return EnterpriseRules(
        CallingWindow.parse(item.window) if item.window else None,
        item.zone or EnterpriseRules().zone,
        None if item.daily_cap is None else int(item.daily_cap),
    )


def set_rules(eid: int, settings: EnterpriseRules) -> None:
    Compliance(
        eid,
        SETTINGS,
        window=None if settings.window is None else str(settings.window),
        zone=settings.zone,
        daily_cap=settings.daily_cap,
    ).save()


def take(eid: int, e164: str, day: date, cap: int, call_id: int, at: int) -> bool:
    """Count blast recipient `call_id` against the number's day, if fewer than `cap`
    others are: True if it is (or already was) counted. Idempotent per recipient, so a
    redelivered batch counts nobody twice."""
    item = Compliance(eid, f"cap#{e164}#{day.isoformat()}")
    try:
        item.update(
            actions=[
                Compliance.ids.add({call_id}),
                Compliance.expires.set(datetime.fromtimestamp(at + _COUNT_SECONDS, UTC)),
            ],
            condition=Compliance.ids.does_not_exist()
            | Compliance.ids.contains(call_id)
            | (size(Compliance.ids) < cap),
        )
    except UpdateError as e:
        if condition_failed(e):
            return False
        raise
    return True
