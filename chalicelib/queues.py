"""What every queue consumer shares (workflows/handlers.py, events/delivery.py, `make
run`'s worker): a message body's JSON."""

from __future__ import annotations

import json
import logging

log = logging.getLogger(__name__)


def parse(body: str, queue: str) -> dict | None:
    """A queue message's JSON, or None (logged) for one that is not: redelivery would not
    make it JSON, so it is dropped (the local worker does the same)."""
    try:
        return json.loads(body)
    except ValueError:
        log.error("%s message that is not JSON dropped", queue)
        return None
