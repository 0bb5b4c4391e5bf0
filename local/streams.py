"""The local stand-in for Lambda's DynamoDB event source: reads the streams of the Calls,
Conferences and Blasts tables (moto serves DynamoDB Streams) and hands their records to
the `events` function's code (chalicelib/events/stream.py), in order, as the event source
mapping would: a record that fails is read again, with those after it, next time.

`make run`'s worker drains them once a round (local/worker.py); tests drain them where
the events of a write are wanted (`drain()`), so the same code path runs everywhere.
"""

from __future__ import annotations

import threading
from typing import Any

from chalicelib.events import stream
from chalicelib.store import aws, changes

# Records read per shard per drain (GetRecords takes at most 1,000).
BATCH = 1000
# Passes over the streams per drain while a pass still finds records: what one change
# makes can be a change of another table read before it (a conference's last leg
# closes the conference, whose close is an event).
PASSES = 5


class Reader:
    """Where it is in each shard: the SequenceNumber of the last record handled."""

    def __init__(self) -> None:
        self._after: dict[tuple[str, str], str] = {}
        self._lock = threading.Lock()

    def forget(self) -> None:
        """Start again from each stream's oldest record (tests: a fresh moto)."""
        with self._lock:
            self._after.clear()

    def drain(self) -> int:
        """Hand every record not handled yet to the stream consumer; the number handled.
        Stops at a shard's first failure (its records come again next time)."""
        handled = 0
        with self._lock:
            for _ in range(PASSES):
                found = sum(self._drain_table(t) for t in changes.STREAMED)
                handled += found
                if not found:
                    break
        return handled

    def _drain_table(self, table: str) -> int:
        streams = aws.client("dynamodbstreams")
        arn = (
            aws.client("dynamodb")
            .describe_table(TableName=changes.STREAMED[table].Meta.table_name)["Table"]
            .get("LatestStreamArn")
        )
        if arn is None:
            return 0
        handled = 0
        for shard in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
            key = (arn, shard["ShardId"])
            while True:
                records = _records(streams, arn, shard["ShardId"], self._after.get(key))
                for record in records:
                    record["eventSourceARN"] = arn  # as Lambda's event has it
                failed = stream.handle(records)
                done = records if failed is None else _before(records, failed)
                if done:
                    self._after[key] = done[-1]["dynamodb"]["SequenceNumber"]
                handled += len(done)
                if failed is not None or len(records) < BATCH:
                    break
        return handled


def _records(streams: Any, arn: str, shard: str, after: str | None) -> list[dict]:
    """A fresh iterator each time: moto's rolls back a failed transaction by putting a
    copy of the table in place, so an iterator held on would read the old copy."""
    position = (
        {"ShardIteratorType": "TRIM_HORIZON"}
        if after is None
        else {"ShardIteratorType": "AFTER_SEQUENCE_NUMBER", "SequenceNumber": after}
    )
    iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, **position)
    return streams.get_records(ShardIterator=iterator["ShardIterator"], Limit=BATCH)["Records"]


def _before(records: list[dict], failed: str) -> list[dict]:
    return records[: [r["dynamodb"]["SequenceNumber"] for r in records].index(failed)]


# The one reader of this process (`make run`'s worker, and tests through `drain`).
READER = Reader()


def drain() -> int:
    return READER.drain()
