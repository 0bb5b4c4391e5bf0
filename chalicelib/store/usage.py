"""Usage per enterprise per day and per user per day (GET /usage, the console), counted
from the committed changes (STYLE 14), and each blast's recipients by outcome (GET
/blasts).

A text refused (opted out, blocked) raises an alert (store/alerts.py) the first time
its recipient's end is counted.

What is counted, from a Calls or Conferences stream record (events/stream.py hands every
record to `count_change`):

- a call, autoconference, conference leg or voice blast recipient that ends (complete or
  failed): one call, and its billed minutes (each call's rounded up to the next tenth, as
  the reference's `<mou>`), except a conference leg's, whose conference is billed to its
  moderator when it closes, as mouused is;
- an SMS blast recipient that ends: the texts handed to the provider, and their segments
  (the blast's text's, domain/segments.py);
- a conference that closes: its minutes, to its moderator;
- a blast recipient that ends, on its blast: one more of its outcome (Success, Busy, ...).

Each change is counted in one transaction with a mark (`seen#{what}#{id}`, expiring after
MARK_DAYS, longer than a stream keeps a record), so that a record read twice counts once.
Text-to-speech characters are added where Polly is asked (`add_speech`): a plain ADD.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from dataclasses import dataclass, replace
from decimal import Decimal
from functools import lru_cache, partial
from typing import Any

from pynamodb.exceptions import DoesNotExist, TransactWriteError
from pynamodb.expressions.update import Action

from chalicelib import clock, settings
from chalicelib.domain import prices, segments
from chalicelib.domain.lists import MAX_USAGE_DAYS
from chalicelib.domain.prices import Estimate, Prices
from chalicelib.errors import Code, OcpError
from chalicelib.store import alerts
from chalicelib.store.calls import COMPLETE, FAILED, LIVE_STATES
from chalicelib.store.changes import CALLS, CONFERENCES, table_of
from chalicelib.store.models import Blast, Call, Conference, Usage, transaction
from chalicelib.store.transactions import condition_failed, failed_condition, retrying

log = logging.getLogger(__name__)

MARK_DAYS = 3
# The most per-user items (a user's day) one report reads: past it, 902 on the range.
MAX_USER_DAYS = 50_000
DAY, USER = "day", "user"
_ZERO = Decimal("0.0")
_CONFERENCE_LEG = "conference"
_TEXTS = "blastsms"


@dataclass(frozen=True)
class Delta:
    """What one committed change adds: to the enterprise's day, its user's day and, for a
    blast recipient, its blast's outcomes. `mark` names the change once ("call#17")."""

    mark: str
    eid: int
    user_id: int
    day: str  # YYYY-MM-DD, UTC
    calls: int = 0
    mou: Decimal = _ZERO
    texts: int = 0
    segments: int = 0
    blast_id: int | None = None
    outcome: str | None = None
    call_id: int | None = None
    refused: tuple[tuple[str, str], ...] = ()  # texts refused: (number, reason)


# A text's refusals that need a human (messaging/port.py names them): an alert each.
REFUSALS = {
    "optedOut": "the recipient opted out (replied STOP)",
    "blocked": "a carrier or the provider blocked it",
    "rejected": "the provider refused it",
    "invalid": "not a number that takes texts",
}


@dataclass(frozen=True)
class UsageRow:
    """One line of GET /usage: a day (`day` set) or a user (`user_id` set)."""

    day: str | None
    user_id: int | None
    calls: int = 0
    mou: Decimal = _ZERO
    texts: int = 0
    segments: int = 0
    tts_characters: int = 0

    def estimate(self, table: Prices | None = None) -> Estimate:
        return prices.estimate(
            table or price_table(),
            calls=self.calls,
            mou=self.mou,
            texts=self.texts,
            segments=self.segments,
            tts_characters=self.tts_characters,
        )


def day_of(at: int) -> str:
    return dt.datetime.fromtimestamp(at, dt.UTC).date().isoformat()


@lru_cache(maxsize=1)
def price_table() -> Prices:
    return prices.parse(settings.get().usage_prices)


# -- counting ---------------------------------------------------------------------------


def count_change(record: dict[str, Any]) -> bool:
    """Count what a stream record's change billed, once; False if it billed nothing or
    was counted before."""
    delta = delta_of(record)
    if delta is None or not record_delta(delta):
        return False
    for number, reason in delta.refused:
        alerts.raise_alert(
            delta.eid,
            alerts.WARNING,
            alerts.TEXT,
            f"text refused: {REFUSALS[reason]}",
            number=number,
            reason=reason,
            callId=delta.call_id,
            blastId=delta.blast_id,
        )
    return True


def delta_of(record: dict[str, Any]) -> Delta | None:
    table = table_of(str(record.get("eventSourceARN", "")))
    images = record.get("dynamodb", {})
    old, new = images.get("OldImage"), images.get("NewImage")
    if new is None or table not in (CALLS, CONFERENCES):
        return None
    if table == CALLS:
        return _of_call(old, new)
    return _of_conference(old, new)


def _state(raw: dict[str, Any] | None) -> str | None:
    return None if raw is None else raw.get("state", {}).get("S")


def _of_call(old: dict[str, Any] | None, new: dict[str, Any]) -> Delta | None:
    state = _state(new) or ""
    ended = state in (COMPLETE, FAILED) or state == "cancelled"
    if not ended or (old is not None and _state(old) not in LIVE_STATES):
        return None
    item = Call.from_raw_data(new)
    request = item.request.as_dict() if item.request is not None else {}
    blast_id = int(request["blastId"]) if "blastId" in request else None
    at = int(item.time_completed or item.time_scheduled)
    outcome = None
    if blast_id is not None:
        last = (item.attempts or [])[-1:] or None
        outcome = "Success" if item.success else (last[0].result if last else state.title())
    calls = texts = segment_count = 0
    mou = _ZERO
    refused: tuple[tuple[str, str], ...] = ()
    if state != "cancelled":
        if item.kind == _TEXTS:
            refused = tuple(
                (a.number, str(a.reason)) for a in item.attempts or () if a.reason in REFUSALS
            )
            texts = sum(1 for a in item.attempts or () if a.message_id)
            segment_count = texts * _segments_of(blast_id) if blast_id is not None else 0
        else:
            calls = 1
            if item.kind != _CONFERENCE_LEG and item.mou is not None:
                mou = item.mou
    return Delta(
        mark=f"call#{int(item.call_id)}",
        eid=int(item.eid),
        user_id=int(item.user_id),
        day=day_of(at),
        calls=calls,
        mou=mou,
        texts=texts,
        segments=segment_count,
        blast_id=blast_id,
        outcome=outcome,
        call_id=int(item.call_id),
        refused=refused,
    )


def _of_conference(old: dict[str, Any] | None, new: dict[str, Any]) -> Delta | None:
    if "closed" not in new or (old is not None and "closed" in old):
        return None
    item = Conference.from_raw_data(new)
    return Delta(
        mark=f"conference#{int(item.conference_id)}",
        eid=int(item.eid),
        user_id=int(item.moderator),
        day=day_of(int(item.closed or item.started)),
        mou=item.mou if item.mou is not None else _ZERO,
    )


@lru_cache(maxsize=256)
def _segments_of(blast_id: int) -> int:
    """Segments of the blast's text (a blast's text never changes once it has fired)."""
    try:
        blast = Blast.get(blast_id, attributes_to_get=["text"])
    except DoesNotExist:
        return 1
    return segments.count(blast.text or "").count or 1


def record_delta(delta: Delta) -> bool:
    """Add the delta once (its mark's condition); False if it was counted before."""
    counts = _counts(delta)
    if not counts and delta.outcome is None:
        return False
    for attempt in range(2):
        try:
            retrying(partial(_write, delta, counts))
            return True
        except TransactWriteError as e:
            if failed_condition(e, 0):
                return False  # counted before
            if attempt == 0 and delta.blast_id is not None and condition_failed(e):
                # A blast made before it had its outcomes (or one gone): make them, once.
                if not _give_outcomes(delta.blast_id):
                    delta = replace(delta, blast_id=None, outcome=None)
                continue
            raise
    return False


def _counts(delta: Delta) -> dict[str, int | Decimal]:
    found: dict[str, int | Decimal] = {
        "calls": delta.calls,
        "mou": delta.mou,
        "texts": delta.texts,
        "segments": delta.segments,
    }
    return {k: v for k, v in found.items() if v}


def _adds(counts: dict[str, int | Decimal]) -> list[Action]:
    return [getattr(Usage, name).add(value) for name, value in counts.items()]


def _write(delta: Delta, counts: dict[str, int | Decimal]) -> None:
    with transaction() as tx:
        tx.save(
            Usage(
                delta.eid,
                f"seen#{delta.mark}",
                expires=dt.datetime.fromtimestamp(clock.now() + MARK_DAYS * 86400, dt.UTC),
            ),
            condition=Usage.bucket.does_not_exist(),
        )
        if counts:
            tx.update(
                Usage(delta.eid, f"day#{delta.day}"),
                actions=[*_adds(counts), Usage.day.set(delta.day)],
            )
            tx.update(
                Usage(delta.eid, _user_bucket(delta.user_id, delta.day)),
                actions=[*_adds(counts), *_user_keys(delta.user_id, delta.day)],
            )
        if delta.blast_id is not None and delta.outcome is not None:
            slot: Any = Blast.outcomes[delta.outcome]
            tx.update(
                Blast(delta.blast_id),
                actions=[slot.set((slot | 0) + 1)],
                condition=Blast.blast_id.exists() & Blast.outcomes.exists(),
            )


def _give_outcomes(blast_id: int) -> bool:
    try:
        Blast(blast_id).update(
            actions=[Blast.outcomes.set(Blast.outcomes | {})],
            condition=Blast.blast_id.exists(),
        )
    except Exception as e:
        if condition_failed(e):
            return False
        raise
    return True


def _user_bucket(user_id: int, day: str) -> str:
    return f"user#{user_id}#{day}"


def _user_keys(user_id: int, day: str) -> list[Action]:
    return [
        Usage.day.set(day),
        Usage.user_id.set(user_id),
        Usage.user_day.set(f"{day}#{user_id:019d}"),
    ]


def add_speech(eid: int, user_id: int, characters: int, at: int | None = None) -> None:
    """Text-to-speech characters Polly was asked for (ttspreview, a blast's text): one
    TransactWriteItems, after the speech was made (not derived from a committed change:
    nothing is stored but the audio)."""
    if characters <= 0:
        return
    day = day_of(clock.now() if at is None else at)
    try:
        with transaction() as tx:  # one request for the two items
            tx.update(
                Usage(eid, f"day#{day}"),
                actions=[Usage.tts_characters.add(characters), Usage.day.set(day)],
            )
            tx.update(
                Usage(eid, _user_bucket(user_id, day)),
                actions=[Usage.tts_characters.add(characters), *_user_keys(user_id, day)],
            )
    except Exception:
        # Counting must not fail what was asked (the speech is made and paid for).
        log.exception("text-to-speech usage of enterprise %s not counted", eid)


# -- reading ------------------------------------------------------------------------------


def check_range(start: dt.date, end: dt.date, *, names: tuple[str, str] = ("from", "to")) -> None:
    if end < start:
        raise OcpError(Code.INVALID_VALUE, name=names[1], value=end.isoformat())
    if (end - start).days + 1 > MAX_USAGE_DAYS:
        raise OcpError(
            Code.INVALID_VALUE,
            name=names[1],
            value=f"{end.isoformat()}: more than {MAX_USAGE_DAYS} days",
        )


def usage_report(
    eid: int, start: dt.date, end: dt.date, group_by: str = DAY, user_id: int | None = None
) -> list[UsageRow]:
    """GET /usage: rows per day (each day with usage, oldest first) or per user (most
    minutes first) from `start` to `end`, both included; of one user if `user_id`."""
    check_range(start, end)
    low, high = start.isoformat(), end.isoformat()
    if user_id is not None:
        items = Usage.query(
            eid, Usage.bucket.between(_user_bucket(user_id, low), _user_bucket(user_id, high))
        )
    elif group_by == DAY:
        items = Usage.query(eid, Usage.bucket.between(f"day#{low}", f"day#{high}"))
    else:
        items = Usage.by_user_day.query(eid, Usage.user_day.between(f"{low}#", f"{high}#~"))
    rows: dict[Any, dict[str, Any]] = defaultdict(dict)
    for n, item in enumerate(items):
        if n >= MAX_USER_DAYS:
            raise OcpError(
                Code.INVALID_VALUE, name="to", value=f"{high}: too many users' days; narrow it"
            )
        key = item.day if group_by == DAY else int(item.user_id or 0)
        row = rows[key]
        for name in ("calls", "texts", "segments", "tts_characters"):
            row[name] = row.get(name, 0) + int(getattr(item, name) or 0)
        row["mou"] = row.get("mou", _ZERO) + (item.mou or _ZERO)
    if group_by == DAY:
        return [UsageRow(day=k, user_id=user_id, **v) for k, v in sorted(rows.items())]
    found = [UsageRow(day=None, user_id=k, **v) for k, v in rows.items()]
    return sorted(found, key=lambda r: (-r.mou, -r.calls, -r.texts, r.user_id or 0))


def total(rows: list[UsageRow]) -> UsageRow:
    return UsageRow(
        day=None,
        user_id=None,
        calls=sum(r.calls for r in rows),
        mou=sum((r.mou for r in rows), _ZERO),
        texts=sum(r.texts for r in rows),
        segments=sum(r.segments for r in rows),
        tts_characters=sum(r.tts_characters for r in rows),
    )
