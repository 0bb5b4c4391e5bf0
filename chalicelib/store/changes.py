"""Committed changes, as a table's stream hands them over: a record's old and new image of
a Calls, Conferences or Blasts item (models.STREAM_VIEW), read into the store's plain
objects. What follows from a change (status events, a blast's count of ended recipients)
is worked out in chalicelib/events/derive.py; the store never calls it.

A record looks the same from Lambda's DynamoDB event source and from DynamoDB Streams'
GetRecords (`make run`'s worker and the tests read the latter, local/streams.py): its
`eventSourceARN` names the table, `dynamodb.OldImage` / `NewImage` hold the item before
and after, absent for an item created or deleted.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from chalicelib.domain.subscriptions import Subscription
from chalicelib.store import calls, conferences
from chalicelib.store.calls import CallStatus
from chalicelib.store.conferences import Room
from chalicelib.store.models import Blast, Call, Conference

CALLS, CONFERENCES, BLASTS = "Calls", "Conferences", "Blasts"
STREAMED = {CALLS: Call, CONFERENCES: Conference, BLASTS: Blast}
# What a Blast image holds that nothing derived from it reads: up to 350 KB compressed.
_UNREAD_BLAST_ATTRIBUTES = ("terminations", "origination", "audio", "text")


@dataclass(frozen=True)
class CallImage:
    status: CallStatus
    callback: Subscription | None
    dialed: int  # dial attempts claimed (calls.claim_dial)
    counted: bool  # its end counted on its blast (recipients.count_end)

    @property
    def blast_id(self) -> int | None:
        found = self.status.request.get("blastId")
        return None if found is None else int(found)


@dataclass(frozen=True)
class ConferenceImage:
    room: Room
    call_ids: tuple[int, ...]  # every leg's, sorted
    closed: int | None


@dataclass(frozen=True)
class BlastImage:
    blast_id: int
    eid: int
    user_id: int
    kind: str
    blast_time: int
    recipients: int
    state: str
    started: int | None  # when it was claimed to start (blasts.claim_start)
    callback: Subscription | None
    ended: int  # recipients counted as ended (only with a callback)
    succeeded: int


Image = CallImage | ConferenceImage | BlastImage


@dataclass(frozen=True)
class Change:
    table: str  # CALLS, CONFERENCES or BLASTS
    old: Any  # the table's Image, or None: the item was created
    new: Any  # None: the item was deleted
    sequence: str  # the record's place in its shard (SequenceNumber)


def table_of(stream_arn: str) -> str | None:
    """CALLS, CONFERENCES or BLASTS for a stream (or a record's eventSourceARN) of this
    stage's tables; None for any other."""
    # arn:aws:dynamodb:{region}:{account}:table/{name}/stream/{label}
    name = stream_arn.partition(":table/")[2].partition("/")[0]
    return next((t for t, m in STREAMED.items() if m.Meta.table_name == name), None)


def of_record(record: dict[str, Any]) -> Change | None:
    """The change a stream record carries; None for a table that is not streamed here."""
    table = table_of(str(record.get("eventSourceARN", "")))
    if table is None:
        return None
    images = record["dynamodb"]
    return Change(
        table,
        _image(table, images.get("OldImage")),
        _image(table, images.get("NewImage")),
        str(images.get("SequenceNumber", "")),
    )


def _image(table: str, raw: dict[str, Any] | None) -> Image | None:
    if raw is None:
        return None
    if table == CALLS:
        call = Call.from_raw_data(raw)
        return CallImage(
            calls.status_of(call),
            Subscription.of(call.callback),
            len(call.dialed or ()),
            bool(call.counted),
        )
    if table == CONFERENCES:
        conference = Conference.from_raw_data(raw)
        return ConferenceImage(
            conferences.room_of(conference),
            tuple(sorted(int(i) for i in conference.calls or ())),
            _int(conference.closed),
        )
    blast = Blast.from_raw_data({k: v for k, v in raw.items() if k not in _UNREAD_BLAST_ATTRIBUTES})
    return BlastImage(
        blast_id=int(blast.blast_id),
        eid=int(blast.eid),
        user_id=int(blast.user_id),
        kind=blast.kind,
        blast_time=int(blast.blast_time),
        recipients=int(blast.recipients),
        state=blast.state,
        started=_int(blast.started),
        callback=Subscription.of(blast.callback),
        ended=int(blast.ended or 0),
        succeeded=int(blast.succeeded or 0),
    )


def _int(value: float | Decimal | None) -> int | None:
    return None if value is None else int(value)
