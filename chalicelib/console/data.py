"""What the web console reads and changes: the one seam between its pages and the stores.

`ConsoleData` (an enterprise's own work) and `OperatorData` (every enterprise) are the
Protocols the pages are written against; `StoreData` and `StoreOperators` implement them
over what store/ and workflows/ hold. Calls, usage and alerts come from the list APIs'
query layer (store/listing.py, usage.py, alerts.py: a Query per page on an index by
enterprise); the blasts list is still a stand-in that walks the newest blast ids
(`blasts.latest`: bounded, every enterprise's, then filtered) until it reads
`listing.blasts_page`; suspending, resuming and new secrets are store/enterprises.py's.
Nothing above this module changes when a method's implementation does.
"""

from __future__ import annotations

import base64
import contextlib
import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Protocol

from chalicelib.domain.lists import MAX_PAGE_SIZE
from chalicelib.errors import Code, OcpError
from chalicelib.protocol import types
from chalicelib.store import (
    alerts,
    blasts,
    calls,
    enterprise_admin,
    enterprises,
    listing,
    profiles,
    recipients,
    usage,
    users,
)
from chalicelib.store.blasts import BlastInfo
from chalicelib.store.calls import LIVE_STATES, CallStatus
from chalicelib.workflows import autoconference, dialing, fanout, schedule

# The kinds a console list offers (issue 25: GET /calls `kind`); Calls items name a voice
# blast's recipient "blast".
KINDS = ("call", "autoconference", "conference", "blastvoice", "blastsms")
_ITEM_KIND = {"blastvoice": "blast"}
PAGE_SIZE = 50
# The stand-in lists look at no more than this many of the newest ids.
BLASTS_LOOKED = 200


@dataclass(frozen=True)
class CallFilters:
    kinds: tuple[str, ...] = ()  # KINDS; all when empty
    state: str | None = None
    user_id: int | None = None
    number: str | None = None  # a number dialled, as written or in digits
    after: int | None = None  # on timeScheduled, unix seconds
    before: int | None = None
    page_size: int = PAGE_SIZE


@dataclass(frozen=True)
class Listing[T]:
    items: tuple[T, ...]
    next_token: str | None = None  # opaque; None on the last page


@dataclass(frozen=True)
class Moment:
    """One line of a call's timeline."""

    at: float
    what: str  # scheduled, dialing, state, attempt, event, end
    text: str
    detail: str = ""


@dataclass(frozen=True)
class Timeline:
    call: CallStatus
    moments: tuple[Moment, ...]
    execution_status: str | None  # the dialing execution's, None if it has none (yet)
    callback_url: str | None = None


@dataclass(frozen=True)
class BlastRow:
    blast: BlastInfo
    done: int  # recipients reached
    failed: int  # recipients whose dialing or text ended without success
    pending: int  # not ended, or not made yet

    @property
    def total(self) -> int:
        return self.done + self.failed + self.pending

    @property
    def complete(self) -> bool:
        return self.blast.first_call_id is not None and self.pending == 0


@dataclass(frozen=True)
class Recipient:
    label: str
    call_id: int | None
    state: str
    success: bool
    attempts: tuple[tuple[str, str], ...]  # (number, result)


@dataclass(frozen=True)
class BlastDetail:
    row: BlastRow
    recipients: tuple[Recipient, ...]
    outcomes: dict[str, int]  # last attempt's result -> recipients


@dataclass(frozen=True)
class Scheduled:
    kind: str  # blast, autoconference
    item_id: int
    at: int
    label: str


@dataclass(frozen=True)
class UsageRow:
    key: str  # a day (YYYY-MM-DD) or a userId
    calls: int = 0
    minutes: Decimal = Decimal("0.0")
    texts: int = 0


@dataclass(frozen=True)
class Usage:
    start: date
    end: date
    days: tuple[UsageRow, ...]
    users: tuple[UsageRow, ...]


@dataclass(frozen=True)
class Alert:
    at: int
    level: str  # error, warning
    text: str


@dataclass(frozen=True)
class UserRow:
    user_id: int
    name: str
    emails: tuple[str, ...]
    phones: tuple[str, ...]  # as written, the default first
    hunt: tuple[str, ...]  # numbers in the order they are rung
    tryall: bool
    dnd_windows: int
    blocked: int


@dataclass(frozen=True)
class EnterpriseRow:
    eid: int
    name: str
    active: bool
    created: int
    calls: int = 0
    minutes: Decimal = Decimal("0.0")


@dataclass(frozen=True)
class NewSecret:
    eid: int
    name: str
    secret: str
    signing_secret: str | None = None  # a new enterprise's status callback signing secret


class ConsoleData(Protocol):
    """An enterprise's own work: every method is scoped to `eid` and never shows another
    enterprise's (tests/api/test_isolation.py)."""

    def calls(
        self, eid: int, filters: CallFilters, page_token: str | None
    ) -> Listing[CallStatus]: ...
    def timeline(self, eid: int, call_id: int) -> Timeline: ...
    def blasts(self, eid: int, kind: str | None, page_token: str | None) -> Listing[BlastRow]: ...
    def blast(self, eid: int, blast_id: int) -> BlastDetail: ...
    def cancel_blast(self, eid: int, blast_id: int) -> None: ...
    def scheduled(self, eid: int) -> tuple[Scheduled, ...]: ...
    def cancel_scheduled(self, eid: int, kind: str, item_id: int) -> None: ...
    def usage(self, eid: int, start: date, end: date) -> Usage: ...
    def alerts(self, eid: int, page_token: str | None) -> Listing[Alert]: ...
    def users(self, eid: int, query: str) -> tuple[UserRow, ...]: ...


class OperatorData(Protocol):
    """Every enterprise: the operator's pages only."""

    def enterprises(self) -> tuple[EnterpriseRow, ...]: ...
    def create(self, name: str) -> NewSecret: ...
    def rotate_secret(self, eid: int) -> NewSecret: ...
    def set_active(self, eid: int, active: bool) -> None: ...


# -- page tokens ---------------------------------------------------------------------------


def encode_token(position: dict[str, int]) -> str:
    return base64.urlsafe_b64encode(json.dumps(position).encode()).decode().rstrip("=")


def decode_token(token: str | None) -> dict[str, int]:
    """A token this module made, else 902 (a client's token is opaque to it)."""
    if not token:
        return {}
    try:
        found = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        if isinstance(found, dict) and all(isinstance(v, int) for v in found.values()):
            return found
    except ValueError:
        pass
    raise OcpError(Code.INVALID_VALUE, name="pageToken", value=token)


# -- over today's stores -------------------------------------------------------------------


class StoreData:
    """ConsoleData over store/ and workflows/ as they are (see the module's docstring)."""

    def calls(self, eid: int, filters: CallFilters, page_token: str | None) -> Listing[CallStatus]:
        """A page of the enterprise's calls: one Query on its index (store/listing.py)."""
        page = listing.calls_page(
            eid,
            listing.CallFilter(
                kinds=tuple(_ITEM_KIND.get(k, k) for k in filters.kinds),
                state=filters.state,
                user_id=filters.user_id,
                number="".join(c for c in filters.number or "" if c.isdigit()) or None,
                after=filters.after,
                before=filters.before,
            ),
            min(filters.page_size, MAX_PAGE_SIZE),
            page_token or None,
        )
        return Listing(page.items, page.next_token)

    def timeline(self, eid: int, call_id: int) -> Timeline:
        call = calls.get(call_id, eid)  # 902 for another enterprise's call
        item = calls.find(call_id)
        callback = None if item is None or item.callback is None else item.callback
        request = call.request
        if "blastId" in request and "n" in request:
            name = fanout.execution_name(int(request["blastId"]), int(request["n"]))
        else:
            name = dialing.execution_name(call_id)
        execution = dialing.execution(name)
        return Timeline(
            call,
            tuple(sorted(_moments(call, execution, callback), key=lambda m: m.at)),
            None if execution is None else execution.status,
            None if callback is None else str(callback.url),
        )

    def blasts(self, eid: int, kind: str | None, page_token: str | None) -> Listing[BlastRow]:
        below = decode_token(page_token).get("below")
        found = [
            b
            for b in blasts.latest(BLASTS_LOOKED)
            if b.eid == eid
            and (kind is None or b.kind == kind)
            and (below is None or b.blast_id < below)
        ]
        page = found[:PAGE_SIZE]
        more = len(found) > PAGE_SIZE
        return Listing(
            tuple(_progress(b) for b in page),
            encode_token({"below": page[-1].blast_id}) if more else None,
        )

    def blast(self, eid: int, blast_id: int) -> BlastDetail:
        found = blasts.load(blast_id)
        if found is None or found.eid != eid:
            raise OcpError(Code.NO_SUCH_BLAST)
        results = recipients.results(found) if found.first_call_id is not None else []
        rows: list[Recipient] = []
        outcomes: dict[str, int] = defaultdict(int)
        for n, term in enumerate(found.terminations):
            status = results[n] if n < len(results) else None
            if status is None:
                rows.append(Recipient(str(term.label), None, "scheduled", False, ()))
                outcomes["pending"] += 1
                continue
            attempts = tuple((number, result) for number, result in status.attempts)
            rows.append(
                Recipient(str(term.label), found.call_id(n), status.state, status.success, attempts)
            )
            outcomes[attempts[-1][1] if status.done and attempts else status.state] += 1
        return BlastDetail(_progress(found), tuple(rows), dict(outcomes))

    def cancel_blast(self, eid: int, blast_id: int) -> None:
        found = blasts.load(blast_id)
        if found is None or found.eid != eid:
            raise OcpError(Code.NO_SUCH_BLAST)
        fanout.remove(eid, found.user_id, found.kind, blast_id)  # 307 once it has started

    def scheduled(self, eid: int) -> tuple[Scheduled, ...]:
        mine = []
        for pending in schedule.pending():
            kind, item_id = pending.input.get("kind"), int(pending.input.get("id", 0))
            owner = _owner(kind, item_id)
            if owner is not None and owner[0] == eid:
                mine.append(Scheduled(str(kind), item_id, pending.at, owner[1]))
        return tuple(mine)

    def cancel_scheduled(self, eid: int, kind: str, item_id: int) -> None:
        owner = _owner(kind, item_id)
        if owner is None or owner[0] != eid:
            raise OcpError(Code.INVALID_VALUE, name="id", value=item_id)
        if kind == "blast":
            self.cancel_blast(eid, item_id)
        else:
            autoconference.cancel(eid, None, item_id)

    def usage(self, eid: int, start: date, end: date) -> Usage:
        """GET /usage's rows (store/usage.py: counted from the committed changes)."""

        def rows(group_by: str) -> tuple[UsageRow, ...]:
            return tuple(
                UsageRow(r.day or str(r.user_id), r.calls, r.mou, r.texts)
                for r in usage.usage_report(eid, start, end, group_by)
            )

        return Usage(start, end, rows(usage.DAY), rows(usage.USER))

    def alerts(self, eid: int, page_token: str | None) -> Listing[Alert]:
        """GET /alerts's page (store/alerts.py), newest first."""
        page = alerts.alerts_page(eid, page_size=PAGE_SIZE, token=page_token)
        return Listing(
            tuple(Alert(a.at, a.level, _alert_text(a)) for a in page.items), page.next_token
        )

    def users(self, eid: int, query: str) -> tuple[UserRow, ...]:
        """Exact look-ups by userId, email address or phone number (a search by name
        needs the enterprise's user index: not there yet)."""
        query = query.strip()
        if not query:
            return ()
        found: list[int] = []
        if query.isdigit() and len(query) < 10:
            found.append(int(query))
        elif "@" in query:
            with contextlib.suppress(OcpError):  # no such address, or not visible
                found.append(users.id_by_email(query, eid))
        else:
            try:
                number = types.phone("number", query.translate(_PUNCTUATION))
            except OcpError:
                number = None
            if number is not None:
                holder = profiles.look_up(eid, phones=[number]).phones.get(number.key)
                if holder is not None:
                    found.append(holder)
        return tuple(row for row in (_user_row(u, eid) for u in found) if row is not None)


class StoreOperators:
    """OperatorData over store/ as it is."""

    def enterprises(self) -> tuple[EnterpriseRow, ...]:
        totals: dict[int, list] = defaultdict(lambda: [0, Decimal("0.0")])
        for c in listing.latest_calls(enterprises.all_ids(), MAX_PAGE_SIZE):
            totals[c.eid][0] += 1
            totals[c.eid][1] += c.mou
        return tuple(
            EnterpriseRow(e.eid, e.name, e.active, e.created, *totals[e.eid])
            for e in enterprise_admin.listed()
        )

    def create(self, name: str) -> NewSecret:
        made = enterprises.create(name)
        return NewSecret(made.eid, made.name, made.secret, made.signing_secret)

    def rotate_secret(self, eid: int) -> NewSecret:
        """A new secret (shown once); the enterprise's sessions end."""
        try:
            secret = enterprises.rotate_secret(eid)
        except enterprises.NoSuchEnterprise:
            raise OcpError(Code.UNKNOWN_ENTERPRISE) from None
        name = next((e.name for e in enterprise_admin.listed() if e.eid == eid), "")
        return NewSecret(eid, name, secret)

    def set_active(self, eid: int, active: bool) -> None:
        """Resume, or suspend (its sign-in refused with 101, its sessions ended)."""
        try:
            (enterprises.resume if active else enterprises.suspend)(eid)
        except enterprises.NoSuchEnterprise:
            raise OcpError(Code.UNKNOWN_ENTERPRISE) from None


# What people write inside phone numbers, which the wire format's phone type does not take.
_PUNCTUATION = str.maketrans("", "", "-().")


def _alert_text(alert: alerts.AlertEntry) -> str:
    """The alert's message and what it is about (URL, status, attempts, code...)."""
    about = ", ".join(f"{k} {v}" for k, v in sorted(alert.detail.items()))
    return f"{alert.message} ({about})" if about else alert.message


def _digits(text: str) -> str:
    return "".join(c for c in text if c.isdigit())


def _progress(b: BlastInfo) -> BlastRow:
    if b.first_call_id is None:
        return BlastRow(b, 0, 0, b.recipients)
    results = recipients.results(b)
    done = sum(1 for r in results if r is not None and r.done and r.success)
    failed = sum(1 for r in results if r is not None and r.done and not r.success)
    return BlastRow(b, done, failed, len(results) - done - failed)


def _owner(kind: object, item_id: int) -> tuple[int, str] | None:
    """(eid, a label) of a scheduled item, or None."""
    if kind == "blast":
        found = blasts.load(item_id)
        return None if found is None else (found.eid, f"{found.kind} blast {item_id}")
    if kind == "autoconference":
        status = calls.find_status(item_id)
        return None if status is None else (status.eid, f"autoconference {item_id}")
    return None


def _moments(call: CallStatus, execution: object, callback: object) -> Iterable[Moment]:
    yield Moment(call.time_scheduled, "scheduled", "scheduled", f"by user {call.user_id}")
    if call.time_originated is not None:
        yield Moment(call.time_originated, "dialing", "dialing began")
    for e in getattr(execution, "events", ()):
        if e.type.endswith("StateEntered"):
            yield Moment(e.at, "state", e.state)
    for a in call.attempts:
        at = a.at if a.at is not None else call.time_completed or call.time_scheduled
        detail = "answering machine" if a.result == "Machine" else ""
        yield Moment(at, "attempt", f"{a.role}: {a.number}", f"{a.result} {detail}".strip())
    if callback is not None:
        wanted = set(getattr(callback, "events", None) or ())
        sent: list[tuple[str, float | None]] = [
            ("initiated", call.time_originated),
            ("answered", _answered_at(call)),
            ("completed", call.time_completed),
        ]
        for name, when in sent:
            if when is not None and (not wanted or name in wanted):
                yield Moment(when, "event", f"status event {name}", f"to {callback.url}")  # type: ignore[attr-defined]
    if call.time_completed is not None:
        outcome = "success" if call.success else "no success"
        yield Moment(
            call.time_completed, "end", f"{call.state}: {outcome}", f"{call.mou} min billed"
        )


def _answered_at(call: CallStatus) -> float | None:
    return next((a.at for a in call.attempts if a.result == "Success" and a.at is not None), None)


def _user_row(user_id: int, eid: int) -> UserRow | None:
    try:
        item = users.get(user_id, eid)
    except OcpError:
        return None
    profile = profiles.profile_of(item)
    by_id = {n.id: n.phone.display for n in profile.phones}
    default = by_id.get(profile.default_phone_id)
    phones = ([default] if default else []) + [p for i, p in by_id.items() if p != default]
    return UserRow(
        user_id,
        f"{item.first_name} {item.last_name}".strip(),
        tuple(profile.emails),
        tuple(phones),
        tuple(by_id[i] for i in profile.hunt_order if i in by_id),
        profile.tryall,
        len(profile.dnd),
        len(profile.blacklist),
    )


def is_live(call: CallStatus) -> bool:
    return call.state in LIVE_STATES
