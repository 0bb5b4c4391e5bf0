"""GET /openapi.json and GET /docs: the API's description and its reference page, served
without a session (an addition to the 2008 reference).

Both are built from the routes' declarations on the first request (chalicelib.reference
is imported then, never by a cold start of another route) and kept for the life of the
process.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from chalice import Blueprint, Response

from chalicelib.imports import on_first_use
from chalicelib.protocol.routes import PublicRequest, route
from chalicelib.protocol.shapes import Document, Returns

bp = Blueprint(__name__)
if TYPE_CHECKING:
    from chalicelib.reference import openapi, page
else:
    openapi = on_first_use("chalicelib.reference.openapi")
    page = on_first_use("chalicelib.reference.page")

# The description changes only with a deployment: caches may keep it a few minutes.
CACHE = "public, max-age=300"


@route(
    bp,
    "/openapi.json",
    ["GET"],
    public=True,
    returns=(Returns(200, Document("application/json", "This description, OpenAPI 3.1.")),),
    summary="This description (OpenAPI 3.1)",
    addition="The API describes itself: every operation, variable, body and error code.",
)
def openapi_json(req: PublicRequest) -> Response:
    return Response(
        body=_description_json(req.base_url),
        status_code=200,
        headers={"Content-Type": "application/json; charset=utf-8", "Cache-Control": CACHE},
    )


@route(
    bp,
    "/docs",
    ["GET"],
    public=True,
    returns=(Returns(200, Document("text/html", "The reference page (Redoc).")),),
    summary="The API reference page",
    addition="A browsable reference (Redoc, served with the API: no internet needed).",
)
def docs(req: PublicRequest) -> Response:
    return Response(
        body=_page(req.base_url),
        status_code=200,
        headers={"Content-Type": "text/html; charset=utf-8", "Cache-Control": CACHE},
    )


@lru_cache(maxsize=8)
def _description_json(base_url: str) -> str:
    return openapi.dump(openapi.build(base_url))


@lru_cache(maxsize=8)
def _page(base_url: str) -> str:
    return page.html(openapi.build(base_url))
