"""The OpenAPI 3.1 description of the API, built from the routes' own declarations.

Every operation comes from `protocol.routes.OPERATIONS`: its variables (the same `Field`
objects that validate requests), its error codes (its own, its variables', the session's,
`output`/`verbose`'s and its internal error, each with the status `errors.CATALOGUE`
gives it) and its success bodies (`protocol.shapes`). Nothing here is written by hand
per route, so the description cannot drift from what the routes do.

Imported only by `make openapi` (`python -m chalicelib.reference`) and, on first
request, by GET /openapi.json and /docs: never by a cold start of another route.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from chalicelib.errors import BUSY, CATALOGUE, SESSION_INVALID, TOO_MANY_REQUESTS, Code
from chalicelib.protocol import params, shapes
from chalicelib.protocol.params import IDEMPOTENCY_KEY as HEADER
from chalicelib.protocol.params import Field, TypedDestinations, When
from chalicelib.protocol.render import JSON_TYPE, XML_TYPE
from chalicelib.protocol.routes import OPERATIONS, Operation

XML = XML_TYPE.split(";")[0]
JSON = JSON_TYPE.split(";")[0]
FORM = "application/x-www-form-urlencoded"
MULTIPART = "multipart/form-data"

# The reference's sections, in its order: the first path segment (lower case) -> tag.
TAGS: dict[str, tuple[str, str]] = {
    "session": ("Sessions", "Opening a session: the first of the two authentication steps."),
    "user": ("Users", "Users: names and address; the first number and email."),
    "uidbyemail": ("Users", ""),
    "phonenumber": ("Phone numbers", "A user's numbers, and which to dial at a time."),
    "smsphone": ("SMS numbers", "A user's SMS numbers (a separate list)."),
    "huntorder": ("Hunt order", "The order a user's numbers are tried in, or all at once."),
    "calltimeexception": ("Call-time exceptions", "Which number to ring at set hours."),
    "dnd": ("Do not disturb", "Hours when a user takes no calls."),
    "blacklist": ("Blacklist", "Users and numbers that may not call a user."),
    "email": ("Email", "A user's email addresses, unique system-wide."),
    "carriers": ("Carriers", "The carriers of a user's numbers."),
    "currency": ("Currency", "A user's currency balance, per enterprise."),
    "mouallowed": ("Minutes of use", "Allowed and used minutes, per enterprise."),
    "mouused": ("Minutes of use", ""),
    "group": ("Groups", "Contact groups and their members."),
    "call": ("Calls", "Click-to-call: the destination first, then the origination."),
    "autoconference": ("Autoconferences", "Dialing into a conference bridge at a time."),
    "conference": ("Conferences", "On-demand conference rooms."),
    "blastvoice": ("Voice blasts", "One announcement called to many recipients."),
    "blastsms": ("SMS blasts", "One text sent to many recipients."),
    "donotcall": (
        "Do-not-call list",
        "Addition: numbers blasts never call or text (issue 27: blast compliance).",
    ),
    "ttspreview": ("Text to speech", "What a call's text sounds like."),
    "audioupload": ("Audio upload", "Addition: presigned S3 uploads for blast audio."),
    "openapi.json": ("Reference", "Addition: this description and its page, without a session."),
    "docs": ("Reference", ""),
}
METHOD_ORDER = {"GET": 0, "POST": 1, "PUT": 2, "DELETE": 3}
# The terms the description is published under (`info.license`, which OpenAPI linters ask
# for): the project declares no open licence, so none is claimed; an SPDX LicenseRef names
# its own terms.
LICENSE = {"name": "Proprietary: all rights reserved", "identifier": "LicenseRef-Proprietary"}

OVERVIEW = """\
The Open Communications Platform REST API v1.1 (2008): users with find-me/follow-me
preferences, calls, conferences, voice and SMS blasts, text to speech. A client written
against the 2008 reference works unchanged; this description is generated from the
routes' own declarations.

## Authentication: two steps

1. **Open a session**: `GET /session` with
   `Authorization: Basic {enterpriseId}:{gmttime}:{md5hex(gmttime + secret)}`, where
   `gmttime` is the current Unix time (within 300 seconds of the server's clock). The body
   holds a `sessionId` (64 hex characters), valid 24 hours. Example: enterprise 1, secret
   `56789`, time `234` gives `Basic 1:234:4428c6c474502e61151877825bb41961`.
2. **Use it**: every other operation takes `Authorization: Basic {enterpriseId}:{sessionId}`.

Either credential may also be base64-encoded, as HTTP clients send Basic credentials
(user name the enterprise id, password `{gmttime}:{md5}` or the session id).

## Wire format

- **Variables** come from the query string and, for POST and PUT, from the body:
  `application/x-www-form-urlencoded`, `multipart/form-data` or a JSON object (the body
  wins on a clash; path parameters win over both). Names are case-insensitive; unknown
  ones are ignored. Values are sanitised as the reference's Data Types table says:
  *numeric* keeps the digits, *string* strips HTML and PHP tags, *DTMF* keeps 0-9 # *.
- **Paths** work as printed and in lower case (`/phoneNumber` and `/phonenumber`); each
  operation lists its other spelling under `x-ocp-aliases`.
- **output=xml** (default) answers `text/xml` with a `<ResponseData>` root;
  **output=json** answers `application/json`, the same tree without the root, repeated
  elements as arrays. **verbose=1** also sends the bodies the reference marks
  "verbose only" (otherwise those responses have an empty body).
- **Errors** have one shape, every bad variable reported at once:
  `<ResponseData><errors><error><code>106</code><message>...</message></error></errors>
  </ResponseData>` (JSON: `{"errors": [{"code": 106, "message": "..."}]}`); internal
  failures carry a `requestId` to quote. Each operation lists the codes it can answer
  with, under the HTTP status each has.

## Additions to the 2008 reference

Marked `x-ocp-addition` where they appear: POST /audioupload (presigned uploads of blast
audio), the `audioKey` variable of blastvoice, the `Idempotency-Key` header of the POST and
PUT operations that start or change work, the `statusCallback` and
`statusCallbackEvents` variables (signed events about calls, conferences and blasts), and
GET /openapi.json and /docs.
"""


def build(server: str | None = None) -> dict[str, Any]:
    """The whole document; `server` is the base URL to list (default: `make run`'s)."""
    return json.loads(json.dumps(_document(), ensure_ascii=False)) | {
        "servers": [
            {"url": server, "description": "this API"}
            if server
            else {
                "url": "{baseUrl}",
                "description": "`make run` serves http://127.0.0.1:8000; a deployed stage "
                "its EndpointURL output.",
                "variables": {"baseUrl": {"default": "http://127.0.0.1:8000"}},
            }
        ]
    }


class Schemas:
    """components/schemas: each schema once, under the first name it was given; the same
    schema given again (a body shared by routes, an error list) is the same reference."""

    def __init__(self) -> None:
        self.named: dict[str, Any] = {}
        self._by_content: dict[str, str] = {}

    def ref(self, name: str, schema: dict[str, Any]) -> dict[str, str]:
        key = json.dumps(schema, sort_keys=True)
        if key not in self._by_content:
            self._by_content[key] = name
            self.named[name] = schema
        return {"$ref": f"#/components/schemas/{self._by_content[key]}"}


@lru_cache(maxsize=1)
def _document() -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    names = _operation_ids(OPERATIONS)
    schemas = Schemas()
    for op in sorted(OPERATIONS, key=_order):
        item = paths.setdefault(op.path, {})
        if op.aliases:
            item["x-ocp-aliases"] = list(op.aliases)
        item[op.method.lower()] = _operation(op, names[id(op)], schemas)
    tags: dict[str, str] = {}
    for name, text in TAGS.values():
        tags.setdefault(name, text)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "OCP REST API",
            "version": "1.1",
            "summary": "The Open Communications Platform REST API v1.1 on AWS serverless.",
            "description": OVERVIEW,
            "license": LICENSE,
        },
        "tags": [
            {"name": name, "description": text}
            for name, text in tags.items()
            if any(_tag(op) == name for op in OPERATIONS)
        ],
        "paths": paths,
        "components": {
            "securitySchemes": {
                "ocpSignature": {
                    "type": "http",
                    "scheme": "basic",
                    "description": "GET /session only: `Basic {enterpriseId}:{gmttime}:"
                    "{md5hex(gmttime + secret)}`, gmttime the Unix time now (±300 s).",
                },
                "ocpSession": {
                    "type": "http",
                    "scheme": "basic",
                    "description": "`Basic {enterpriseId}:{sessionId}`, the session from "
                    "GET /session (valid 24 hours).",
                },
            },
            "parameters": {
                "output": _parameter(params.OUTPUT, "query"),
                "verbose": _parameter(params.VERBOSE, "query"),
                "idempotencyKey": IDEMPOTENCY_KEY,
            },
            "schemas": schemas.named,
        },
    }


def _order(op: Operation) -> tuple:
    tag = _tag(op)
    tag_index = [name for name, _ in TAGS.values()].index(tag)
    return (tag_index, op.path.lower(), METHOD_ORDER.get(op.method, 9))


def _segment(op: Operation) -> str:
    return op.path.strip("/").split("/")[0].lower()


def _tag(op: Operation) -> str:
    return TAGS[_segment(op)][0]


def reference_method(op: Operation) -> str:
    """The reference's name for the method ("phonenumber PUT")."""
    return f"{_segment(op)} {op.method}"


def _operation_ids(ops: Iterable[Operation]) -> dict[int, str]:
    """The view's name, plus the path parameters where one view serves several paths."""
    by_view: dict[str, list[Operation]] = {}
    for op in ops:
        by_view.setdefault(f"{op.view.__name__}:{op.method}", []).append(op)
    out = {}
    for group in by_view.values():
        for op in group:
            name = op.view.__name__
            extra = _path_params(op.path)
            if len(group) > 1 and extra:
                name += "_by_" + "_".join(extra)
            out[id(op)] = name
    return out


def _path_params(path: str) -> list[str]:
    return re.findall(r"{([^}]+)}", path)


# -- one operation -----------------------------------------------------------------------


def _operation(op: Operation, operation_id: str, schemas: Schemas) -> dict[str, Any]:
    in_path = {name.lower() for name in _path_params(op.path)}
    parameters: list[dict[str, Any]] = []
    body: list[Field] = []
    for name in _path_params(op.path):
        declared = next((f for f in op.variables if f.name.lower() == name.lower()), None)
        if declared is None:
            parameters.append(
                {
                    "name": name,
                    "in": "path",
                    "required": True,
                    "description": "Ignored (the reference prints it; any value will do).",
                    "schema": {"type": "string"},
                }
            )
        else:
            parameters.append(_parameter(declared, "path"))
    for f in op.variables:
        if f.name.lower() in in_path:
            continue
        if op.method in ("POST", "PUT"):
            body.append(f)
        else:
            parameters.extend(_parameter(p, "query") for p in _split(f))
    parameters += [
        {"$ref": "#/components/parameters/output"},
        {"$ref": "#/components/parameters/verbose"},
    ]
    if op.idempotent:
        parameters.append({"$ref": "#/components/parameters/idempotencyKey"})
    out: dict[str, Any] = {
        "tags": [_tag(op)],
        "summary": op.summary or reference_method(op),
        "operationId": operation_id,
        "x-ocp-method": reference_method(op),
    }
    description = _view_doc(op)
    if op.addition:
        out["x-ocp-addition"] = op.addition
        description = f"**Addition to the 2008 reference.** {op.addition}\n\n{description}"
    if description.strip():
        out["description"] = description.strip()
    out["security"] = (
        [{"ocpSignature": []}]
        if op.path == "/session"
        else []
        if op.public
        else [{"ocpSession": []}]
    )
    out["parameters"] = parameters
    if body:
        out["requestBody"] = _request_body(body, schemas, operation_id)
    out["responses"] = _responses(op, schemas, operation_id)
    return out


def _view_doc(op: Operation) -> str:
    doc = (op.view.__doc__ or "").strip()
    return re.sub(r"\s*\n\s*", " ", doc)


def _split(f: Field) -> list[Field]:
    """A field that reads two variables (conference's type and value) as two."""
    if isinstance(f, TypedDestinations):
        return [
            f,
            params.Field(
                f.value_name,
                f.parse,
                f.required,
                schema={"type": "string", "examples": ["3035551212"]},
                doc="The userId, email or phone number; several comma-separated.",
            ),
        ]
    return [f]


def _field_schema(f: Field) -> dict[str, Any]:
    schema = dict(f.schema) or {"type": "string"}
    if f.default is not None and "default" not in schema:
        schema["default"] = f.default if isinstance(f.default, int | str) else str(f.default)
    return schema


def _field_description(f: Field, *, path: bool = False) -> str:
    parts = [f"**Addition to the 2008 reference.** {f.addition}"] if f.addition else []
    parts += [f.doc] if f.doc else []
    if isinstance(f.required, When):
        parts.append(f"Required {f.required.text}.")
    if f.when is not None:
        parts.append(f"Read only {f.when.text}.")
    codes = [c for c in f.errors if c != Code.REQUIRED or not path]
    if codes:
        parts.append("Errors: " + ", ".join(str(c) for c in codes) + ".")
    return " ".join(parts)


def _parameter(f: Field, where: str) -> dict[str, Any]:
    out = {
        "name": f.name,
        "in": where,
        "required": where == "path" or f.required is True,
        "description": _field_description(f, path=where == "path"),
        "schema": _field_schema(f),
    }
    if f.errors:
        out["x-ocp-errors"] = list(f.errors)
    if f.addition:
        out["x-ocp-addition"] = f.addition
    return out


def _request_body(fields: list[Field], schemas: Schemas, name: str) -> dict[str, Any]:
    properties: dict[str, Any] = {}
    required: list[str] = []
    files: set[str] = set()
    for f in (part for field in fields for part in _split(field)):
        schema = _field_schema(f)
        description = _field_description(f)
        if description:
            schema["description"] = description
        if f.errors:
            schema["x-ocp-errors"] = list(f.errors)
        if f.addition:
            schema["x-ocp-addition"] = f.addition
        properties[f.name] = schema
        if f.required is True:
            required.append(f.name)
        if schema.get("format") == "binary":
            files.add(f.name)
    form: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        form["required"] = required
    urlencoded: dict[str, Any] = {
        **form,
        "properties": {k: v for k, v in properties.items() if k not in files},
    }
    json_body = {
        **urlencoded,
        "properties": {k: _json_property(v) for k, v in urlencoded["properties"].items()},
    }
    content: dict[str, dict[str, Any]] = {
        FORM: {"schema": schemas.ref(f"{name}_form", urlencoded)},
        MULTIPART: {"schema": schemas.ref(f"{name}_multipart", form)},
        JSON: {"schema": schemas.ref(f"{name}_json", json_body)},
    }
    if files:
        content[MULTIPART]["encoding"] = {
            name: {"contentType": "audio/mpeg, audio/x-ms-wma, application/octet-stream"}
            for name in files
        }
    return {
        "required": bool(required),
        "description": "The variables: a form, a multipart form (with files) or a JSON "
        "object. They may also come in the query string (the body wins).",
        "content": content,
    }


def _json_property(schema: dict[str, Any]) -> dict[str, Any]:
    """In a JSON object a number may also come as a string (`"7"`), as in a form."""
    if schema.get("type") in ("integer", "number"):
        return {**schema, "type": [schema["type"], "string"]}
    return schema


# -- responses ----------------------------------------------------------------------------


# protocol/idempotency.py: the header POST and PUT routes that start or change work honour.
IDEMPOTENCY_KEY = {
    "name": HEADER,
    "in": "header",
    "required": False,
    "description": "**Addition to the 2008 reference.** Any 1-255 printable characters "
    "chosen by the client: the first response to a key is kept for 24 hours and a retry with "
    "the same key and variables gets it again (header `Idempotent-Replayed: true`) without "
    "doing the work twice. The same key with other variables is 970; while the first "
    "request is still running, 971 (retry later). Variables that fail reading (9xx) "
    "claim nothing: the corrected request may reuse the key. Errors: 902, 903, 970, 971.",
    "schema": {"type": "string", "minLength": 1, "maxLength": 255},
    "x-ocp-addition": "Retries that do not repeat the work.",
    "x-ocp-errors": [Code.INVALID_VALUE, Code.BAD_LENGTH, Code.KEY_REUSED, Code.KEY_IN_PROGRESS],
}


def error_codes(op: Operation) -> list[int]:
    """Every OCP code the operation can answer with."""
    # output/verbose not a choice, a bad body, a body past its limit; busy (README "Limits")
    codes = {*op.errors, op.internal_error, Code.NOT_A_CHOICE, Code.INVALID_VALUE}
    codes |= {Code.BAD_LENGTH, BUSY}
    if op.idempotent:
        # a key too long, used with other variables, in progress
        codes |= {Code.BAD_LENGTH, Code.KEY_REUSED, Code.KEY_IN_PROGRESS}
    codes |= {code for f in op.variables for code in f.errors}
    if not op.public:
        codes.add(SESSION_INVALID)
    return sorted(codes)


def _responses(op: Operation, schemas: Schemas, name: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    by_status: dict[int, list[shapes.Returns]] = {}
    for r in op.returns:
        by_status.setdefault(r.status, []).append(r)
    for status, returns in sorted(by_status.items()):
        out[str(status)] = _success(returns, schemas, f"{name}_{status}")
    by_error: dict[int, list[int]] = {}
    for code in error_codes(op):
        by_error.setdefault(CATALOGUE[code][1], []).append(code)
    # 116 also comes as 429: over the enterprise's request rate (protocol/ratelimit.py), its
    # failed sign-ins (/session) or the stage's rate (API Gateway).
    by_error.setdefault(TOO_MANY_REQUESTS, []).append(BUSY)
    by_error[TOO_MANY_REQUESTS].sort()
    # Every bad variable is reported at once and the first decides the status: a body led
    # by one variable's code may go on with any other variable's.
    variables = {code for f in op.variables for code in f.errors} | {
        Code.NOT_A_CHOICE,
        Code.INVALID_VALUE,
    }
    for status, codes in sorted(by_error.items()):
        together = sorted(set(codes) | variables) if variables & set(codes) else codes
        out[str(status)] = _failure(codes, together, schemas)
    return out


def _success(returns: list[shapes.Returns], schemas: Schemas, name: str) -> dict[str, Any]:
    lines = []
    for r in returns:
        text = r.when or ("Done." if r.shape is None else "")
        if r.verbose_only:
            text = (text + " The body is sent only with verbose=1 (else empty).").strip()
        if text:
            lines.append(text)
    response: dict[str, Any] = {"description": " ".join(lines) or "OK"}
    bodies = [r.shape for r in returns if r.shape is not None]
    if not bodies:
        return response
    documents = [b for b in bodies if isinstance(b, shapes.Document)]
    if documents:
        response["content"] = {
            d.media_type: {
                "schema": {"type": "object"} if d.media_type == JSON else {"type": "string"}
            }
            for d in documents
        }
        return response
    if bodies == [shapes.STATUS]:
        name = "Status"  # the reference's <status>ok</status>, shared by many routes
    alternatives = [body_schema(shape) for shape in bodies]
    schema = schemas.ref(
        name,
        alternatives[0]
        if len(alternatives) == 1
        else {"oneOf": alternatives, "xml": {"name": "ResponseData"}},
    )
    response["content"] = {XML: {"schema": schema}, JSON: {"schema": schema}}
    if any(r.verbose_only for r in returns):
        response["x-ocp-verbose-only"] = True
    return response


def _failure(codes: list[int], together: list[int], schemas: Schemas) -> dict[str, Any]:
    """`codes` lead a body of this status; `together` may appear in it (after the first)."""
    lines = [f"- **{code}** {_message(CATALOGUE[code][0])}" for code in codes]
    if together != codes:
        lines.append(
            "\nEvery bad variable is reported, the first deciding the status: other "
            "variables' codes may follow the first."
        )
    schema = schemas.ref("Errors_" + "_".join(map(str, together)), error_schema(together))
    return {
        "description": "\n".join(lines),
        "x-ocp-errors": codes,
        "content": {XML: {"schema": schema}, JSON: {"schema": schema}},
    }


def _message(template: str) -> str:
    """A catalogue message as the description shows it: the variable's name and value."""
    return (
        template.replace("{name}", "*variable*")
        .replace("({value})", "(*value*)")
        .replace("{choices}", "*the choices*")
        .replace("{low}", "*low*")
        .replace("{high}", "*high*")
    )


def error_schema(codes: list[int]) -> dict[str, Any]:
    return {
        "type": "object",
        "xml": {"name": "ResponseData"},
        "required": ["errors"],
        "properties": {
            "errors": {
                "type": "array",
                "minItems": 1,
                "xml": {"name": "errors", "wrapped": True},
                "items": {
                    "type": "object",
                    "xml": {"name": "error"},
                    "required": ["code", "message"],
                    "properties": {
                        "code": {"type": "integer", "enum": codes},
                        "message": {"type": "string"},
                        "requestId": {
                            "type": "string",
                            "description": "Internal failures: quote it to the operator.",
                        },
                    },
                },
            }
        },
    }


def body_schema(shape: Any) -> dict[str, Any]:
    """A success body: the `<ResponseData>` root in XML, the object itself in JSON."""
    schema = _schema(shape, "ResponseData")
    schema["xml"] = {"name": "ResponseData"}
    return schema


def _schema(shape: Any, name: str) -> dict[str, Any]:
    if isinstance(shape, dict):
        properties = {}
        required = []
        for key, child in shape.items():
            if isinstance(child, shapes.Maybe):
                properties[key] = _schema(child.shape, key)
                if child.doc:
                    properties[key]["description"] = child.doc
            else:
                properties[key] = _schema(child, key)
                required.append(key)
        out: dict[str, Any] = {"type": "object", "properties": properties}
        if required:
            out["required"] = required
        return out
    if isinstance(shape, shapes.Each):
        item = _schema(shape.shape, shape.child)
        item.setdefault("xml", {})["name"] = shape.child
        return {"type": "array", "xml": {"name": name, "wrapped": True}, "items": item}
    if isinstance(shape, shapes.Many):
        item = _schema(shape.shape, name)
        item.setdefault("xml", {})["name"] = name
        return {"type": "array", "items": item}
    if isinstance(shape, shapes.Empty):
        inner = _schema(shape.shape, name)
        kinds = inner["type"] if isinstance(inner["type"], list) else [inner["type"]]
        return {**inner, "type": [*kinds, "null"]}
    if isinstance(shape, shapes.Leaf):
        out = _schema(shape.type, name)
        if shape.doc:
            out["description"] = shape.doc
        if shape.enum:
            out["enum"] = list(shape.enum)
        return out
    if isinstance(shape, tuple):
        return {"type": list(shape)}
    if isinstance(shape, shapes.Maybe):
        return _schema(shape.shape, name)
    return {"type": shape}


# -- writing it -----------------------------------------------------------------------------


def dump(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def inlined(document: dict[str, Any]) -> dict[str, Any]:
    """The document with every `$ref` replaced by a copy of what it names (none is
    recursive), for readers that do not follow references."""

    def inline(node: Any) -> Any:
        if isinstance(node, dict):
            if set(node) == {"$ref"}:
                *_, section, name = node["$ref"].split("/")
                return inline(document["components"][section][name])
            return {key: inline(value) for key, value in node.items()}
        if isinstance(node, list):
            return [inline(value) for value in node]
        return node

    return inline(document)


def operations(document: dict[str, Any]) -> Iterable[tuple[str, str, dict[str, Any]]]:
    """(path, method, operation) of a document."""
    for path, item in document["paths"].items():
        for method, op in item.items():
            if method.upper() in METHOD_ORDER:
                yield path, method, op
