"""Blasts (blastvoice, blastsms): the Blast item and the blast's life.

The Blast item holds what the client asked for: text, audio, time, hideAni,
allowCallback, origination and the terminations (compressed: see models.Blast), and the
blast's life: `scheduled` -> `starting` (claimed by one firing, its callIds allocated)
-> `started` (every recipient batch is on the fan-out queue). Every PUT bumps `version`,
which the schedule carries, so a firing for a superseded version is dropped; PUT and
DELETE only apply to a scheduled blast (else 307, RULINGS "Scheduled work").

Per-recipient results do not fit one item (400 KB): recipient n of a started blast is
the Calls item `first_call_id + n`, the ids one block allocated when the blast starts
(`claim_start`); store/recipients.py owns those items, store/texts.py what an SMS
recipient's texts and receipts do to them.

The blast's status events, and the count of its recipients that ended (for a blast with
a statusCallback), follow from committed changes, read from the tables' streams
(chalicelib/events/derive.py): nothing here publishes.
"""

from __future__ import annotations

import json
import logging
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from pynamodb.attributes import Attribute
from pynamodb.expressions.update import Action

from chalicelib.domain.compliance import BlastRules
from chalicelib.domain.kinds import VOICE
from chalicelib.domain.recipients import Termination
from chalicelib.domain.subscriptions import Subscription
from chalicelib.errors import Code, OcpError
from chalicelib.store import ids, users
from chalicelib.store.conditional import delete_if, update_if
from chalicelib.store.models import (
    AudioMap,
    Blast,
    callback_map,
)
from chalicelib.store.transactions import Backoff

log = logging.getLogger(__name__)

SCHEDULED, STARTING, STARTED = "scheduled", "starting", "started"
# What a compressed termination list may take of the item's 400 KB.
MAX_TERMINATIONS_BYTES = 350_000


@dataclass(frozen=True)
class AudioRef:
    """Blast audio in the private bucket (as media.uploads.StoredAudio)."""

    key: str
    kind: str
    name: str
    size: int


@dataclass(frozen=True)
class BlastInfo:
    blast_id: int
    eid: int
    user_id: int
    kind: str  # voice, sms
    text: str | None
    audio: AudioRef | None
    blast_time: int
    hide_ani: bool
    allow_callback: bool
    origination: Termination
    terminations: tuple[Termination, ...]
    state: str
    version: int
    first_call_id: int | None
    paced_from: float | None = None  # recipient 0's turn, when its carrier paces calls
    callback: Subscription | None = None  # statusCallback of the blast and its recipients
    started: int | None = None  # when it started (its recipients' 7 days count from it)
    # issue 27 hook: callingWindow, retries, optOutDigit (workflows/compliance.py)
    compliance: BlastRules = field(default_factory=BlastRules)

    @property
    def recipients(self) -> int:
        return len(self.terminations)

    def call_id(self, n: int) -> int:
        """Recipient n's Calls item (only once the blast has started)."""
        assert self.first_call_id is not None
        return self.first_call_id + n


# -- the blast ------------------------------------------------------------------------


def create(
    eid: int,
    user_id: int,
    kind: str,
    *,
    text: str | None,
    audio: AudioRef | None,
    blast_time: int,
    hide_ani: bool,
    allow_callback: bool,
    origination: Termination,
    terminations: list[Termination],
    at: int,
    callback: Subscription | None = None,
    compliance: BlastRules | None = None,
) -> BlastInfo:
    """A new scheduled blast (version 1); its blastId is a fresh id."""
    item = Blast(
        ids.next_id("blast"),
        eid=eid,
        user_id=user_id,
        kind=kind,
        text=text,
        audio=_audio_map(audio),
        blast_time=blast_time,
        hide_ani=hide_ani,
        allow_callback=allow_callback,
        origination=_dump(origination),
        terminations=encode(terminations),
        recipients=len(terminations),
        state=SCHEDULED,
        version=1,
        created=at,
        callback=callback_map(callback),
        compliance=_rules(compliance),  # issue 27 hook
    )
    item.save(condition=Blast.blast_id.does_not_exist())
    return _info(item)


def get(blast_id: int, eid: int, user_id: int, kind: str, *, consistent: bool = False) -> BlastInfo:
    """The blast, or 308 unless it is this enterprise's, this user's, and of this kind."""
    try:
        item = Blast.get(blast_id, consistent_read=consistent)
    except Blast.DoesNotExist:
        raise OcpError(Code.NO_SUCH_BLAST) from None
    if (int(item.eid), int(item.user_id), item.kind) != (eid, user_id, kind):
        raise OcpError(Code.NO_SUCH_BLAST)
    return _info(item)


def ids_of(eid: int, user_id: int, kind: str) -> list[int]:
    """The user's blasts of `kind` made by this enterprise, by blastId; 106 if the user is
    not visible and has none."""
    found = sorted(
        int(b.blast_id)
        for b in Blast.by_user.query(user_id, Blast.kind == kind)
        if int(b.eid) == eid
    )
    if not found:
        users.get(user_id, eid)
    return found


def change(blast_id: int, eid: int, user_id: int, kind: str, changes: dict[str, Any]) -> BlastInfo:
    """blast PUT: set the named fields (BlastInfo names) of a scheduled blast and bump its
    version; 308 if there is no such blast, 307 if it has fired."""
    backoff = Backoff(f"blast {blast_id}")
    while True:
        current = get(blast_id, eid, user_id, kind, consistent=True)
        if current.state != SCHEDULED:
            raise OcpError(Code.ALREADY_STARTED)
        if (
            kind == VOICE
            and not changes.get("text", current.text)
            and changes.get("audio", current.audio) is None
        ):
            raise OcpError(Code.REQUIRED, name="text")  # removing the audio of a blast with no text
        item = Blast(blast_id)
        if update_if(
            item,
            [*_actions(changes), Blast.version.set(current.version + 1)],
            (Blast.state == SCHEDULED) & (Blast.version == current.version),
        ):
            return _info(item)
        # Fired, deleted or changed meanwhile: read again to tell which (116 past the budget).
        backoff.pause()


def delete(blast_id: int, eid: int, user_id: int, kind: str) -> None:
    """blast DELETE: remove a scheduled blast; 308 if there is none, 307 if it has fired."""
    if not delete_if(
        Blast(blast_id),
        (Blast.state == SCHEDULED)
        & (Blast.eid == eid)
        & (Blast.user_id == user_id)
        & (Blast.kind == kind),
    ):
        get(blast_id, eid, user_id, kind, consistent=True)  # 308
        raise OcpError(Code.ALREADY_STARTED)


# -- starting ---------------------------------------------------------------------------


def load(blast_id: int) -> BlastInfo | None:
    try:
        return _info(Blast.get(blast_id, consistent_read=True))
    except Blast.DoesNotExist:
        return None


def latest(limit: int) -> list[BlastInfo]:
    """The newest blasts of every enterprise, newest first (operators' views)."""
    last = ids.last_id("blast")
    keys = list(range(last, max(0, last - limit), -1))
    found = {int(b.blast_id): b for b in Blast.batch_get(keys)} if keys else {}
    return [_info(found[k]) for k in keys if k in found]


def claim_start(blast: BlastInfo, at: int) -> BlastInfo | None:
    """Move the blast from scheduled to starting at this version, once, with a fresh block
    of callIds for its recipients; the blast as claimed, or None if another firing (or a
    PUT or DELETE) came first."""
    first = ids.next_ids("call", max(1, blast.recipients))[0]
    item = Blast(blast.blast_id)
    if not update_if(
        item,
        [Blast.state.set(STARTING), Blast.first_call_id.set(first), Blast.started.set(at)],
        (Blast.state == SCHEDULED) & (Blast.version == blast.version),
    ):
        return None
    return _info(item)


def pace(blast_id: int, first_turn: float) -> float:
    """Recipient 0's turn to be dialed, set once (a start that is repeated keeps the turns
    it reserved first): `first_turn`, or the one set before."""
    if update_if(
        Blast(blast_id), [Blast.paced_from.set(first_turn)], Blast.paced_from.does_not_exist()
    ):
        return first_turn
    return float(Blast.get(blast_id, consistent_read=True).paced_from)


def mark_started(blast_id: int) -> None:
    """Every recipient batch is queued."""
    update_if(Blast(blast_id), [Blast.state.set(STARTED)], Blast.state == STARTING)


# -- the item <-> BlastInfo --------------------------------------------------------------


def encode(terms: Iterable[Termination]) -> bytes:
    """The terminations as stored; 903 beyond what the item can hold."""
    terms = list(terms)
    data = zlib.compress(
        json.dumps([t.to_json() for t in terms], separators=(",", ":")).encode(), 6
    )
    if len(data) > MAX_TERMINATIONS_BYTES:
        raise OcpError(
            Code.BAD_LENGTH,
            name="destination",
            value=f"{len(terms)} destinations, {len(data)} bytes compressed",
            low=1,
            high=MAX_TERMINATIONS_BYTES,
        )
    return data


def decode(data: bytes) -> tuple[Termination, ...]:
    return tuple(Termination.from_json(t) for t in json.loads(zlib.decompress(data)))


def _info(item: Blast) -> BlastInfo:
    try:
        return BlastInfo(
            blast_id=int(item.blast_id),
            eid=int(item.eid),
            user_id=int(item.user_id),
            kind=item.kind,
            text=item.text,
            audio=_audio_ref(item.audio),
            blast_time=int(item.blast_time),
            hide_ani=bool(item.hide_ani),
            allow_callback=bool(item.allow_callback),
            origination=Termination.from_json(json.loads(item.origination)),
            terminations=decode(item.terminations),
            state=item.state,
            version=int(item.version),
            first_call_id=None if item.first_call_id is None else int(item.first_call_id),
            paced_from=None if item.paced_from is None else float(item.paced_from),
            callback=Subscription.of(item.callback),
            started=None if item.started is None else int(item.started),
            compliance=BlastRules.from_json(json.loads(item.compliance or "{}")),  # issue 27
        )
    except (ValueError, TypeError, KeyError, IndexError, zlib.error):
        log.exception("blast %s: stored data does not decode", item.blast_id)
        raise OcpError(Code.CORRUPTED_REQUEST) from None


_FIELDS: dict[str, Attribute[Any]] = {
    "text": Blast.text,
    "blast_time": Blast.blast_time,
    "hide_ani": Blast.hide_ani,
    "allow_callback": Blast.allow_callback,
}


def _actions(changes: dict[str, Any]) -> list[Action]:
    actions: list[Action] = []
    for name, value in changes.items():
        if name == "terminations":
            actions += [Blast.terminations.set(encode(value)), Blast.recipients.set(len(value))]
        elif name == "origination":
            actions.append(Blast.origination.set(_dump(value)))
        elif name == "audio":
            audio = _audio_map(value)
            actions.append(Blast.audio.set(audio) if audio is not None else Blast.audio.remove())
        elif name == "compliance":  # issue 27 hook
            rules = _rules(value)
            actions.append(Blast.compliance.set(rules) if rules else Blast.compliance.remove())
        elif name == "text" and value is None:
            actions.append(Blast.text.remove())
        else:
            actions.append(_FIELDS[name].set(value))
    return actions


def _rules(rules: BlastRules | None) -> str | None:
    if rules is None or rules.empty:
        return None
    return json.dumps(rules.to_json(), separators=(",", ":"))


def _dump(term: Termination) -> str:
    return json.dumps(term.to_json(), separators=(",", ":"))


def _audio_map(audio: AudioRef | None) -> AudioMap | None:
    if audio is None:
        return None
    return AudioMap(key=audio.key, kind=audio.kind, name=audio.name, size=audio.size)


def _audio_ref(audio: AudioMap | None) -> AudioRef | None:
    if audio is None:
        return None
    return AudioRef(audio.key, audio.kind, audio.name, int(audio.size))
