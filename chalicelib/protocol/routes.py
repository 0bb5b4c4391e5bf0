"""The one way a route is declared: `@route(bp, "/phoneNumber", ["GET"])`.

It registers the path as printed and in lower case (RULINGS "Paths"), accepts
any content type (the variables reader decides), checks the session on every
route but /session, reads `output`/`verbose`, and turns what the view returns
(a `Reply`) or raises (an `OcpError`, or anything unexpected) into an OCP body.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from chalice import Blueprint, Chalice, Response

from chalicelib.errors import OcpError
from chalicelib.protocol import auth, params
from chalicelib.protocol.params import Field, Variables
from chalicelib.protocol.render import Reply, render, render_error

log = logging.getLogger(__name__)


class App(Chalice):
    """Chalice with the request being served kept per thread.

    Chalice keeps it in one attribute of the app, which blueprints read back: two requests
    served at once in one process (`chalice local` serves each in its own thread, as do
    tests that fire concurrent requests) would otherwise read each other's variables.
    """

    _served = threading.local()

    @property  # type: ignore[override]
    def current_request(self) -> Any:
        return getattr(self._served, "request", None)

    @current_request.setter
    def current_request(self, request: Any) -> None:
        self._served.request = request


@dataclass
class Request:
    """What a view sees of an HTTP request."""

    variables: Variables
    eid: int | None
    headers: Any
    request_id: str

    def read(self, *fields: Field) -> dict[str, Any]:
        return params.read(self.variables, *fields)


View = Callable[..., Reply]

# The request header of protocol/idempotency.py (an addition to the 2008 wire format).
IDEMPOTENCY_KEY = "Idempotency-Key"


def route(
    bp: Blueprint,
    path: str,
    methods: list[str],
    *,
    public: bool = False,
    internal_error: int = 105,
    idempotent: bool = False,
) -> Callable[[View], View]:
    """`internal_error`: the code an unexpected failure is reported with, where the
    reference names its own (304 for calls and conferences, instead of 105).
    `idempotent`: the route honours the Idempotency-Key header (protocol/idempotency.py):
    POST and PUT routes that start or change work."""

    def register(view: View) -> View:
        for i, variant in enumerate(dict.fromkeys([path, path.lower()])):
            bp.route(variant, methods=methods, content_types=["*/*"])(
                _handler(
                    bp,
                    view,
                    public,
                    f"{view.__name__}_{i}",
                    internal_error,
                    path if idempotent else None,
                )
            )
        return view

    return register


def _handler(
    bp: Blueprint,
    view: View,
    public: bool,
    name: str,
    internal_error: int = 105,
    keyed_route: str | None = None,
) -> Callable[..., Response]:
    def handler(**path_args: str) -> Response:
        return handle(bp.current_request, view, path_args, public, internal_error, keyed_route)

    handler.__name__ = name
    return handler


def handle(
    http: Any,
    view: View,
    path_args: dict[str, str],
    public: bool,
    internal_error: int = 105,
    keyed_route: str | None = None,
) -> Response:
    started = time.perf_counter()
    # Made once: the access log line and an error body quote the same id.
    request_id = _request_id(http)
    response = _handle(http, view, path_args, public, internal_error, request_id, keyed_route)
    # The route template, never the concrete path: it may hold a phone number or email.
    log.info(
        "request",
        extra={
            "request_id": request_id,
            "fields": {
                "method": http.method,
                "route": (http.context or {}).get("resourcePath"),
                "status": response.status_code,
                "ms": round((time.perf_counter() - started) * 1000, 1),
            },
        },
    )
    return response


def _handle(
    http: Any,
    view: View,
    path_args: dict[str, str],
    public: bool,
    internal_error: int,
    request_id: str,
    keyed_route: str | None = None,
) -> Response:
    # A body that cannot be read is still answered in the format the query string asks for.
    fmt = params.query_format(http.query_params)
    try:
        variables = params.from_request(http.query_params, http.headers, http.raw_body or b"")
        variables = variables.with_path(path_args)
        # An error in `output` itself is still answered in the format asked for, if any.
        fmt = params.requested_format(variables.get("output"))
        fmt, verbose = params.output_options(variables)
        eid = None if public else auth.enterprise_of(http.headers.get("authorization"))
        request = Request(variables, eid, http.headers, request_id)
        key = http.headers.get(IDEMPOTENCY_KEY) if keyed_route is not None else None
        if key is None:
            return render(view(request), fmt, verbose)
        # Imported here: requests without the header never load it.
        from chalicelib.protocol import idempotency

        return idempotency.respond_once(
            eid,
            key,
            idempotency.fingerprint(http.method, keyed_route, variables),
            lambda: _answered(
                lambda: render(view(request), fmt, verbose), fmt, internal_error, request_id
            ),
        )
    except Exception as e:
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
            log.error(
                "internal error %s",
                e.code,
                exc_info=e.__cause__ or e,
                extra={"request_id": request_id},
            )
        return render_error(e, fmt)
    log.error("unhandled error", exc_info=e, extra={"request_id": request_id})
    return render_error(OcpError(internal_error, request_id=request_id), fmt)


def _request_id(http: Any) -> str:
    context = getattr(http, "context", None) or {}
    return context.get("requestId") or uuid.uuid4().hex


def chalice_errors(event: Any, get_response: Callable[[Any], Response]) -> Response:
    """HTTP middleware: Chalice's own error replies (405, 415, ...) in the OCP shape."""
    response = get_response(event)
    body = response.body
    if response.status_code >= 400 and isinstance(body, dict) and "Code" in body:
        allowed = response.headers.get("Allow")
        if response.status_code == 405 and allowed:
            error = OcpError(901, name="method", choices=allowed)
        else:
            error = OcpError(105, request_id=_request_id(event))
            log.error("chalice error %s: %s", response.status_code, body.get("Message"))
        fmt = params.query_format(event.query_params)
        rendered = render_error(error, fmt, status=response.status_code)
        rendered.headers.update({k: v for k, v in response.headers.items() if k == "Allow"})
        return rendered
    return response
