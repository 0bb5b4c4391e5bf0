"""Structured JSON logs: one object a line, with the request id when there is one.

Never log a secret, a session id or a full phone number at info level."""

from __future__ import annotations

import json
import logging

from chalicelib import settings


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {"level": record.levelname, "logger": record.name, "message": record.getMessage()}
        request_id = getattr(record, "request_id", None)
        if request_id:
            entry["requestId"] = request_id
        entry.update(getattr(record, "fields", None) or {})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry)


def configure(app=None) -> None:
    """JSON lines on stderr for chalicelib's loggers (and the Chalice app's, if given)."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger("chalicelib")
    root.handlers[:] = [handler]
    root.setLevel(settings.get().log_level)
    root.propagate = False
    if app is not None:
        app.log.setLevel(settings.get().log_level)
