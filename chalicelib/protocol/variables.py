"""A request's variables, read from its query string and body (RULINGS "Wire format" >
"Variables").

Variables come from the query string and from the body (urlencoded form, multipart form
or a JSON object); the body wins on a clash and path parameters win over both. Names are
case-insensitive and unknown names are ignored. Characters that XML 1.0 cannot carry are
dropped from every name and value as it is read.

A JSON value that is not a string keeps its JSON type (`Variables.kinds`): a number is
read as the number it is by the fields that take numbers (never through the form
sanitisers, which would read 1e-07 as 107), a boolean only by a `Flag`, and an array or
object by no field at all (protocol/fields.py).
"""

from __future__ import annotations

import io
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, unquote

from chalicelib.errors import Code, OcpError
from chalicelib.protocol import types


@dataclass(frozen=True)
class Upload:
    """A file part of a multipart body."""

    filename: str
    content_type: str
    data: bytes


# The JSON type of a variable (Variables.kinds); form and query values are strings.
STRING, NUMBER, BOOLEAN, ARRAY, OBJECT = "string", "number", "boolean", "array", "object"

# The largest request body read (docs/limits.md): a blast naming 10,000 destinations
# with its text fits in a form or JSON body; a multipart body also carries a 5 MB audio
# file. Past it: 903 on `body`.
MAX_BODY_BYTES = 1024 * 1024
MAX_MULTIPART_BYTES = 6 * 1024 * 1024

# The request header of protocol/idempotency.py (an addition to the 2008 wire format):
# here, below both it and protocol/routes.py, which reads it on every request.
IDEMPOTENCY_KEY = "Idempotency-Key"


@dataclass
class Variables:
    """Case-insensitive variables of one request (names are lower-cased)."""

    values: dict[str, str] = field(default_factory=dict)
    files: dict[str, Upload] = field(default_factory=dict)
    # The JSON type of each value of a JSON body that was not a string; a number's
    # value is its literal as written ("1e20"), a boolean's "1" or "0".
    kinds: dict[str, str] = field(default_factory=dict)

    def get(self, name: str) -> str | None:
        return self.values.get(name.lower())

    def has(self, name: str) -> bool:
        return name.lower() in self.values

    def given(self, name: str) -> bool:
        """A value that is not blank, or a file part."""
        return name.lower() in self.files or (self.get(name) or "").strip() != ""

    def kind(self, name: str) -> str:
        return self.kinds.get(name.lower(), STRING)

    def with_path(self, path: Mapping[str, str]) -> Variables:
        given = {
            types.xml_chars(k.lower()): types.xml_chars(unquote(v))
            for k, v in path.items()
            if v is not None
        }
        kinds = {k: kind for k, kind in self.kinds.items() if k not in given}
        return Variables({**self.values, **given}, self.files, kinds)


def from_request(
    query: Mapping[str, str] | None, headers: Mapping[str, str], raw_body: bytes
) -> Variables:
    values: dict[str, str] = {}
    files: dict[str, Upload] = {}
    kinds: dict[str, str] = {}
    for name, value in (query or {}).items():
        values[name.lower()] = value
    content_type = (headers.get("content-type") or "").lower()
    multipart = content_type.startswith("multipart/form-data")
    most = MAX_MULTIPART_BYTES if multipart else MAX_BODY_BYTES
    if len(raw_body) > most:
        raise OcpError(
            Code.BAD_LENGTH, name="body", value=f"{len(raw_body)} bytes", low=0, high=most
        )
    if raw_body:
        if multipart:
            _read_multipart(headers.get("content-type", ""), raw_body, values, files)
        elif content_type.startswith("application/json"):
            found, kinds = _read_json(raw_body)
            values.update(found)
        else:
            # urlencoded, or no content type at all (curl -d sends urlencoded)
            text = raw_body.decode("utf-8", errors="replace")
            for name, value in parse_qsl(text, keep_blank_values=True):
                values[name.lower()] = value
    clean = {types.xml_chars(k): types.xml_chars(v) for k, v in values.items()}
    return Variables(clean, files, {types.xml_chars(k): v for k, v in kinds.items()})


class _NumberLiteral(str):
    """A JSON number, kept as written: read as a Decimal by the fields that take numbers."""


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")  # NaN, Infinity: Python's, not JSON's


def _read_json(raw_body: bytes) -> tuple[dict[str, str], dict[str, str]]:
    """The values of a JSON object body, and the JSON type of each that is no string."""
    try:
        data = json.loads(
            raw_body,
            parse_float=_NumberLiteral,
            parse_int=_NumberLiteral,
            parse_constant=_refuse_constant,
        )
    except RecursionError:
        raise OcpError(Code.INVALID_VALUE, name="body", value="nested too deeply") from None
    except ValueError:  # also a body that is not UTF-8, -16 or -32
        raise OcpError(Code.INVALID_VALUE, name="body", value="not JSON") from None
    if not isinstance(data, dict):
        raise OcpError(Code.INVALID_VALUE, name="body", value="not a JSON object")
    values: dict[str, str] = {}
    kinds: dict[str, str] = {}
    for key, value in data.items():
        name = key.lower()
        if value is None:
            continue
        if isinstance(value, _NumberLiteral):
            values[name], kinds[name] = str(value), NUMBER
        elif isinstance(value, str):
            values[name] = value
        elif isinstance(value, bool):
            values[name], kinds[name] = str(int(value)), BOOLEAN
        else:
            kind = ARRAY if isinstance(value, list) else OBJECT
            values[name], kinds[name] = ("[...]" if kind == ARRAY else "{...}"), kind
    return values, kinds


def _read_multipart(
    content_type: str, raw_body: bytes, values: dict[str, str], files: dict[str, Upload]
) -> None:
    # Imported here: only multipart requests pay for it (about 6 ms of a cold start).
    import python_multipart
    from python_multipart.exceptions import FormParserError

    def on_field(f: Any) -> None:
        values[f.field_name.decode().lower()] = (f.value or b"").decode("utf-8", errors="replace")

    def on_file(f: Any) -> None:
        f.file_object.seek(0)
        name = f.field_name.decode().lower()
        files[name] = Upload(
            filename=(f.file_name or b"").decode("utf-8", errors="replace"),
            content_type="",
            data=f.file_object.read(),
        )

    try:
        python_multipart.parse_form(
            # Annotated as bytes, but python-multipart reads both headers as str too.
            {"Content-Type": content_type, "Content-Length": str(len(raw_body))},  # type: ignore[dict-item]
            io.BytesIO(raw_body),
            on_field,
            on_file,
        )
    except (FormParserError, ValueError):
        raise OcpError(Code.INVALID_VALUE, name="body", value="malformed multipart form") from None
