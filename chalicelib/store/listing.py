"""Pages of one enterprise's calls and blasts, newest first (GET /calls, GET /blasts and
the console; STYLE 18 "Every list is a key condition").

A page is a Query on the enterprise's index (Calls `eid-timeScheduled`, Blasts
`eid-blastTime`), descending, with `after`/`before` as the range key condition. An
unfiltered page is one Query of `page_size + 1` items (the one more tells whether there is
a next page, so the last page has no token). A filter outside the key (kind, state,
userId, number) is applied to the items read, and a page stops after MAX_READ items read
however few matched: it then has a next page token even if it holds fewer items than
asked, or none.

The page token is opaque to clients: base64url of the list's name and the position of
the last item returned (its range key and item key; the enterprise is never in it, the
session's is the Query's hash key), validated on the way back in, so a forged or stale
token is a clean 902 on `pageToken` and can only start a page inside the session's own
enterprise.

The reads the routes (api/lists.py) and the console share, each of one enterprise:

    calls_page(eid, CallFilter(...), page_size, token) -> Page[CallStatus]
    blasts_page(eid, BlastFilter(...), page_size, token) -> Page[BlastSummary]
    alerts.alerts_page(eid, level=, after=, page_size=, token=) -> Page[AlertEntry]
    usage.usage_report(eid, start, end, group_by, user_id) -> list[UsageRow]
    latest_calls(eids, limit, kinds) -> list[CallStatus]    (operators: every enterprise)

api/lists.py's `calls_body(page)`, `blasts_body(page)`, `alerts_body(page)` and
`usage_body(...)` turn them into the wire's shape.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from pynamodb.expressions.condition import Condition
from pynamodb.models import Model
from pynamodb.pagination import ResultIterator

from chalicelib.domain.kinds import STORED_CALL_KIND
from chalicelib.domain.lists import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, MAX_READ, MIN_PAGE_SIZE
from chalicelib.domain.numbers import Phone
from chalicelib.domain.recipients import Termination
from chalicelib.errors import Code, OcpError
from chalicelib.store import calls
from chalicelib.store.calls import CallStatus
from chalicelib.store.models import Blast, Call

PAGE_TOKEN = "pageToken"
FIRST_FILTERED_READ = 250
# Ids and unix times are below this (protocol's MAX_ID; year 9999 is 2.5e11).
_MAX_KEY = 10**19


@dataclass(frozen=True)
class Page[T]:
    """One page: its items, newest first, and the token of the next page (None: the last).
    `read`: the items it read (what it cost; `make bench` counts the requests)."""

    items: tuple[T, ...]
    next_token: str | None
    read: int = 0


# -- tokens -----------------------------------------------------------------------------


def encode_token(list_name: str, position: dict[str, int | str]) -> str:
    raw = json.dumps({"l": list_name, "p": position}, separators=(",", ":"), sort_keys=True)
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_token(list_name: str, token: str, shape: Mapping[str, type]) -> dict[str, Any]:
    """The position a token of `list_name` holds, each name of `shape` of its type (int
    ids and times in [0, 10^19), strings of at most 64 characters); 902 otherwise."""

    def bad() -> OcpError:
        return bad_token(token)

    try:
        padded = token + "=" * (-len(token) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    except (ValueError, UnicodeError, binascii.Error):
        raise bad() from None
    if not isinstance(data, dict) or data.get("l") != list_name:
        raise bad()
    position = data.get("p")
    if not isinstance(position, dict) or set(position) != set(shape):
        raise bad()
    for name, kind in shape.items():
        value = position[name]
        if kind is int:
            if type(value) is not int or not 0 <= value < _MAX_KEY:
                raise bad()
        elif type(value) is not str or len(value) > 64:
            raise bad()
    return position


# -- the one paging loop -------------------------------------------------------------


# Run one Query: (Limit, ExclusiveStartKey) -> PynamoDB's iterator over its items.
type Run[M: Model] = Callable[[int, dict[str, Any] | None], ResultIterator[M]]


def descending[M: Model](
    query: Callable[..., ResultIterator[M]], hash_key: int, range_condition: Condition | None
) -> Run[M]:
    """A Run of `query` (a model's or an index's) under `hash_key`, newest first."""

    def run(limit: int, start: dict[str, Any] | None) -> ResultIterator[M]:
        return query(
            hash_key,
            range_condition,
            scan_index_forward=False,
            limit=limit,
            page_size=limit,
            last_evaluated_key=start,
        )

    return run


def query_page[M: Model](
    run: Run[M],
    *,
    page_size: int,
    start: dict[str, Any] | None,
    keep: Callable[[M], bool] | None = None,
) -> tuple[list[M], M | None, int]:
    """Read from after `start` (a DynamoDB ExclusiveStartKey): the items kept (at most
    page_size), the item to resume after (None: nothing left) and the items read."""
    if not MIN_PAGE_SIZE <= page_size <= MAX_PAGE_SIZE:
        raise ValueError(f"page_size {page_size}")
    kept: list[M] = []
    read = 0
    budget = page_size + 1 if keep is None else max(MAX_READ, page_size + 1)
    # A filter keeps some of what it reads: start wider, so that the budget is a few
    # Queries (250, 500, 1,000, the rest), not a dozen.
    want = page_size + 1 if keep is None else min(budget, max(page_size + 1, FIRST_FILTERED_READ))
    last_key = start
    while True:
        results = run(want, last_key)
        for item in results:
            read += 1
            if keep is None or keep(item):
                if len(kept) == page_size:
                    return kept, kept[-1], read
                kept.append(item)
            if read >= budget:
                return kept, item, read
        last_key = results.last_evaluated_key
        if last_key is None:
            return kept, None, read
        # A filter that matched little so far: read more at a time, within the budget.
        want = min(budget - read, want * 2)


# -- calls --------------------------------------------------------------------------------

CALLS = "calls"
_CALL_POSITION = {"t": int, "c": int}


@dataclass(frozen=True)
class CallFilter:
    """GET /calls' variables: kinds as stored (call, autoconference, conference, blast,
    blastsms; none: all), a currentState, the requesting user, a number dialled or texted
    (its digits), and timeScheduled at or after `after`, before `before`."""

    kinds: tuple[str, ...] = ()
    state: str | None = None
    user_id: int | None = None
    number: str | None = None
    after: int | None = None
    before: int | None = None

    @property
    def filtered(self) -> bool:
        return bool(self.kinds or self.state or self.user_id is not None or self.number)


def calls_page(
    eid: int, where: CallFilter, page_size: int = DEFAULT_PAGE_SIZE, token: str | None = None
) -> Page[CallStatus]:
    """One page of the enterprise's calls, newest timeScheduled first."""
    start = None
    if token:
        position = decode_token(CALLS, token, _CALL_POSITION)
        _check_in_range(token, position["t"], where.after, where.before)
        start = {
            "call_id": {"N": str(position["c"])},
            "eid": {"N": str(eid)},
            "time_scheduled": {"N": str(position["t"])},
        }
    items, last, read = query_page(
        descending(
            Call.by_enterprise.query,
            eid,
            _time_range(Call.time_scheduled, where.after, where.before),
        ),
        page_size=page_size,
        start=start,
        keep=_call_filter(where) if where.filtered else None,
    )
    next_token = None
    if last is not None:
        next_token = encode_token(CALLS, {"t": int(last.time_scheduled), "c": int(last.call_id)})
    return Page(tuple(calls.status_of(i) for i in items), next_token, read)


def latest_calls(eids: Iterable[int], limit: int, kinds: tuple[str, ...] = ()) -> list[CallStatus]:
    """The newest calls of these enterprises, newest first (operators' views: `admin
    watch`): a page of each enterprise's index, merged."""
    found: list[CallStatus] = []
    for eid in eids:
        found += calls_page(eid, CallFilter(kinds=kinds), min(limit, MAX_PAGE_SIZE)).items
    found.sort(key=lambda c: (c.time_scheduled, c.call_id), reverse=True)
    return found[:limit]


def _call_filter(where: CallFilter) -> Callable[[Call], bool]:
    digits = _digits(where.number or "")

    def keep(item: Call) -> bool:
        if where.kinds and item.kind not in where.kinds:
            return False
        if where.state and item.state != where.state:
            return False
        if where.user_id is not None and int(item.user_id) != where.user_id:
            return False
        return not digits or _dialled(item, digits)

    return keep


def _dialled(item: Call, digits: str) -> bool:
    numbers = [a.number for a in item.attempts or ()]
    numbers.append(item.calling_number or "")
    request = item.request.as_dict() if item.request is not None else {}
    destination = request.get("destination")
    if isinstance(destination, str):
        numbers.append(_termination_number(destination))
    return any(same_number(digits, _digits(n)) for n in numbers)


def _termination_number(stored: str) -> str:
    """A blast recipient's destination (store/blasts.py keeps its JSON): its number, if
    it is one ("" for a user or an email)."""
    try:
        term = Termination.from_json(json.loads(stored))
    except (ValueError, TypeError, IndexError, KeyError):
        return ""
    value = term.value
    if isinstance(value, Phone):
        return f"{value.country_code}{value.city_code}{value.digits}"
    return ""


def same_number(a: str, b: str) -> bool:
    """Two numbers' digits name the same line: equal, or one is the other with a country
    code before it (3035551212 and 13035551212)."""
    if not a or not b:
        return False
    if a == b:
        return True
    short, long = sorted((a, b), key=len)
    return len(short) >= 7 and long.endswith(short) and len(long) - len(short) <= 3


def _digits(text: str) -> str:
    return "".join(c for c in text if c.isdigit())


def wire_kind(stored: str) -> str:
    """The `<kind>` GET /calls prints for a Calls item's kind."""
    return next((w for w, s in STORED_CALL_KIND.items() if s == stored), stored)


# -- blasts -------------------------------------------------------------------------------

BLASTS = "blasts"
_BLAST_POSITION = {"t": int, "b": int}


@dataclass(frozen=True)
class BlastFilter:
    kind: str | None = None  # voice, sms; None: both
    after: int | None = None  # blastTime at or after
    before: int | None = None  # blastTime before


@dataclass(frozen=True)
class BlastSummary:
    """What GET /blasts prints of a blast: its state and its recipients by outcome."""

    blast_id: int
    user_id: int
    kind: str  # voice, sms
    state: str  # scheduled, starting, started, complete
    blast_time: int
    created: int
    started: int | None
    recipients: int
    outcomes: dict[str, int] = field(default_factory=dict)  # ended recipients by outcome

    @property
    def ended(self) -> int:
        return sum(self.outcomes.values())

    @property
    def pending(self) -> int:
        return max(0, self.recipients - self.ended)

    @property
    def progress_state(self) -> str:
        """`complete` once every recipient has ended, else the stored state."""
        return "complete" if self.recipients and self.ended >= self.recipients else self.state


def blasts_page(
    eid: int, where: BlastFilter, page_size: int = DEFAULT_PAGE_SIZE, token: str | None = None
) -> Page[BlastSummary]:
    """One page of the enterprise's blasts, newest blastTime first."""
    start = None
    if token:
        position = decode_token(BLASTS, token, _BLAST_POSITION)
        _check_in_range(token, position["t"], where.after, where.before)
        start = {
            "blast_id": {"N": str(position["b"])},
            "eid": {"N": str(eid)},
            "blast_time": {"N": str(position["t"])},
        }
    keep = None if where.kind is None else (lambda item: item.kind == where.kind)
    items, last, read = query_page(
        descending(
            Blast.by_enterprise.query, eid, _time_range(Blast.blast_time, where.after, where.before)
        ),
        page_size=page_size,
        start=start,
        keep=keep,
    )
    next_token = None
    if last is not None:
        next_token = encode_token(BLASTS, {"t": int(last.blast_time), "b": int(last.blast_id)})
    return Page(tuple(_blast_summary(i) for i in items), next_token, read)


def _blast_summary(item: Blast) -> BlastSummary:
    outcomes = item.outcomes.as_dict() if item.outcomes is not None else {}
    return BlastSummary(
        blast_id=int(item.blast_id),
        user_id=int(item.user_id),
        kind=item.kind,
        state=item.state,
        blast_time=int(item.blast_time),
        created=int(item.created),
        started=None if item.started is None else int(item.started),
        recipients=int(item.recipients),
        outcomes={str(k): int(Decimal(str(v))) for k, v in sorted(outcomes.items())},
    )


# -- shared -------------------------------------------------------------------------------


def _time_range(attribute: Any, after: int | None, before: int | None) -> Condition | None:
    if after is not None and before is not None:
        return attribute.between(after, before - 1) if before > after else attribute < 0
    if after is not None:
        return attribute >= after
    if before is not None:
        return attribute < before
    return None


def bad_token(token: str) -> OcpError:
    return OcpError(Code.INVALID_VALUE, name=PAGE_TOKEN, value=token[:64])


def _check_in_range(token: str, at: int, after: int | None, before: int | None) -> None:
    """A token whose position is outside the page's time range (kept from another query)
    would be refused by DynamoDB: refused here as the bad value it is."""
    if (after is not None and at < after) or (before is not None and at >= before):
        raise bad_token(token)


__all__ = [
    "BlastFilter",
    "BlastSummary",
    "CallFilter",
    "Page",
    "blasts_page",
    "calls_page",
    "decode_token",
    "descending",
    "encode_token",
    "latest_calls",
    "query_page",
    "wire_kind",
]
