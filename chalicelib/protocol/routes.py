"""The one way a route is declared:

    @route(bp, "/phoneNumber", ["POST"], variables=(USER_ID, ...), errors=(106, 113),
           returns=(ok(201),), summary="Add a phone number to a user")

It registers the path as printed and in lower case (RULINGS "Paths"), accepts
any content type (the variables reader decides), checks the session on every
route but /session, reads `output`/`verbose` and the declared variables (the view
gets their values as `req.values`; every bad one is reported at once), and turns
what the view returns (a `Reply`) or raises (an `OcpError`, or anything unexpected)
into an OCP body.

The declaration is also what the OpenAPI description is built from (`OPERATIONS`,
read by chalicelib/openapi.py, which only `make openapi` and GET /openapi.json and
/docs import): variables with their types, limits and error codes, the route's own
error codes (`errors`), and its success bodies (`returns`, protocol.shapes).
"""

from __future__ import annotations

import logging
import threading
import time
import urllib.parse
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, TypeVar, overload

from chalice import Blueprint, Chalice, Response

from chalicelib import logs
from chalicelib.errors import RETRY_AFTER_SECONDS, Code, OcpError
from chalicelib.imports import on_first_use
from chalicelib.protocol import auth, output
from chalicelib.protocol.fields import Field, read
from chalicelib.protocol.render import Reply, render, render_error
from chalicelib.protocol.shapes import Returns
from chalicelib.protocol.variables import IDEMPOTENCY_KEY, Variables, from_request

log = logging.getLogger(__name__)

# With the store under it (PynamoDB): requests without the header never load it.
if TYPE_CHECKING:
    from chalicelib.protocol import idempotency
else:
    idempotency = on_first_use("chalicelib.protocol.idempotency")

REQUEST_ID_HEADER = "X-Request-Id"


class App(Chalice):
    """Chalice with the request being served kept per thread.

    Chalice keeps it in one attribute of the app, which blueprints read back: two requests
    served at once in one process (`chalice local` serves each in its own thread, as do
    tests that fire concurrent requests) would otherwise read each other's variables.
    """

    _served = threading.local()

    @property
    def current_request(self) -> Any:
        return getattr(self._served, "request", None)

    @current_request.setter
    def current_request(self, request: Any) -> None:
        self._served.request = request


@dataclass(frozen=True)
class PublicRequest:
    """What a public view (/session, /openapi.json, /docs) sees of an HTTP request:
    `values` are its declared variables, read. No enterprise: nobody is signed in."""

    variables: Variables
    headers: Any
    values: dict[str, Any] = field(default_factory=dict)
    context: dict[str, Any] = field(default_factory=dict)

    @property
    def base_url(self) -> str:
        """The URL the API is served under, as this request reached it (stage included)."""
        proto = (self.headers.get("x-forwarded-proto") or "http").split(",")[0].strip()
        host = self.headers.get("host") or "localhost"
        path, route = self.context.get("path") or "", self.context.get("resourcePath") or ""
        prefix = path[: -len(route)] if route and path.endswith(route) else ""
        return f"{proto}://{host}{prefix.rstrip('/')}"

    @property
    def source_ip(self) -> str | None:
        """The client's address as API Gateway (or chalice local) saw it."""
        identity = self.context.get("identity") or {}
        return identity.get("sourceIp") if isinstance(identity, dict) else None


@dataclass(frozen=True)
class Request(PublicRequest):
    """What every other view sees: the request of a valid session, `eid` its enterprise."""

    eid: int = field(kw_only=True)


# route() pairs them (its overloads): a public route's view takes a PublicRequest, any
# other a Request. A view taking a PublicRequest also serves a Request.
View = Callable[[Request], Reply | Response]
PublicView = Callable[[PublicRequest], Reply | Response]
V = TypeVar("V", bound=View)
PV = TypeVar("PV", bound=PublicView)
# Either, as the route's `public` says: what the seam below holds and calls.
SomeView = Callable[[Any], Reply | Response]


@dataclass(eq=False)  # a declaration: protocol/shapes.py says why not frozen
class Operation:
    """One declared route (a path and a method): what the description is built from."""

    path: str
    method: str
    view: View | PublicView
    variables: tuple[Field, ...]
    public: bool
    internal_error: int
    errors: tuple[int, ...]
    returns: tuple[Returns, ...]
    summary: str
    addition: str
    idempotent: bool = False

    @property
    def aliases(self) -> tuple[str, ...]:
        """The other spellings of the path that are served (RULINGS "Paths")."""
        return tuple(p for p in dict.fromkeys([self.path, self.path.lower()]) if p != self.path)


# Every route, in the order declared: read by chalicelib/reference and the tests.
OPERATIONS: list[Operation] = []


@overload
def route(
    bp: Blueprint,
    path: str | tuple[str, ...],
    methods: list[str],
    *,
    variables: Iterable[Field] = (),
    public: Literal[True],
    internal_error: int = Code.WRITE_FAILED,
    errors: Iterable[int] = (),
    returns: Iterable[Returns] = (),
    summary: str = "",
    addition: str = "",
) -> Callable[[PV], PV]: ...


@overload
def route(
    bp: Blueprint,
    path: str | tuple[str, ...],
    methods: list[str],
    *,
    variables: Iterable[Field] = (),
    public: Literal[False] = False,
    internal_error: int = Code.WRITE_FAILED,
    errors: Iterable[int] = (),
    returns: Iterable[Returns] = (),
    summary: str = "",
    addition: str = "",
    idempotent: bool = False,
) -> Callable[[V], V]: ...


def route(
    bp: Blueprint,
    path: str | tuple[str, ...],
    methods: list[str],
    *,
    variables: Iterable[Field] = (),
    public: bool = False,
    internal_error: int = Code.WRITE_FAILED,
    errors: Iterable[int] = (),
    returns: Iterable[Returns] = (),
    summary: str = "",
    addition: str = "",
    idempotent: bool = False,
) -> Callable[[SomeView], SomeView]:
    """`variables`: every variable the route reads, validated before the view runs.
    `errors`: the OCP codes the route's own work can answer with (those of its variables,
    the session and `output`/`verbose` are added). `returns`: its success outcomes.
    `internal_error`: the code an unexpected failure is reported with, where the
    reference names its own (304 for calls and conferences, instead of 105).
    `addition`: not in the 2008 reference; says what it adds.
    `idempotent`: the route honours the Idempotency-Key header (protocol/idempotency.py):
    POST and PUT routes that start or change work (never a public one: keys are kept per
    enterprise).
    `public`: no session; the view takes a PublicRequest, where any other takes a Request.
    `path`: or several paths that share the whole declaration (the reference prints some
    with and without a segment that a variable also carries)."""
    paths = (path,) if isinstance(path, str) else path
    fields = tuple(variables)
    names = [name.lower() for f in fields for name in f.names]
    if len(names) != len(set(names)):
        raise ValueError(f"{paths[0]}: a variable is declared twice: {names}")
    if public and idempotent:
        raise ValueError(f"{paths[0]}: a public route has no enterprise to keep its keys under")

    def register(view: SomeView) -> SomeView:
        for one in paths:
            _register(bp, one, methods, view, fields, public, internal_error, idempotent)
            OPERATIONS.extend(
                Operation(
                    one,
                    method,
                    view,
                    fields,
                    public,
                    internal_error,
                    tuple(errors),
                    tuple(returns),
                    summary,
                    addition,
                    idempotent,
                )
                for method in methods
            )
        return view

    return register


# Paths of carrier webhooks (`webhook`): served, but no part of the OCP API or its
# description, and never behind the session guard.
WEBHOOKS: list[str] = []

# A webhook view: (path variables, headers, raw body) -> (status, body, content type).
Hook = Callable[[dict[str, str], Any, bytes], tuple[int, str, str]]


def webhook(bp: Blueprint, path: str) -> Callable[[Hook], Hook]:
    """A carrier's webhook (POST): no session, no OCP variables or body; the view checks
    the carrier's signature itself (STYLE 15) and answers the carrier's format. Logged
    and given an X-Request-Id like every route."""

    def register(view: Hook) -> Hook:
        def handler(**path_args: str) -> Response:
            http = bp.current_request
            started = time.perf_counter()
            request_id = request_id_of(http)
            with logs.scope(requestId=request_id):
                try:
                    raw = http.raw_body or b""
                    raw = raw.encode() if isinstance(raw, str) else raw
                    status, body, content_type = view(path_args, http.headers, raw)
                except Exception:
                    # The carrier retries a 5xx; nothing here may answer with a trace.
                    log.exception("webhook failed")
                    status, body, content_type = 500, "", "text/plain"
                log.info(
                    "webhook",
                    extra={
                        "fields": {
                            "route": path,
                            "status": status,
                            "ms": round((time.perf_counter() - started) * 1000, 1),
                        }
                    },
                )
            return Response(
                body,
                status_code=status,
                headers={"Content-Type": content_type, REQUEST_ID_HEADER: request_id},
            )

        handler.__name__ = f"webhook_{view.__name__}"
        bp.route(path, methods=["POST"], content_types=["*/*"])(handler)
        WEBHOOKS.append(path)
        return view

    return register


# Paths of the web console's pages (`page`): served, but no part of the OCP API or its
# description; the console checks its own cookie session (chalicelib/console).
PAGES: list[str] = []


@dataclass(frozen=True)
class PageRequest:
    """What a console page sees of an HTTP request: no OCP variables and no session (its
    cookie is the page's to check), the body as sent."""

    method: str
    path_args: dict[str, str]
    query: dict[str, str]
    headers: Any
    body: bytes
    context: dict[str, Any]

    @property
    def root(self) -> str:
        """The path the API is served under, as this request reached it (the stage of a
        deployed API: "/api"; "" locally)."""
        path, route = self.context.get("path") or "", self.context.get("resourcePath") or ""
        return (path[: -len(route)] if route and path.endswith(route) else "").rstrip("/")

    @property
    def form(self) -> dict[str, str]:
        """An urlencoded body's fields (the first of each name)."""
        fields = urllib.parse.parse_qs(self.body.decode("utf-8", "replace"), max_num_fields=100)
        return {name: values[0] for name, values in fields.items()}

    def cookie(self, name: str) -> str | None:
        """A cookie's value (the console's are plain tokens: no quoting to undo). Read by
        hand: http.cookies would be one more module at every cold start."""
        for part in (self.headers.get("cookie") or "").split(";"):
            key, found, value = part.strip().partition("=")
            if found and key == name:
                return value.strip()
        return None


# A page view: the request -> the response (HTML, a redirect, an asset).
Page = Callable[[PageRequest], Response]


def page(bp: Blueprint, path: str, methods: list[str]) -> Callable[[Page], Page]:
    """A console page (GET, or POST from its forms): no OCP variables, session or body
    format; logged and given an X-Request-Id like every route; anything it raises is a
    plain 500 page quoting the request id, never a trace."""

    def register(view: Page) -> Page:
        def handler(**path_args: str) -> Response:
            http_request = bp.current_request
            started = time.perf_counter()
            request_id = request_id_of(http_request)
            with logs.scope(requestId=request_id):
                raw = http_request.raw_body or b""
                seen = PageRequest(
                    http_request.method,
                    path_args,
                    dict(http_request.query_params or {}),
                    http_request.headers,
                    raw.encode() if isinstance(raw, str) else raw,
                    http_request.context or {},
                )
                try:
                    response = view(seen)
                except Exception:
                    log.exception("page failed")
                    response = Response(
                        f"<!DOCTYPE html><title>Error</title><p>Something went wrong "
                        f"(request {request_id}).</p>",
                        status_code=500,
                        headers={"Content-Type": "text/html; charset=utf-8"},
                    )
                log.info(
                    "page",
                    extra={
                        "fields": {
                            "method": http_request.method,
                            "route": path,
                            "status": response.status_code,
                            "ms": round((time.perf_counter() - started) * 1000, 1),
                        }
                    },
                )
            response.headers[REQUEST_ID_HEADER] = request_id
            return response

        handler.__name__ = f"page_{view.__name__}"
        bp.route(path, methods=methods, content_types=["*/*"])(handler)
        PAGES.append(path)
        return view

    return register


def _register(
    bp: Blueprint,
    path: str,
    methods: list[str],
    view: SomeView,
    fields: tuple[Field, ...],
    public: bool,
    internal_error: int,
    idempotent: bool,
) -> None:
    """Chalice's routes for `path` as printed and in lower case (RULINGS "Paths")."""
    for i, variant in enumerate(dict.fromkeys([path, path.lower()])):
        bp.route(variant, methods=methods, content_types=["*/*"])(
            _handler(
                bp,
                view,
                public,
                f"{view.__name__}_{i}",
                internal_error,
                fields,
                path if idempotent else None,
            )
        )


def _handler(
    bp: Blueprint,
    view: SomeView,
    public: bool,
    name: str,
    internal_error: int = Code.WRITE_FAILED,
    fields: tuple[Field, ...] = (),
    keyed_route: str | None = None,
) -> Callable[..., Response]:
    def handler(**path_args: str) -> Response:
        return handle(
            bp.current_request, view, path_args, public, internal_error, fields, keyed_route
        )

    handler.__name__ = name
    return handler


def handle(
    http: Any,
    view: SomeView,
    path_args: dict[str, str],
    public: bool,
    internal_error: int = Code.WRITE_FAILED,
    fields: tuple[Field, ...] = (),
    keyed_route: str | None = None,
) -> Response:
    started = time.perf_counter()
    # Made once: the log lines, an error body and the X-Request-Id header quote the same id.
    request_id = request_id_of(http)
    with logs.scope(requestId=request_id):
        response = _handle(
            http, view, path_args, public, internal_error, request_id, fields, keyed_route
        )
        # The route template, never the concrete path: it may hold a phone number or email.
        log.info(
            "request",
            extra={
                "fields": {
                    "method": http.method,
                    "route": (http.context or {}).get("resourcePath"),
                    "status": response.status_code,
                    "ms": round((time.perf_counter() - started) * 1000, 1),
                },
            },
        )
    response.headers[REQUEST_ID_HEADER] = request_id
    # Answers are one enterprise's, and /session's hold a credential: no cache keeps them
    # (a view may say otherwise for a public document).
    response.headers.setdefault("Cache-Control", "no-store")
    return response


def _handle(
    http: Any,
    view: SomeView,
    path_args: dict[str, str],
    public: bool,
    internal_error: int,
    request_id: str,
    fields: tuple[Field, ...] = (),
    keyed_route: str | None = None,
) -> Response:
    # The format an error is answered in: None until the variables are read.
    asked: str | None = None
    try:
        variables = from_request(http.query_params, http.headers, http.raw_body or b"")
        variables = variables.with_path(path_args)
        # An error in `output` itself is still answered in the format asked for, if any.
        asked = output.requested_format(variables.get("output"))
        fmt, verbose = output.output_options(variables)
        eid = None if public else auth.enterprise_of(http.headers.get("authorization"))
        logs.bind(eid=eid)
        context = http.context or {}

        # Read before any Idempotency-Key is claimed: a request whose variables are
        # wrong did nothing, so its key stays free for the corrected request.
        values = read(variables, *fields)
        # The ids a route reads go on every log line (and metric) of the request.
        logs.bind(**{name: values[name] for name in logs.IDS if name in values})

        def run() -> Response:
            seen = (
                PublicRequest(variables, http.headers, values, context)
                if eid is None
                else Request(variables, http.headers, values, context, eid=eid)
            )
            reply = view(seen)
            # A view may answer with its own response (the HTML of /docs, the description).
            return reply if isinstance(reply, Response) else render(reply, fmt, verbose)

        key = http.headers.get(IDEMPOTENCY_KEY)
        # A keyed route is never public (route()): its requests have an enterprise.
        if keyed_route is None or key is None or eid is None:
            return run()
        once: Response = idempotency.respond_once(
            eid,
            key,
            idempotency.fingerprint(http.method, keyed_route, variables),
            lambda: _answered(run, fmt, internal_error, request_id),
        )
        return once
    except Exception as e:
        # A body that cannot be read: the format the query string asks for.
        fmt = asked or output.query_format(http.query_params)
        return _error_response(e, fmt, internal_error, request_id)


def _answered(
    run: Callable[[], Response], fmt: str, internal_error: int, request_id: str
) -> Response:
    """`run()`'s response, or the error it raised as a response."""
    try:
        return run()
    except Exception as e:
        return _error_response(e, fmt, internal_error, request_id)


def _error_response(e: Exception, fmt: str, internal_error: int, request_id: str) -> Response:
    if isinstance(e, OcpError):
        if e.status >= 500 and e.request_id is None:
            # An internal failure reported with its own code (304, ...): logged here with
            # its cause, under the request id the client is given to quote.
            e.request_id = request_id
            if e.code in RETRY_AFTER_SECONDS:
                # Back-pressure by design (116: contention past its budget): the client
                # retries; a warning, with no traceback, not an internal error.
                log.warning("error %s: retry after %d s", e.code, RETRY_AFTER_SECONDS[e.code])
            else:
                log.error("internal error %s", e.code, exc_info=e.__cause__ or e)
        return render_error(e, fmt)
    log.error("unhandled error", exc_info=e)
    return render_error(OcpError(internal_error, request_id=request_id), fmt)


def request_id_of(http: Any) -> str:
    """API Gateway's id of the request (the one its access log and its own error replies
    quote), or, where there is none (chalice local, tests), one made for the request and
    kept on it, so that the route and the middleware agree."""
    found = getattr(http, "ocp_request_id", None)
    if found is None:
        context = getattr(http, "context", None) or {}
        found = context.get("requestId") or uuid.uuid4().hex
        http.ocp_request_id = found
    return found


def chalice_errors(event: Any, get_response: Callable[[Any], Response]) -> Response:
    """HTTP middleware: Chalice's own error replies (405, 415, ...) in the OCP shape, and
    X-Request-Id on every response."""
    response = get_response(event)
    request_id = request_id_of(event)
    body = response.body
    if response.status_code >= 400 and isinstance(body, dict) and "Code" in body:
        allowed = response.headers.get("Allow")
        if response.status_code == 405 and allowed:
            error = OcpError(Code.NOT_A_CHOICE, name="method", choices=allowed)
        else:
            error = OcpError(Code.WRITE_FAILED, request_id=request_id)
            log.error(
                "chalice error %s: %s",
                response.status_code,
                body.get("Message"),
                extra={"request_id": request_id},
            )
        fmt = output.query_format(event.query_params)
        rendered = render_error(error, fmt, status=response.status_code)
        rendered.headers.update({k: v for k, v in response.headers.items() if k == "Allow"})
        response = rendered
    response.headers[REQUEST_ID_HEADER] = request_id
    return response
