"""The consumer of the Calls, Conferences and Blasts streams (Lambda `events`, and
`make run`'s worker through local/streams.py): each committed change becomes what
events/derive.py says follows from it: its status events queued on the callbacks queue,
a blast recipient's end counted on its blast, a conference whose last leg ended closed.

Records are handled in order. The first that fails (SQS refused, DynamoDB throttled) is
reported back with the ones after it (Lambda's partial batch response), so that the
stream hands them over again, and again, until they go through or grow older than the
event source mapping's maximum record age (infra/stack.py: hours, so an hour without
SQS loses nothing); then their metadata goes to the stream's dead-letter queue. A
record handled twice does no harm: an event's id is the queue's deduplication id and
the receiver's, a recipient is counted once (recipients.count_end) and a
conference closed once (conferences.close_if_over).
"""

from __future__ import annotations

import logging
from typing import Any

from chalicelib import clock
from chalicelib.events import derive, publish
from chalicelib.store import changes, conferences, recipients

log = logging.getLogger(__name__)


def handle(records: list[dict[str, Any]]) -> str | None:
    """Handle the records in order, up to the first that fails: its SequenceNumber (read
    the stream again from there), or None when all went through."""
    for record in records:
        try:
            handle_one(record)
        except Exception:
            failed = str(record.get("dynamodb", {}).get("SequenceNumber", ""))
            log.exception("stream record %s failed; it will be read again", failed)
            return failed
    return None


def handle_one(record: dict[str, Any]) -> None:
    change = changes.of_record(record)
    if change is None:
        return
    for follow in derive.follows(change):
        if isinstance(follow, derive.RecipientEnded):
            recipients.count_end(follow.blast_id, follow.call_id, follow.succeeded)
        elif isinstance(follow, derive.LegsEnded):
            conferences.close_if_over(follow.conference_id, clock.now())
        else:
            publish.queue(follow)


def lambda_handler(event: dict[str, Any]) -> dict[str, Any]:
    """Lambda's DynamoDB event: a partial batch response (FunctionResponseTypes
    ReportBatchItemFailures), so the stream is read again from the first failed record."""
    failed = handle(event.get("Records", []))
    return {"batchItemFailures": [] if failed is None else [{"itemIdentifier": failed}]}
