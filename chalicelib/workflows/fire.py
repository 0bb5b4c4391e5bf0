"""What a fired schedule does: the target of every EventBridge Scheduler schedule.

The input is a `firing.Firing`: `{"kind": ..., "id": ..., "version": ...}`. Each kind
names the function that starts that work; it must be idempotent: it moves the item from
scheduled to started with a conditional write on `version`, so a second delivery, a
delivery for an item moved since (older version) or one deleted meanwhile does nothing
but log. Kinds are named as "module:function" and imported on first use, so firing an
autoconference does not import the blast code (and no module registers itself at import);
the import-graph check counts such a name as an import (chalicelib/imports.py).
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from typing import Any

from chalicelib import logs
from chalicelib.workflows.firing import Firing

log = logging.getLogger(__name__)


# kind -> "module:function(item_id: int, version: int) -> None"
KINDS: dict[str, str] = {
    "autoconference": "chalicelib.workflows.autoconference:fire",
    "conference": "chalicelib.workflows.conference:reservation_ended",
    "blast": "chalicelib.workflows.fanout:fire",
    "smsreceipts": "chalicelib.workflows.texting:sweep",
    "blastwake": "chalicelib.workflows.fanout:wake",  # issue 27: waiting SMS recipients
}


def fire(event: dict[str, Any]) -> None:
    try:
        firing = Firing.decode(event)
    except ValueError:
        firing = None
    if firing is None or firing.kind not in KINDS:
        # Nothing to retry: a malformed input never becomes valid.
        log.error(
            "schedule fired with an input that names no known work",
            extra={
                "fields": {k: event.get(k) for k in ("kind", "id", "version")}
                if isinstance(event, dict)
                else {}
            },
        )
        return
    _start(firing.kind)(firing.item_id, firing.version)


def _start(kind: str) -> Callable[[int, int], None]:
    module, _, function = KINDS[kind].partition(":")
    return getattr(importlib.import_module(module), function)


def lambda_handler(event: dict[str, Any], context: Any) -> None:
    """`@app.lambda_function(name="fire")`: Scheduler invokes it with the input as event."""
    with logs.scope(requestId=getattr(context, "aws_request_id", None)):
        logs.bind(**{ID_FIELDS.get(str(event.get("kind")), "id"): event.get("id")})
        fire(event)


# The id a schedule's input names, as log lines name it.
ID_FIELDS = {
    "blast": "blastId",
    "smsreceipts": "blastId",
    "blastwake": "blastId",
    "conference": "conferenceId",
    "autoconference": "conferenceId",
}
