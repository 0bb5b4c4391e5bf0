"""Plain data or an OcpError -> an XML or JSON HTTP response.

The shape of a body is plain Python data:

* a dict is a sequence of child elements, in order;
* a list under a key is that element repeated (`{"contact": [{...}, {...}]}`);
* `Items("number", [...])` is a container element whose children all repeat one
  name: in XML `<numbers><number/>...</numbers>`, in JSON an array
  (`{"numbers": [{...}]}`, RULINGS "JSON body");
* None is an empty element (`<cityCode />`, JSON null); int and Decimal are
  numbers in JSON; everything else is text.

RULINGS "Wire format": the root is `<ResponseData>`, "Body: (verbose only)"
bodies are sent only with verbose=1, and "None found" is 204 with no body.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from chalice import Response

from chalicelib.errors import RETRY_AFTER_SECONDS, OcpError
from chalicelib.protocol.types import xml_chars

XML_TYPE = "text/xml; charset=utf-8"
JSON_TYPE = "application/json; charset=utf-8"


@dataclass(frozen=True)
class Items:
    """A container element of repeated children (`<numbers><number>...`)."""

    child: str
    items: list[Any] = field(default_factory=list)


@dataclass(frozen=True)
class Reply:
    """What a route returns: a body, its status, and whether it is verbose-only."""

    body: dict[str, Any] | None
    status: int = 200
    verbose_only: bool = False


NO_CONTENT = Reply(None, 204)


def status_ok(status: int = 200, *, verbose_only: bool = True) -> Reply:
    """The reference's `<status>ok</status>` body."""
    return Reply({"status": "ok"}, status, verbose_only)


def render(reply: Reply, fmt: str = "xml", verbose: bool = False) -> Response:
    if reply.body is None or (reply.verbose_only and not verbose):
        return Response(
            body="", status_code=reply.status, headers={"Content-Type": _content_type(fmt)}
        )
    return _respond(reply.body, reply.status, fmt)


def render_error(error: OcpError, fmt: str = "xml", status: int | None = None) -> Response:
    errors: list[dict[str, Any]] = [{"code": d.code, "message": d.message} for d in error.details]
    if error.request_id:
        for item in errors:
            item["requestId"] = error.request_id
    response = _respond({"errors": Items("error", errors)}, status or error.status, fmt)
    retry_after = error.retry_after or RETRY_AFTER_SECONDS.get(error.code)
    if retry_after is not None:
        response.headers["Retry-After"] = str(retry_after)
    return response


def _content_type(fmt: str) -> str:
    return JSON_TYPE if fmt == "json" else XML_TYPE


def _respond(body: dict[str, Any], status: int, fmt: str) -> Response:
    text = to_json(body) if fmt == "json" else to_xml(body)
    return Response(body=text, status_code=status, headers={"Content-Type": _content_type(fmt)})


# -- XML ---------------------------------------------------------------------


def to_xml(body: dict[str, Any]) -> str:
    lines = ['<?xml version="1.0" ?>', "<ResponseData>"]
    _xml_children(body, lines, 1)
    lines.append("</ResponseData>")
    return "\n".join(lines) + "\n"


def _xml_children(node: dict[str, Any], lines: list[str], depth: int) -> None:
    for name, value in node.items():
        if isinstance(value, list):
            for item in value:
                _xml_element(name, item, lines, depth)
        else:
            _xml_element(name, value, lines, depth)


def _xml_element(name: str, value: Any, lines: list[str], depth: int) -> None:
    pad = "  " * depth
    if value is None:
        lines.append(f"{pad}<{name} />")
    elif isinstance(value, Items):
        lines.append(f"{pad}<{name}>")
        for item in value.items:
            _xml_element(value.child, item, lines, depth + 1)
        lines.append(f"{pad}</{name}>")
    elif isinstance(value, dict):
        lines.append(f"{pad}<{name}>")
        _xml_children(value, lines, depth + 1)
        lines.append(f"{pad}</{name}>")
    else:
        lines.append(f"{pad}<{name}>{escape(_text(value))}</{name}>")


def escape(text: str) -> str:
    # xml.sax.saxutils.escape would do, but importing it pulls in urllib.request
    # (about 20 ms of every cold start). Characters XML 1.0 cannot carry at all (C0
    # controls, lone surrogates) are dropped: input is filtered the same way, but an
    # item stored before that, or a value from elsewhere, must not make a body unreadable.
    return xml_chars(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


# -- JSON --------------------------------------------------------------------


def to_json(body: dict[str, Any]) -> str:
    return json.dumps(json_data(body), separators=(",", ":"))


def json_data(body: dict[str, Any]) -> Any:
    """The body as the JSON output holds it (lists, numbers), before it is serialised."""
    return _json_value(body)


def _json_value(value: Any) -> Any:
    if isinstance(value, Items):
        return [_json_value(item) for item in value.items]
    if isinstance(value, dict):
        return {k: _json_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_value(item) for item in value]
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, str):
        return xml_chars(value)  # the same text as the XML body
    return value
