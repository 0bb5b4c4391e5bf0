"""Alerts: what needs a human, per enterprise, newest first (GET /alerts, the console).

The rest of the code calls `raise_alert(eid, level, kind, message, **detail)` where
something went wrong that no retry will put right: a status callback whose delivery gave
up (its URL, the last status or error, the attempts), a carrier's error (its code and what
it means), a text refused (opted out, blocked), work that failed to start or fire,
throttling that lasted. An alert is one PutItem into the Alerts table, keyed by the
enterprise and `{unix time:010d}#{unique}`, so a page is one descending Query; it expires
after KEEP_DAYS (TTL). Raising an alert never fails its caller: a refused write is logged.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import secrets
from dataclasses import dataclass, field
from typing import Any

from pynamodb.models import Model

from chalicelib import clock
from chalicelib.domain.lists import (
    ALERT_KEEP_DAYS,
    ALERT_KINDS,
    ALERT_LEVELS,
    CALLBACK,
    CARRIER,
    DEFAULT_PAGE_SIZE,
    ERROR,
    TEXT,
    THROTTLE,
    WARNING,
    WORK,
)
from chalicelib.store import calls
from chalicelib.store.listing import (
    Page,
    bad_token,
    decode_token,
    descending,
    encode_token,
    query_page,
)
from chalicelib.store.models import Alert, Blast, Call, Conference

log = logging.getLogger(__name__)

# Re-exported for the callers of raise_alert.
__all__ = [
    "CALLBACK",
    "CARRIER",
    "ERROR",
    "TEXT",
    "THROTTLE",
    "WARNING",
    "WORK",
    "cause_of",
    "raise_alert",
    "raise_call_alert",
    "raise_work_alert",
]

MAX_DETAIL_CHARS = 500  # each detail value, as stored: a URL, an error's text
ALERTS = "alerts"
_POSITION = {"k": str}
_SORT_KEY = re.compile(r"\A\d{10}#[0-9a-f]{16}\Z")


@dataclass(frozen=True)
class AlertEntry:
    """One alert as GET /alerts prints it. `detail`: what it is about (url, status, error,
    attempts, code, meaning, callId, blastId, number...), each a string or an int."""

    alert_id: str
    at: int
    level: str
    kind: str
    message: str
    detail: dict[str, str | int] = field(default_factory=dict)


def raise_alert(
    eid: int, level: str, kind: str, message: str, *, at: int | None = None, **detail: Any
) -> str | None:
    """Keep an alert for the enterprise; its id, or None if it could not be written."""
    if level not in ALERT_LEVELS or kind not in ALERT_KINDS:
        raise ValueError(f"alert level {level!r} kind {kind!r}")
    when = clock.now() if at is None else at
    alert_id = f"{when:010d}#{secrets.token_hex(8)}"
    try:
        Alert(
            eid,
            alert_id,
            at=when,
            level=level,
            kind=kind,
            message=message[:MAX_DETAIL_CHARS],
            detail={k: _detail_value(v) for k, v in detail.items() if v is not None},
            expires=dt.datetime.fromtimestamp(when + ALERT_KEEP_DAYS * 86400, dt.UTC),
        ).save()
    except Exception:
        log.exception("alert for enterprise %s not kept: %s", eid, message)
        return None
    log.info("alert %s %s: %s", level, kind, message, extra={"fields": {"eid": eid}})
    return alert_id


def alerts_page(
    eid: int,
    *,
    level: str | None = None,
    after: int | None = None,
    page_size: int = DEFAULT_PAGE_SIZE,
    token: str | None = None,
) -> Page[AlertEntry]:
    """One page of the enterprise's alerts, newest first: of one level (None: both),
    raised at or after `after`."""
    start = None
    if token:
        key = decode_token(ALERTS, token, _POSITION)["k"]
        if not _SORT_KEY.match(key) or (after is not None and int(key[:10]) < after):
            raise bad_token(token)
        start = {"eid": {"N": str(eid)}, "at_id": {"S": key}}
    condition = None if after is None else Alert.at_id >= f"{after:010d}"
    kept, last, read = query_page(
        descending(Alert.query, eid, condition),
        page_size=page_size,
        start=start,
        keep=None if level is None else (lambda item: item.level == level),
    )
    next_token = None if last is None else encode_token(ALERTS, {"k": last.at_id})
    return Page(tuple(_entry(i) for i in kept), next_token, read)


def _entry(item: Alert) -> AlertEntry:
    detail = item.detail.as_dict() if item.detail is not None else {}
    return AlertEntry(
        alert_id=item.at_id,
        at=int(item.at),
        level=item.level,
        kind=item.kind,
        message=item.message,
        detail={str(k): _plain(v) for k, v in sorted(detail.items())},
    )


def _detail_value(value: Any) -> str | int:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    return str(value)[:MAX_DETAIL_CHARS]


def _plain(value: Any) -> str | int:
    if isinstance(value, str):
        return value
    try:
        return int(value)
    except (TypeError, ValueError):
        return str(value)


def cause_of(error: BaseException) -> str:
    """What an alert says of an exception: its kind and, for an AWS error, its code;
    never its message, which may name internal resources."""
    response = getattr(error, "response", None)
    code = response.get("Error", {}).get("Code") if isinstance(response, dict) else None
    return f"{type(error).__name__} {code}" if code else type(error).__name__


def raise_call_alert(call_id: int, level: str, kind: str, message: str, **detail: Any) -> None:
    """An alert about a Calls item, for its enterprise (read here: the dialer's messages
    carry no enterprise); nothing if the call is gone."""
    try:
        found = calls.find(call_id)
    except Exception:
        log.exception("alert about call %s not kept: %s", call_id, message)
        return
    if found is not None:
        raise_alert(int(found.eid), level, kind, message, callId=call_id, **detail)


# What a schedule fires (workflows/fire.py KINDS) -> the item whose enterprise it is.
_WORK_ITEMS: dict[str, type[Model]] = {
    "autoconference": Call,
    "conference": Conference,
    "blast": Blast,
    "smsreceipts": Blast,
}


def raise_work_alert(work: str, item_id: int, error: str) -> None:
    """Scheduled work (a blast, an autoconference, ...) failed to fire: an error alert for
    the enterprise of its item; logged only if the item is gone."""
    model = _WORK_ITEMS.get(work)
    try:
        item = model.get(item_id) if model is not None else None
    except Exception:
        item = None
    if item is None:
        log.error("%s %s failed to fire and has no item to alert about: %s", work, item_id, error)
        return
    raise_alert(
        int(item.eid),  # type: ignore[attr-defined]
        ERROR,
        WORK,
        f"scheduled {work} {item_id} failed to start",
        work=work,
        id=item_id,
        error=error,
    )
