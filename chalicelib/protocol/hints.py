"""What a refused request probably meant, said first among its errors.

A client that sends a JSON object without `Content-Type: application/json` (curl's `-d
'{"firstName": ...}'`, a fetch() without headers) has its body read as a form: the JSON
text is one form name and every variable is missing. Five 900s say what is missing, not
why; this 902 on `body` says why, before them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from chalicelib.errors import Code, OcpError

HINT = "a JSON object sent as a form: send it with Content-Type: application/json"


def json_sent_as_form(headers: Mapping[str, str], raw_body: bytes) -> bool:
    """A body that parses as a JSON object, under a content type that is not JSON's."""
    content_type = (headers.get("content-type") or "").lower()
    if content_type.startswith(("application/json", "multipart/")) or not raw_body:
        return False
    text = raw_body.strip()
    if not (text.startswith(b"{") and text.endswith(b"}")):
        return False
    try:
        return isinstance(json.loads(text), dict)
    except (ValueError, RecursionError):
        return False


def with_hint(refused: OcpError, headers: Mapping[str, str], raw_body: bytes) -> OcpError:
    """`refused`, with the hint first when the body was JSON sent as a form."""
    if not json_sent_as_form(headers, raw_body):
        return refused
    return OcpError.combine([OcpError(Code.INVALID_VALUE, name="body", value=HINT), refused])
