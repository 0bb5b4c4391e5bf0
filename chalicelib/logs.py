"""Structured JSON logs: one object a line, with the context of the work being done.

`bind(callId=7)` adds fields to every line logged after it while the same request or
queue message is served (a context variable: each `chalice local` thread has its own);
`scope()` opens a context for one request or message. The API binds requestId,
eid and the ids a route reads (userId, callId, blastId, conferenceId); the consumers
bind the Lambda request id and the ids of their message. CloudWatch Logs Insights reads
the fields of each JSON line as they are.

Never log a secret, a session id or a full phone number at info level."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from chalicelib import settings

# The ids a log line may carry, as they are named on the wire.
IDS = ("userId", "callId", "blastId", "conferenceId")

_context: ContextVar[dict[str, Any]] = ContextVar("ocp_log_context", default={})  # noqa: B039


def bind(**fields: Any) -> None:
    """Add fields (None values are skipped) to the current context."""
    given = _given(fields)
    if given:
        _context.set({**_context.get(), **given})


def context() -> dict[str, Any]:
    return _context.get()


@contextmanager
def scope(**fields: Any) -> Iterator[None]:
    """A context for one request or message (what is bound now, and `fields`), closed
    after it: nothing bound inside leaks into the next."""
    token = _context.set({**_context.get(), **_given(fields)})
    try:
        yield
    finally:
        _context.reset(token)


def _given(fields: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in fields.items() if v is not None}


# A number as text may write it: digits, maybe a leading +, with spaces, dots, dashes or
# parentheses between them ("+1 (303) 555-0100").
_NUMBER = re.compile(r"\+?\d[\d\s().-]*\d")
# Fewer digits than this are not a phone number (an error code, a count, a year stay).
MASKED_FROM_DIGITS = 6


def mask_digits(text: str, keep: int = 2) -> str:
    """`text` fit to log: every number in it of MASKED_FROM_DIGITS digits or more (a phone
    number in a carrier's error text) with its digits but the last `keep` as `x`, its
    separators as they were: "+15551234567" is logged as "+xxxxxxxxx67"."""

    def masked(match: re.Match[str]) -> str:
        found = match.group(0)
        digits = sum(c.isdigit() for c in found)
        if digits < MASKED_FROM_DIGITS:
            return found
        seen = 0
        out = []
        for c in found:
            if c.isdigit():
                seen += 1
                out.append(c if seen > digits - keep else "x")
            else:
                out.append(c)
        return "".join(out)

    return _NUMBER.sub(masked, text)


def lambda_request_id(event: Any) -> str | None:
    """The Lambda invocation's request id from a Chalice event, if it has one."""
    return getattr(getattr(event, "context", None), "aws_request_id", None)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {"level": record.levelname, "logger": record.name, "message": record.getMessage()}
        entry.update(_context.get())
        request_id = getattr(record, "request_id", None)
        if request_id:
            entry["requestId"] = request_id
        entry.update(getattr(record, "fields", None) or {})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def configure(app: Any = None) -> None:
    """JSON lines on stderr for chalicelib's loggers (and the Chalice app's, if given)."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger("chalicelib")
    root.handlers[:] = [handler]
    root.setLevel(settings.get().log_level)
    root.propagate = False
    if app is not None:
        app.log.setLevel(settings.get().log_level)
