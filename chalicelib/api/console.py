"""The web console at /console (docs/console.md): pages for an enterprise signed in with
its id and secret, and for operators signed in through the stack's Cognito user pool.

Not part of the OCP API or its description: the routes are `page`s (protocol.routes),
with the console's own cookie session. Everything behind them (Jinja2, PyJWT, the
stores) is imported by the first console request, never by another cold start.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from chalice import Blueprint, Response

from chalicelib.imports import on_first_use
from chalicelib.protocol.routes import PageRequest, page

bp = Blueprint(__name__)
if TYPE_CHECKING:
    from chalicelib.console import pages
else:
    pages = on_first_use("chalicelib.console.pages")

GET, POST = ["GET"], ["POST"]


def _serve(name: str) -> Callable[[PageRequest], Response]:
    """A route calling `pages.{name}`: the module is imported on the first request."""

    def view(req: PageRequest) -> Response:
        served: Callable[[PageRequest], Response] = getattr(pages, name)
        return served(req)

    view.__name__ = name
    return view


ROUTES: tuple[tuple[str, list[str], str], ...] = (
    ("/console", GET, "home"),
    ("/console/sign-in", POST, "sign_in"),
    ("/console/sign-out", POST, "sign_out"),
    ("/console/static/{name}", GET, "asset"),
    ("/console/calls", GET, "calls_page"),
    ("/console/calls/rows", GET, "calls_rows"),
    ("/console/calls/{callId}", GET, "call_page"),
    ("/console/calls/{callId}/part", GET, "call_part"),
    ("/console/blasts", GET, "blasts_page"),
    ("/console/blasts/{blastId}", GET, "blast_page"),
    ("/console/blasts/{blastId}/part", GET, "blast_part"),
    ("/console/blasts/{blastId}/cancel", POST, "blast_cancel"),
    ("/console/scheduled", GET, "scheduled_page"),
    ("/console/scheduled/cancel", POST, "scheduled_cancel"),
    ("/console/usage", GET, "usage_page"),
    ("/console/usage.csv", GET, "usage_csv"),
    ("/console/alerts", GET, "alerts_page"),
    ("/console/users", GET, "users_page"),
    ("/console/operator", GET, "operator_home"),
    ("/console/operator/sign-in", POST, "operator_sign_in"),
    ("/console/operator/sign-out", POST, "operator_sign_out"),
    ("/console/operator/enterprises", GET, "operator_enterprises"),
    ("/console/operator/enterprises", POST, "operator_create"),
    ("/console/operator/enterprises/{eid}/rotate", POST, "operator_rotate"),
    ("/console/operator/enterprises/{eid}/suspend", POST, "operator_suspend"),
    ("/console/operator/enterprises/{eid}/resume", POST, "operator_resume"),
)

for _path, _methods, _name in ROUTES:
    page(bp, _path, _methods)(_serve(_name))
