"""The list APIs, additions to the 2008 wire format (DESIGN "Additions"; docs/api.md
"Lists"): GET /calls, GET /blasts, GET /usage and GET /alerts, each of the session's
enterprise only, newest first, a page at a time (`pageSize`, `pageToken` from the
previous page's `<nextPageToken>`, absent on the last page).

Each page is a Query on a key or index (store/listing.py, store/alerts.py,
store/usage.py), never a Scan. The body builders here (`calls_body`, ...) are the one
place a page becomes its wire shape; the functions they print (`listing.calls_page`,
`listing.blasts_page`, `alerts.alerts_page`, `usage.usage_report`) are the console's too.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from chalice import Blueprint

from chalicelib.api.calls import CALL, CALL_STATES
from chalicelib.domain.kinds import SMS, STORED_CALL_KIND, VOICE
from chalicelib.domain.lists import (
    ALERT_KEEP_DAYS,
    ALERT_KINDS,
    ALERT_LEVELS,
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    MAX_READ,
    MAX_TOKEN_CHARS,
    MAX_USAGE_DAYS,
)
from chalicelib.errors import Code
from chalicelib.imports import on_first_use
from chalicelib.protocol.bodies import call_body
from chalicelib.protocol.params import (
    Choice,
    Choices,
    Date,
    Int,
    NumberDigits,
    Text,
    UnixTime,
    UserId,
)
from chalicelib.protocol.render import Items, Reply
from chalicelib.protocol.routes import Request, route
from chalicelib.protocol.shapes import INT, NUM, TEXT, Each, Leaf, Maybe, Returns

if TYPE_CHECKING:
    from chalicelib.store.alerts import AlertEntry
    from chalicelib.store.calls import CallStatus
    from chalicelib.store.listing import BlastSummary, Page
    from chalicelib.store.usage import UsageRow

bp = Blueprint(__name__)
# With PynamoDB: loaded by the first list request, not at every cold start.
if TYPE_CHECKING:
    from chalicelib.store import alerts, listing, usage
else:
    listing = on_first_use("chalicelib.store.listing")
    alerts = on_first_use("chalicelib.store.alerts")
    usage = on_first_use("chalicelib.store.usage")

BLAST_STATES = ("scheduled", "starting", "started", "complete")

PAGING = (
    Int(
        "pageSize",
        low=1,
        high=MAX_PAGE_SIZE,
        default=DEFAULT_PAGE_SIZE,
        doc=f"Items per page, 1 to {MAX_PAGE_SIZE:,}; {DEFAULT_PAGE_SIZE} by default.",
    ),
    Text(
        "pageToken",
        max_len=MAX_TOKEN_CHARS,
        doc="The previous page's `nextPageToken`, as it was (opaque); none: the first page.",
    ).but(codes=(Code.INVALID_VALUE, Code.BAD_LENGTH)),
)
NEXT = {
    "nextPageToken": Maybe(TEXT, "The next page's `pageToken`; absent on the last page."),
}
FILTERED = (
    f"A variable that is not a time range is a filter: a filtered page reads at most "
    f"{MAX_READ:,} items, and may then hold fewer than `pageSize` (or none) with a "
    f"`nextPageToken`."
)


KIND = Choices("kind", STORED_CALL_KIND)
NUMBER = NumberDigits(
    "number",
    doc="A number that was dialled or texted, or called from: its digits, with or without "
    "the country code.",
)
AFTER = UnixTime("after", doc="At or after this Unix time.")
BEFORE = UnixTime("before", doc="Before this Unix time.")

CALL_LISTED = {**CALL, "kind": Leaf(TEXT, enum=tuple(STORED_CALL_KIND))}


@route(
    bp,
    "/calls",
    ["GET"],
    variables=(
        KIND,
        Choice("state", CALL_STATES, doc="One `currentState`."),
        UserId(required=False, doc="Only the calls this user requested."),
        NUMBER,
        AFTER.but(doc="`timeScheduled` at or after this Unix time."),
        BEFORE.but(doc="`timeScheduled` before this Unix time."),
        *PAGING,
    ),
    errors=(Code.INVALID_VALUE,),
    returns=(Returns(200, {"calls": Each("call", CALL_LISTED), **NEXT}),),
    summary="The enterprise's calls, newest first",
    addition="Calls, autoconferences, conference legs and blast recipients of the session's "
    "enterprise, newest `timeScheduled` first, each as call GET prints it with its `kind`. "
    + FILTERED,
)
def list_calls(req: Request) -> Reply:
    v = req.values
    where = listing.CallFilter(
        kinds=v["kind"] or (),
        state=v["state"],
        user_id=v["userId"],
        number=v["number"],
        after=v["after"],
        before=v["before"],
    )
    return Reply(calls_body(listing.calls_page(req.eid, where, v["pageSize"], v["pageToken"])))


def calls_body(page: Page[CallStatus]) -> dict[str, Any]:
    return _paged({"calls": Items("call", [_listed_call(c) for c in page.items])}, page.next_token)


def _listed_call(status: CallStatus) -> dict[str, Any]:
    return {**call_body(status), "kind": listing.wire_kind(status.kind)}


BLAST_LISTED = {
    "blastId": INT,
    "userId": INT,
    "kind": Leaf(TEXT, enum=(VOICE, SMS)),
    "currentState": Leaf(TEXT, "complete once every recipient has ended.", enum=BLAST_STATES),
    "time": Leaf(INT, "When it is or was to start (Unix time)."),
    "created": INT,
    "started": Maybe(INT, "Once it has started."),
    "recipients": INT,
    "ended": Leaf(INT, "Recipients whose call or text has ended."),
    "pending": INT,
    "outcomes": Each(
        "outcome",
        {
            "result": Leaf(TEXT, "Success, or the last attempt's result (Busy, NoAnswer, ...)."),
            "count": INT,
        },
    ),
}


@route(
    bp,
    "/blasts",
    ["GET"],
    variables=(
        Choice("kind", (VOICE, SMS), doc="voice or sms; both by default."),
        AFTER.but(doc="Blast time at or after this Unix time."),
        BEFORE.but(doc="Blast time before this Unix time."),
        *PAGING,
    ),
    errors=(Code.INVALID_VALUE,),
    returns=(Returns(200, {"blasts": Each("blast", BLAST_LISTED), **NEXT}),),
    summary="The enterprise's blasts, newest first",
    addition="Voice and SMS blasts of the session's enterprise, latest blast time first, "
    "with their recipients counted by outcome. " + FILTERED,
)
def list_blasts(req: Request) -> Reply:
    v = req.values
    where = listing.BlastFilter(kind=v["kind"], after=v["after"], before=v["before"])
    return Reply(blasts_body(listing.blasts_page(req.eid, where, v["pageSize"], v["pageToken"])))


def blasts_body(page: Page[BlastSummary]) -> dict[str, Any]:
    return _paged(
        {"blasts": Items("blast", [_listed_blast(b) for b in page.items])}, page.next_token
    )


def _listed_blast(b: BlastSummary) -> dict[str, Any]:
    out: dict[str, Any] = {
        "blastId": b.blast_id,
        "userId": b.user_id,
        "kind": b.kind,
        "currentState": b.progress_state,
        "time": b.blast_time,
        "created": b.created,
    }
    if b.started is not None:
        out["started"] = b.started
    out |= {
        "recipients": b.recipients,
        "ended": b.ended,
        "pending": b.pending,
        "outcomes": Items(
            "outcome", [{"result": r, "count": n} for r, n in sorted(b.outcomes.items())]
        ),
    }
    return out


USAGE_COUNTS = {
    "calls": Leaf(INT, "Calls, autoconferences, conference legs and voice blast recipients."),
    "mou": Leaf(NUM, "Billed minutes: each call's rounded up to the next tenth, as `<mou>`."),
    "texts": Leaf(INT, "Texts handed to the SMS provider."),
    "segments": Leaf(INT, "The SMS segments they took (what providers bill)."),
    "ttsCharacters": Leaf(INT, "Characters asked of text-to-speech."),
    "cost": {
        "estimate": Leaf(INT, "1: an estimate from the configured price table, not a bill."),
        "currency": TEXT,
        "carrier": Leaf(NUM, "The carrier's part: minutes and segments."),
        "aws": Leaf(NUM, "AWS's part: the work of each call and text, text-to-speech."),
        "total": NUM,
    },
}


@route(
    bp,
    "/usage",
    ["GET"],
    variables=(
        Date("from", required=True, doc="The first day (YYYY-MM-DD, UTC)."),
        Date(
            "to",
            required=True,
            doc=f"The last day (YYYY-MM-DD, UTC), at most {MAX_USAGE_DAYS} days from `from`.",
        ),
        Choice("groupBy", ("day", "user"), default="day", doc="A row per day, or per user."),
        UserId(required=False, doc="Only this user's usage."),
    ),
    errors=(Code.INVALID_VALUE,),
    returns=(
        Returns(
            200,
            {
                "from": TEXT,
                "to": TEXT,
                "groupBy": TEXT,
                "rows": Each(
                    "row",
                    {
                        "day": Maybe(TEXT, "groupBy=day."),
                        "userId": Maybe(INT, "groupBy=user, or a userId given."),
                        **USAGE_COUNTS,
                    },
                ),
                "total": USAGE_COUNTS,
            },
        ),
    ),
    summary="The enterprise's usage per day or per user, with an estimated cost",
    addition="What the session's enterprise used: calls, billed minutes, texts and their "
    "segments, text-to-speech characters, and a cost estimated from the deployment's "
    "price table (carrier and AWS apart). Days without usage have no row.",
)
def get_usage(req: Request) -> Reply:
    v = req.values
    rows = usage.usage_report(req.eid, v["from"], v["to"], v["groupBy"], v["userId"])
    return Reply(usage_body(v["from"], v["to"], v["groupBy"], rows))


def usage_body(start: dt.date, end: dt.date, group_by: str, rows: list[UsageRow]) -> dict[str, Any]:
    table = usage.price_table()
    return {
        "from": start.isoformat(),
        "to": end.isoformat(),
        "groupBy": group_by,
        "rows": Items("row", [_usage_row(r, table) for r in rows]),
        "total": _counts(usage.total(rows), table),
    }


def _usage_row(row: UsageRow, table: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if row.day is not None:
        out["day"] = row.day
    if row.user_id is not None:
        out["userId"] = row.user_id
    return {**out, **_counts(row, table)}


def _counts(row: UsageRow, table: Any) -> dict[str, Any]:
    cost = row.estimate(table)
    return {
        "calls": row.calls,
        "mou": row.mou,
        "texts": row.texts,
        "segments": row.segments,
        "ttsCharacters": row.tts_characters,
        "cost": {
            "estimate": 1,
            "currency": "USD",
            "carrier": cost.carrier,
            "aws": cost.aws,
            "total": cost.total,
        },
    }


ALERT = {
    "alertId": TEXT,
    "time": Leaf(INT, "When it happened (Unix time)."),
    "level": Leaf(TEXT, enum=ALERT_LEVELS),
    "kind": Leaf(
        TEXT,
        "callback: a status callback's delivery gave up; carrier: the carrier refused; text: "
        "a text was refused; work: work failed to start or fire; throttle: throttling lasted.",
        enum=ALERT_KINDS,
    ),
    "message": TEXT,
    "details": Each(
        "detail",
        {
            "name": Leaf(TEXT, "url, status, error, attempts, code, meaning, callId, ..."),
            "value": Leaf((TEXT, INT)),
        },
    ),
}


@route(
    bp,
    "/alerts",
    ["GET"],
    variables=(
        Choice("level", ALERT_LEVELS, doc="Only alerts of this level."),
        AFTER.but(doc="Raised at or after this Unix time."),
        *PAGING,
    ),
    errors=(Code.INVALID_VALUE,),
    returns=(Returns(200, {"alerts": Each("alert", ALERT), **NEXT}),),
    summary="What needs a human, newest first",
    addition=f"Alerts of the session's enterprise, kept {ALERT_KEEP_DAYS} days, newest first: "
    "callback "
    "deliveries that gave up, carrier errors with the carrier's code and meaning, texts "
    "refused, work that failed to start or fire, throttling that lasted. " + FILTERED,
)
def list_alerts(req: Request) -> Reply:
    v = req.values
    page = alerts.alerts_page(
        req.eid,
        level=v["level"],
        after=v["after"],
        page_size=v["pageSize"],
        token=v["pageToken"],
    )
    return Reply(alerts_body(page))


def alerts_body(page: Page[AlertEntry]) -> dict[str, Any]:
    return _paged({"alerts": Items("alert", [_alert(a) for a in page.items])}, page.next_token)


def _alert(a: AlertEntry) -> dict[str, Any]:
    return {
        "alertId": a.alert_id,
        "time": a.at,
        "level": a.level,
        "kind": a.kind,
        "message": a.message,
        "details": Items("detail", [{"name": k, "value": v} for k, v in a.detail.items()]),
    }


def _paged(body: dict[str, Any], token: str | None) -> dict[str, Any]:
    return body if token is None else {**body, "nextPageToken": token}
