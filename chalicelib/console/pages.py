"""The web console's pages: server-rendered Jinja2 templates (`templates/`), with htmx
(`static/`, vendored) swapping in the parts that refresh (the calls list while calls are
in progress, a call's timeline, a blast's progress).

Each view takes a PageRequest and returns a Response; it reads and changes work only
through `DATA` and `OPERATORS` (console/data.py), the seam to the stores. Sessions,
CSRF and the page headers are console/security.py's; operators' tokens,
console/operators.py's. Jinja2 is imported here, and this module only by console
requests (api/console.py binds it with on_first_use), so no other cold start loads it.
"""

from __future__ import annotations

import csv
import hashlib
import io
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import jinja2
from chalice import Response

from chalicelib import clock, settings
from chalicelib.console import operators, security
from chalicelib.console.data import (
    KINDS,
    CallFilters,
    ConsoleData,
    OperatorData,
    StoreData,
    StoreOperators,
    is_live,
)
from chalicelib.errors import Code, OcpError
from chalicelib.protocol import auth
from chalicelib.protocol.routes import PageRequest

log = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
STATIC = HERE / "static"
# The assets a page loads: served from the package, never a CDN.
ASSETS = {
    "htmx.min.js": "text/javascript; charset=utf-8",
    "console.css": "text/css; charset=utf-8",
}
STATES = ("scheduled", "dialing", "connected", "complete", "cancelled", "failed")
REFRESH = "every 2s"
IDLE_REFRESH = "every 5s"
# A Calls item's kind as the list APIs name it (issue 25: `kind`).
KIND_NAMES = {"blast": "blastvoice"}
USAGE_DAYS = 30  # the usage page's default range, ending today
MAX_USAGE_DAYS = 366

# The seam to the stores (console/data.py): its implementations change, not the pages.
DATA: ConsoleData = StoreData()
OPERATORS: OperatorData = StoreOperators()


# -- rendering -----------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["clock"] = _clock
    env.filters["when"] = _when
    env.filters["ago"] = _in
    env.filters["kind"] = lambda kind: KIND_NAMES.get(kind, kind)
    env.globals["asset"] = _asset_version
    return env


@lru_cache(maxsize=len(ASSETS))
def _asset_version(name: str) -> str:
    return hashlib.sha256((STATIC / name).read_bytes()).hexdigest()[:12]


def _clock(at: float | None) -> str:
    if at is None:
        return "—"
    return datetime.fromtimestamp(at, tz=UTC).strftime("%H:%M:%S")


def _when(at: float | None) -> str:
    if at is None:
        return "—"
    return datetime.fromtimestamp(at, tz=UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _in(seconds: float) -> str:
    seconds = round(seconds)
    sign, seconds = ("-" if seconds < 0 else ""), abs(seconds)
    if seconds < 60:
        return f"{sign}{seconds}s"
    if seconds < 3600:
        return f"{sign}{seconds // 60}m {seconds % 60:02d}s"
    if seconds < 86400:
        return f"{sign}{seconds // 3600}h {seconds % 3600 // 60:02d}m"
    return f"{sign}{seconds // 86400}d {seconds % 86400 // 3600:02d}h"


def html(
    template: str, status: int = 200, cookies: tuple[str, ...] = (), **context: Any
) -> Response:
    body = _environment().get_template(template).render(**context)
    headers: dict[str, Any] = {"Content-Type": "text/html; charset=utf-8", **security.PAGE_HEADERS}
    if cookies:
        headers["Set-Cookie"] = list(cookies) if len(cookies) > 1 else cookies[0]
    return Response(body, status_code=status, headers=headers)


def redirect(req: PageRequest, path: str, cookies: tuple[str, ...] = ()) -> Response:
    """303 to a console path ("" the sign-in page: /console, never /console/, which API
    Gateway serves as another resource); an htmx request is told to load it instead."""
    target = f"{req.root}/console{path}"
    headers: dict[str, Any] = {
        "Location": target,
        "Content-Type": "text/html; charset=utf-8",
        **security.PAGE_HEADERS,
    }
    if cookies:
        headers["Set-Cookie"] = list(cookies) if len(cookies) > 1 else cookies[0]
    if req.headers.get("hx-request"):
        headers["HX-Redirect"] = target
        return Response("", status_code=200, headers=headers)
    return Response("", status_code=303, headers=headers)


def refused(req: PageRequest) -> Response:
    return html(
        "message.html",
        403,
        root=req.root,
        title="Refused",
        text="This request did not come from a page of this console. "
        "Reload the page and try again.",
    )


def asset(req: PageRequest) -> Response:
    name = req.path_args.get("name", "")
    if name not in ASSETS:
        return Response("", status_code=404, headers={"Content-Type": "text/plain"})
    return Response(
        (STATIC / name).read_text(encoding="utf-8"),
        status_code=200,
        headers={
            "Content-Type": ASSETS[name],
            "X-Content-Type-Options": "nosniff",
            # Pages name an asset with its digest (?v=), so a new one is a new URL.
            "Cache-Control": "public, max-age=31536000, immutable",
        },
    )


# -- the enterprise's session ----------------------------------------------------------------


@dataclass(frozen=True)
class Signed:
    """A signed-in enterprise, as a page sees it."""

    eid: int
    session: str  # "eid:sessionId": what the cookie holds

    @property
    def csrf(self) -> str:
        return security.csrf_token(self.session)


def signed_in(req: PageRequest) -> Signed | None:
    value = req.cookie(security.ENTERPRISE_COOKIE)
    if not value:
        return None
    try:
        eid = auth.enterprise_of(f"Basic {value}")
    except OcpError:
        return None
    return Signed(eid, value)


EnterprisePage = Callable[[PageRequest, Signed], Response]


def enterprise_page(view: EnterprisePage) -> Callable[[PageRequest], Response]:
    """The view, for a signed-in enterprise only (else the sign-in page); a POST only
    from this console's own form of this session (else 403)."""

    def guarded(req: PageRequest) -> Response:
        who = signed_in(req)
        if who is None:
            return redirect(
                req, "", cookies=(security.clear_cookie(req, security.ENTERPRISE_COOKIE),)
            )
        if req.method == "POST" and not security.form_is_genuine(req, who.session):
            return refused(req)
        return view(req, who)

    guarded.__name__ = view.__name__
    return guarded


def _page(req: PageRequest, who: Signed, template: str, nav: str, **context: Any) -> Response:
    return html(
        template,
        root=req.root,
        csrf=who.csrf,
        eid=who.eid,
        nav=nav,
        unread=_unread(req, who),
        **context,
    )


def _unread(req: PageRequest, who: Signed) -> int:
    seen = _int(req.cookie(security.ALERTS_SEEN_COOKIE)) or 0
    return sum(1 for a in DATA.alerts(who.eid, None).items if a.at > seen)


def _said(e: OcpError) -> str:
    """An OCP error as a page says it: the catalogue's message and its code."""
    return f"{e.details[0].message} ({e.code})"


def _int(text: str | None) -> int | None:
    text = (text or "").strip()
    return int(text) if text.isdigit() and len(text) < 19 else None


def home(req: PageRequest) -> Response:
    if signed_in(req) is not None:
        return redirect(req, "/calls")
    return html("sign_in.html", root=req.root, error=None, eid_value="")


def sign_in(req: PageRequest) -> Response:
    if not security.same_origin(req):
        return refused(req)
    form = req.form
    try:
        eid, session_id = auth.sign_in(form.get("eid", ""), form.get("secret", ""))
    except OcpError as e:
        status = e.status if 400 <= e.status < 500 else 503
        return html(
            "sign_in.html",
            status,
            root=req.root,
            error=_said(e),
            eid_value=form.get("eid", "")[:20],
        )
    cookie = security.set_cookie(
        req,
        security.ENTERPRISE_COOKIE,
        f"{eid}:{session_id}",
        settings.get().session_ttl_seconds,
    )
    return redirect(req, "/calls", cookies=(cookie,))


@enterprise_page
def sign_out(req: PageRequest, who: Signed) -> Response:
    auth.close_session(who.session.partition(":")[2])
    return redirect(
        req,
        "",
        cookies=(
            security.clear_cookie(req, security.ENTERPRISE_COOKIE),
            security.clear_cookie(req, security.ALERTS_SEEN_COOKIE),
        ),
    )


# -- calls ---------------------------------------------------------------------------------


def _filters(query: dict[str, str]) -> tuple[CallFilters, dict[str, str]]:
    """The calls list's filters from its query string; what is not valid is left out."""
    kinds = tuple(k for k in (query.get("kind") or "").split(",") if k in KINDS)
    state = query.get("state") if query.get("state") in STATES else None
    number = (query.get("number") or "").strip()[:32] or None
    after, before = _day(query.get("after")), _day(query.get("before"))
    filters = CallFilters(
        kinds=kinds,
        state=state,
        user_id=_int(query.get("userId")),
        number=number,
        after=after,
        before=None if before is None else before + 86400,
    )
    kept = {
        "kind": ",".join(kinds),
        "state": state or "",
        "userId": str(filters.user_id) if filters.user_id is not None else "",
        "number": number or "",
        "after": query.get("after", "") if after is not None else "",
        "before": query.get("before", "") if before is not None else "",
    }
    return filters, {k: v for k, v in kept.items() if v}


def _day(text: str | None) -> int | None:
    try:
        day = date.fromisoformat((text or "").strip())
    except ValueError:
        return None
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())


def _calls_context(req: PageRequest, who: Signed) -> dict[str, Any]:
    filters, kept = _filters(req.query)
    token = req.query.get("pageToken") or None
    try:
        listing = DATA.calls(who.eid, filters, token)
    except OcpError:
        listing = DATA.calls(who.eid, filters, None)
        token = None
    live = any(is_live(c) for c in listing.items)
    here = urlencode({**kept, **({"pageToken": token} if token else {})})
    return {
        "calls": listing.items,
        "next_query": urlencode({**kept, "pageToken": listing.next_token})
        if listing.next_token
        else None,
        "query": kept,
        "rows_query": here,
        "live": live,
        "kinds": KINDS,
        "states": STATES,
        # While a call shown is in progress, every 2 s; else the first page still looks
        # for new calls now and then (an older page never changes by itself).
        "refresh": REFRESH if live else (IDLE_REFRESH if token is None else None),
    }


@enterprise_page
def calls_page(req: PageRequest, who: Signed) -> Response:
    return _page(req, who, "calls.html", "calls", **_calls_context(req, who))


@enterprise_page
def calls_rows(req: PageRequest, who: Signed) -> Response:
    return html("calls_rows.html", root=req.root, **_calls_context(req, who))


def _timeline_context(req: PageRequest, who: Signed) -> dict[str, Any] | None:
    call_id = _int(req.path_args.get("callId"))
    if call_id is None:
        return None
    try:
        timeline = DATA.timeline(who.eid, call_id)
    except OcpError as e:
        if e.code == Code.INVALID_VALUE:
            return None
        raise
    start = timeline.moments[0].at if timeline.moments else timeline.call.time_scheduled
    return {
        "t": timeline,
        "c": timeline.call,
        "start": start,
        "live": is_live(timeline.call),
        "refresh": REFRESH,
    }


@enterprise_page
def call_page(req: PageRequest, who: Signed) -> Response:
    context = _timeline_context(req, who)
    if context is None:
        return _not_found(req, who, "calls", "No such call in this enterprise.")
    return _page(req, who, "call.html", "calls", **context)


@enterprise_page
def call_part(req: PageRequest, who: Signed) -> Response:
    context = _timeline_context(req, who)
    if context is None:
        return Response("", status_code=404, headers=dict(security.PAGE_HEADERS))
    return html("call_part.html", root=req.root, **context)


def _not_found(req: PageRequest, who: Signed, nav: str, text: str) -> Response:
    return html(
        "message.html",
        404,
        root=req.root,
        csrf=who.csrf,
        eid=who.eid,
        nav=nav,
        unread=_unread(req, who),
        title="Not found",
        text=text,
    )


# -- blasts --------------------------------------------------------------------------------


@enterprise_page
def blasts_page(req: PageRequest, who: Signed) -> Response:
    kind = req.query.get("kind") if req.query.get("kind") in ("voice", "sms") else None
    token = req.query.get("pageToken") or None
    try:
        listing = DATA.blasts(who.eid, kind, token)
    except OcpError:
        listing = DATA.blasts(who.eid, kind, None)
    return _page(
        req,
        who,
        "blasts.html",
        "blasts",
        rows=listing.items,
        kind=kind or "",
        next_token=listing.next_token,
        now=clock.now(),
    )


def _blast_context(req: PageRequest, who: Signed) -> dict[str, Any] | None:
    blast_id = _int(req.path_args.get("blastId"))
    if blast_id is None:
        return None
    try:
        detail = DATA.blast(who.eid, blast_id)
    except OcpError as e:
        if e.code == Code.NO_SUCH_BLAST:
            return None
        raise
    most = max(detail.outcomes.values(), default=1)
    return {
        "d": detail,
        "b": detail.row.blast,
        "row": detail.row,
        "chart": [(name, n, n / most) for name, n in sorted(detail.outcomes.items())],
        "live": not detail.row.complete,
        "refresh": REFRESH,
        "now": clock.now(),
        "error": None,
    }


@enterprise_page
def blast_page(req: PageRequest, who: Signed) -> Response:
    context = _blast_context(req, who)
    if context is None:
        return _not_found(req, who, "blasts", "No such blast in this enterprise.")
    return _page(req, who, "blast.html", "blasts", **context)


@enterprise_page
def blast_part(req: PageRequest, who: Signed) -> Response:
    context = _blast_context(req, who)
    if context is None:
        return Response("", status_code=404, headers=dict(security.PAGE_HEADERS))
    return html("blast_part.html", root=req.root, csrf=who.csrf, **context)


@enterprise_page
def blast_cancel(req: PageRequest, who: Signed) -> Response:
    blast_id = _int(req.path_args.get("blastId"))
    try:
        if blast_id is None:
            raise OcpError(Code.NO_SUCH_BLAST)
        DATA.cancel_blast(who.eid, blast_id)
    except OcpError as e:
        if e.code == Code.ALREADY_STARTED:
            context = _blast_context(req, who)
            if context is not None:
                context["error"] = _said(e)
                return _page(req, who, "blast.html", "blasts", **context)
        if e.status >= 500:
            raise
        return _not_found(req, who, "blasts", "No such blast in this enterprise.")
    return redirect(req, "/blasts")


# -- scheduled work ------------------------------------------------------------------------


@enterprise_page
def scheduled_page(req: PageRequest, who: Signed) -> Response:
    return _page(
        req, who, "scheduled.html", "scheduled", rows=DATA.scheduled(who.eid), now=clock.now()
    )


@enterprise_page
def scheduled_cancel(req: PageRequest, who: Signed) -> Response:
    form = req.form
    kind, item_id = form.get("kind", ""), _int(form.get("id"))
    if kind not in ("blast", "autoconference") or item_id is None:
        return _not_found(req, who, "scheduled", "No such scheduled work.")
    try:
        DATA.cancel_scheduled(who.eid, kind, item_id)
    except OcpError as e:
        if e.status >= 500:
            raise
        return _not_found(req, who, "scheduled", _said(e))
    return redirect(req, "/scheduled")


# -- usage ---------------------------------------------------------------------------------


def _usage_range(query: dict[str, str]) -> tuple[date, date]:
    today = datetime.fromtimestamp(clock.now(), tz=UTC).date()
    try:
        end = date.fromisoformat(query.get("to", ""))
    except ValueError:
        end = today
    try:
        start = date.fromisoformat(query.get("from", ""))
    except ValueError:
        start = end - timedelta(days=USAGE_DAYS - 1)
    if start > end:
        start, end = end, start
    if (end - start).days >= MAX_USAGE_DAYS:
        start = end - timedelta(days=MAX_USAGE_DAYS - 1)
    return start, end


@enterprise_page
def usage_page(req: PageRequest, who: Signed) -> Response:
    start, end = _usage_range(req.query)
    usage = DATA.usage(who.eid, start, end)
    by_day = {row.key: row for row in usage.days}
    days = [(start + timedelta(days=i)).isoformat() for i in range((end - start).days + 1)]
    top = max((float(r.minutes) for r in usage.days), default=0.0) or 1.0
    bars = [
        (
            day,
            by_day[day].minutes if day in by_day else 0,
            float(by_day[day].minutes) / top if day in by_day else 0.0,
            by_day[day].calls if day in by_day else 0,
        )
        for day in days
    ]
    return _page(
        req,
        who,
        "usage.html",
        "usage",
        usage=usage,
        bars=bars,
        top=top,
        range_query=urlencode({"from": start.isoformat(), "to": end.isoformat()}),
    )


@enterprise_page
def usage_csv(req: PageRequest, who: Signed) -> Response:
    start, end = _usage_range(req.query)
    usage = DATA.usage(who.eid, start, end)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["groupBy", "key", "calls", "mou", "texts"])
    for group, rows in (("day", usage.days), ("user", usage.users)):
        for row in rows:
            writer.writerow([group, row.key, row.calls, row.minutes, row.texts])
    name = f"usage-{who.eid}-{start.isoformat()}-{end.isoformat()}.csv"
    return Response(
        out.getvalue(),
        status_code=200,
        headers={
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": f'attachment; filename="{name}"',
            **security.PAGE_HEADERS,
        },
    )


# -- alerts and users ----------------------------------------------------------------------


@enterprise_page
def alerts_page(req: PageRequest, who: Signed) -> Response:
    listing = DATA.alerts(who.eid, req.query.get("pageToken") or None)
    seen = _int(req.cookie(security.ALERTS_SEEN_COOKIE)) or 0
    newest = max((a.at for a in listing.items), default=seen)
    response = _page(
        req,
        who,
        "alerts.html",
        "alerts",
        alerts=listing.items,
        seen=seen,
        next_token=listing.next_token,
    )
    response.headers["Set-Cookie"] = security.set_cookie(
        req, security.ALERTS_SEEN_COOKIE, str(max(newest, seen)), settings.get().session_ttl_seconds
    )
    return response


@enterprise_page
def users_page(req: PageRequest, who: Signed) -> Response:
    query = (req.query.get("q") or "").strip()[:100]
    return _page(req, who, "users.html", "users", q=query, rows=DATA.users(who.eid, query))


# -- operators -----------------------------------------------------------------------------


@dataclass(frozen=True)
class OperatorSigned:
    username: str
    token: str

    @property
    def csrf(self) -> str:
        return security.csrf_token(self.token)


def operator_signed_in(req: PageRequest) -> OperatorSigned | None:
    token = req.cookie(security.OPERATOR_COOKIE) or ""
    found = operators.verify(token)
    return None if found is None else OperatorSigned(found.username, token)


OperatorPage = Callable[[PageRequest, OperatorSigned], Response]


def operator_page(view: OperatorPage) -> Callable[[PageRequest], Response]:
    def guarded(req: PageRequest) -> Response:
        who = operator_signed_in(req)
        if who is None:
            return redirect(
                req, "/operator", cookies=(security.clear_cookie(req, security.OPERATOR_COOKIE),)
            )
        if req.method == "POST" and not security.form_is_genuine(req, who.token):
            return refused(req)
        return view(req, who)

    guarded.__name__ = view.__name__
    return guarded


def operator_home(req: PageRequest) -> Response:
    if operator_signed_in(req) is not None:
        return redirect(req, "/operator/enterprises")
    return html(
        "operator_sign_in.html", root=req.root, error=None, configured=operators.configured()
    )


def operator_sign_in(req: PageRequest) -> Response:
    if not security.same_origin(req):
        return refused(req)
    form = req.form
    if not operators.configured():
        return html("operator_sign_in.html", 503, root=req.root, error=None, configured=False)
    try:
        tokens = operators.sign_in(form.get("username", "")[:128], form.get("password", "")[:256])
    except operators.SignInRefused:
        return html(
            "operator_sign_in.html",
            401,
            root=req.root,
            error="Incorrect user name or password.",
            configured=True,
        )
    cookie = security.set_cookie(
        req, security.OPERATOR_COOKIE, tokens.access_token, tokens.expires_in
    )
    return redirect(req, "/operator/enterprises", cookies=(cookie,))


@operator_page
def operator_sign_out(req: PageRequest, who: OperatorSigned) -> Response:
    operators.sign_out(who.token)
    return redirect(
        req, "/operator", cookies=(security.clear_cookie(req, security.OPERATOR_COOKIE),)
    )


def _operator(req: PageRequest, who: OperatorSigned, status: int = 200, **context: Any) -> Response:
    context.setdefault("shown", None)
    context.setdefault("error", None)
    return html(
        "operator.html",
        status,
        root=req.root,
        csrf=who.csrf,
        operator=who.username,
        rows=OPERATORS.enterprises(),
        **context,
    )


@operator_page
def operator_enterprises(req: PageRequest, who: OperatorSigned) -> Response:
    return _operator(req, who)


@operator_page
def operator_create(req: PageRequest, who: OperatorSigned) -> Response:
    name = req.form.get("name", "").strip()
    if not name or len(name) > 100:
        return _operator(req, who, 400, error="An enterprise needs a name of 1 to 100 characters.")
    made = OPERATORS.create(name)
    log.info("operator %s created enterprise %s", who.username, made.eid)
    return _operator(req, who, shown=made)


@operator_page
def operator_rotate(req: PageRequest, who: OperatorSigned) -> Response:
    eid = _int(req.path_args.get("eid"))
    try:
        if eid is None:
            raise OcpError(Code.UNKNOWN_ENTERPRISE)
        made = OPERATORS.rotate_secret(eid)
    except OcpError as e:
        return _operator(req, who, 404, error=_said(e))
    log.info("operator %s rotated the secret of enterprise %s", who.username, eid)
    return _operator(req, who, shown=made)


def _set_active(active: bool) -> OperatorPage:
    def view(req: PageRequest, who: OperatorSigned) -> Response:
        eid = _int(req.path_args.get("eid"))
        try:
            if eid is None:
                raise OcpError(Code.UNKNOWN_ENTERPRISE)
            OPERATORS.set_active(eid, active)
        except OcpError as e:
            return _operator(req, who, 404, error=_said(e))
        log.info(
            "operator %s %s enterprise %s", who.username, "resumed" if active else "suspended", eid
        )
        return redirect(req, "/operator/enterprises")

    view.__name__ = "resume" if active else "suspend"
    return view


operator_suspend = operator_page(_set_active(False))
operator_resume = operator_page(_set_active(True))
