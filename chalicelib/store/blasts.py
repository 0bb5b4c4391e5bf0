"""Blasts (blastvoice, blastsms) and the Calls items that hold each recipient's result.

The Blast item holds what the client asked for: text, audio, time, hideAni,
allowCallback, origination and the terminations (compressed: see models.Blast), and the
blast's life: `scheduled` -> `starting` (claimed by one firing, its callIds allocated)
-> `started` (every recipient batch is on the fan-out queue). Every PUT bumps `version`,
which the schedule carries, so a firing for a superseded version is dropped; PUT and
DELETE only apply to a scheduled blast (else 307, RULINGS "Scheduled work").

Per-recipient results do not fit one item (400 KB), so recipient n of a started blast
is the Calls item `first_call_id + n` (kind `blast` for voice, `blastsms` for SMS):
the ids are one block allocated when the blast starts, so results are read by key
(BatchGetItem, 100 a request) with no index, and a voice recipient's item is the one
the dialer already writes for every call. Its `request` names the blast and `n`.

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
from pynamodb.exceptions import DeleteError, PutError, TransactWriteError, UpdateError
from pynamodb.expressions.update import Action

from chalicelib.domain.compliance import BlastRules
from chalicelib.domain.kinds import EMAIL, PHONE, SMS, VOICE
from chalicelib.domain.numbers import Phone
from chalicelib.domain.recipients import Termination
from chalicelib.domain.resolve import Profile
from chalicelib.domain.subscriptions import Subscription
from chalicelib.errors import OcpError
from chalicelib.store import ids, profiles, users
from chalicelib.store.calls import DIALING, FINAL_STATES, LIVE_STATES, find
from chalicelib.store.models import (
    AttemptMap,
    AudioMap,
    Blast,
    Call,
    Unique,
    User,
    callback_map,
    transaction,
)
from chalicelib.store.transactions import Backoff, condition_failed, conflicted, retrying

log = logging.getLogger(__name__)

SCHEDULED, STARTING, STARTED = "scheduled", "starting", "started"
# The Calls item kind of a recipient.
CALL_KINDS = {VOICE: "blast", SMS: "blastsms"}
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
        raise OcpError(308) from None
    if (int(item.eid), int(item.user_id), item.kind) != (eid, user_id, kind):
        raise OcpError(308)
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
            raise OcpError(307)
        if (
            kind == VOICE
            and not changes.get("text", current.text)
            and changes.get("audio", current.audio) is None
        ):
            raise OcpError(900, name="text")  # removing the audio of a blast with no text
        item = Blast(blast_id)
        try:
            item.update(
                actions=[*_actions(changes), Blast.version.set(current.version + 1)],
                condition=(Blast.state == SCHEDULED) & (Blast.version == current.version),
            )
            return _info(item)
        except UpdateError as e:
            if not condition_failed(e):
                raise
        # Fired, deleted or changed meanwhile: read again to tell which (116 past the budget).
        backoff.pause()


def delete(blast_id: int, eid: int, user_id: int, kind: str) -> None:
    """blast DELETE: remove a scheduled blast; 308 if there is none, 307 if it has fired."""
    try:
        Blast(blast_id).delete(
            condition=(Blast.state == SCHEDULED)
            & (Blast.eid == eid)
            & (Blast.user_id == user_id)
            & (Blast.kind == kind)
        )
    except DeleteError as e:
        if not condition_failed(e):
            raise
        get(blast_id, eid, user_id, kind, consistent=True)  # 308
        raise OcpError(307) from None


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
    try:
        item.update(
            actions=[
                Blast.state.set(STARTING),
                Blast.first_call_id.set(first),
                Blast.started.set(at),
            ],
            condition=(Blast.state == SCHEDULED) & (Blast.version == blast.version),
        )
    except UpdateError as e:
        if condition_failed(e):
            return None
        raise
    return _info(item)


def pace(blast_id: int, first_turn: float) -> float:
    """Recipient 0's turn to be dialed, set once (a start that is repeated keeps the turns
    it reserved first): `first_turn`, or the one set before."""
    try:
        Blast(blast_id).update(
            actions=[Blast.paced_from.set(first_turn)], condition=Blast.paced_from.does_not_exist()
        )
        return first_turn
    except UpdateError as e:
        if not condition_failed(e):
            raise
    return float(Blast.get(blast_id, consistent_read=True).paced_from)


def mark_started(blast_id: int) -> None:
    """Every recipient batch is queued."""
    try:
        Blast(blast_id).update(
            actions=[Blast.state.set(STARTED)], condition=Blast.state == STARTING
        )
    except UpdateError as e:
        if not condition_failed(e):
            raise


# -- recipients' Calls items --------------------------------------------------------------


@dataclass(frozen=True)
class Batch:
    """What the Calls items of one batch of a blast's recipients share."""

    blast_id: int
    eid: int
    user_id: int
    call_kind: str
    time_scheduled: int
    calling_number: str
    callback: Subscription | None = None


def create_recipient_calls(
    batch: Batch,
    recipients: list[tuple[int, int, Termination]],
    state: str = SCHEDULED,
    not_before: dict[int, int] | None = None,
    *,
    over_waiting: bool = False,
) -> set[int]:
    """The Calls items of (callId, n, termination) that do not exist yet, one conditional
    PutItem each; the callIds this call created. A second delivery of the same batch
    creates none, so it dials or texts nobody twice.

    One TransactWriteItems per 100 would take fewer requests, but moto copies the whole
    table for every item of a transaction, which makes a 1,000-recipient test take
    minutes; the PutItems cost the same write capacity (a transaction's writes cost two
    units each)."""
    created: set[int] = set()
    # issue 27 hook: a recipient waiting for its calling window has `notBefore` in its
    # request; `over_waiting` lets an SMS claim take over such a waiting item.
    condition = Call.call_id.does_not_exist()
    if over_waiting:
        condition = condition | (Call.state == SCHEDULED)
    for call_id, n, term in recipients:
        at = (not_before or {}).get(call_id)
        try:
            _call(batch, call_id, n, term, state, at).save(condition=condition)
        except PutError as e:
            # It exists: made by an earlier delivery, and maybe being changed right now.
            if not (condition_failed(e) or conflicted(e)):
                raise
            continue
        created.add(call_id)
    return created


# A text the provider accepted whose receipt has not come: an addition to RULINGS "Call
# vocabulary" (docs/sms.md "Results"); its receipt turns it into Success or Failed.
SENT = "Sent"


@dataclass(frozen=True)
class TextAttempt:
    """One number of an SMS recipient: its result (SENT while the receipt is awaited),
    the provider's message id, and the receipt's named outcome once known."""

    number: str
    result: str
    message_id: str = ""
    reason: str | None = None

    @property
    def final(self) -> bool:
        return self.result != SENT


@dataclass(frozen=True)
class TextsState:
    """An SMS recipient's attempts as one write left them, and whether it is still live."""

    live: bool
    attempts: tuple[TextAttempt, ...]

    @property
    def done(self) -> bool:
        """Every text has its final result: the recipient can end."""
        return self.live and all(a.final for a in self.attempts)

    @property
    def success(self) -> bool:
        return any(a.result == "Success" for a in self.attempts)


def claim_recipient(batch: Batch, call_id: int, n: int, term: Termination) -> bool:
    """Create the SMS recipient's Calls item (dialing), once: True if this call made it,
    so that it, and nothing else, texts the recipient."""
    return bool(
        create_recipient_calls(batch, [(call_id, n, term)], state="dialing", over_waiting=True)
    )


def states_of(call_ids: list[int]) -> dict[int, str]:
    """The state of each of these Calls items that exists (BatchGetItem)."""
    if not call_ids:
        return {}
    return {
        int(c.call_id): c.state
        for c in Call.batch_get(call_ids, attributes_to_get=["call_id", "state"])
    }


def release_recipient(call_id: int) -> None:
    """Undo `claim_recipient` for a recipient nothing was sent to (the provider was busy
    past the batch's time), so that the batch's next delivery claims it again."""
    try:
        Call(call_id).delete(condition=(Call.state == DIALING) & Call.recorded.does_not_exist())
    except DeleteError as e:
        if not condition_failed(e):
            raise


def record_texts(call_id: int, attempts: list[TextAttempt], at: int) -> TextsState:
    """The texts sent to a recipient this delivery claimed, written once (`recorded`
    holds "texts" after): each SENT awaiting its receipt, or final already (refused,
    DND, Blacklisted). Receipts held for it (`hold_receipt`) are applied then."""
    item = Call(call_id)
    try:
        item.update(
            actions=[
                Call.attempts.set([_text_map(i, a, at) for i, a in enumerate(attempts)]),
                Call.recorded.add({TEXTS}),
            ],
            condition=Call.state.is_in(*LIVE_STATES) & ~Call.recorded.contains(TEXTS),
        )
    except UpdateError as e:
        if not condition_failed(e):
            raise
        return TextsState(False, ())
    state = _texts_state(item)
    for index, held in (item.early.as_dict() if item.early else {}).items():
        state = (
            record_receipt(call_id, int(index), held["m"], held["r"], held["o"], int(held["at"]))
            or state
        )
    return state


def hold_receipt(
    call_id: int, attempt: int, message_id: str, result: str, reason: str, at: int
) -> bool:
    """Keep a receipt that came before its recipient's texts were recorded (a provider's
    callback can outrun the send's own write), for `record_texts` to apply. False when
    the texts are recorded by now (`record_receipt` applies it then) or the recipient
    ended: the two conditions on `recorded` order this write and record_texts, so a held
    receipt is always seen by the one write that records the texts."""
    if attempt < 0:
        return False
    held = {"m": message_id, "r": result, "o": reason, "at": at}
    live = Call.state.is_in(*LIVE_STATES) & ~Call.recorded.contains(TEXTS)
    into: Action = Call.early[str(attempt)].set(held)
    whole: Action = Call.early.set({str(attempt): held})
    for action, condition in (
        (into, live & Call.early.exists()),
        (whole, live & Call.early.does_not_exist()),
        (into, live & Call.early.exists()),  # another receipt made `early` in between
    ):
        try:
            Call(call_id).update(actions=[action], condition=condition)
            return True
        except UpdateError as e:
            if not condition_failed(e):
                raise
    return False  # three refusals: whichever way `early` stood, the texts are recorded


def record_receipt(
    call_id: int, attempt: int, message_id: str, result: str, reason: str, at: int
) -> TextsState | None:
    """A text's receipt: its attempt's result and reason, if that attempt is this message
    and still awaits one; None (nothing changed) for a receipt delivered twice, a late one
    for an ended recipient, or one for a message this recipient never had."""
    if attempt < 0:
        return None
    slot: Any = Call.attempts[attempt]  # a list element's map: PynamoDB types it as a Path
    item = Call(call_id)
    try:
        item.update(
            actions=[slot.result.set(result), slot.reason.set(reason), slot.at.set(at)],
            condition=Call.state.is_in(*LIVE_STATES)
            & (slot.message_id == message_id)
            & (slot.result == SENT),
        )
    except UpdateError as e:
        if condition_failed(e) or _no_such_attempt(e):
            return None
        raise
    return _texts_state(item)


def texts_of(call_id: int) -> TextsState | None:
    """The SMS recipient's texts as they stand (None: no such item)."""
    item = find(call_id)
    if item is None:
        return None
    state = _texts_state(item)
    return TextsState(item.state in LIVE_STATES, state.attempts)


TEXTS = "texts"  # `recorded` holds it once a recipient's texts are written


def _text_map(i: int, a: TextAttempt, at: int) -> AttemptMap:
    return AttemptMap(
        key=f"0.{i}",
        role="recipient",
        number=a.number,
        result=a.result,
        at=at,
        message_id=a.message_id or None,
        reason=a.reason,
    )


def _texts_state(item: Call) -> TextsState:
    return TextsState(
        item.state in LIVE_STATES,
        tuple(
            TextAttempt(a.number, a.result, a.message_id or "", a.reason)
            for a in item.attempts or ()
        ),
    )


def _no_such_attempt(e: UpdateError) -> bool:
    """DynamoDB refuses an update of a list element past the list's end."""
    cause = getattr(e, "cause_response_code", None)
    return cause == "ValidationException"


def count_recipient_end(blast_id: int, call_id: int, succeeded: bool) -> bool:
    """Count an ended recipient (its Calls item `call_id`) on its blast, once: the Calls
    item is marked counted in the same transaction, so a change read twice from the
    stream counts once. False if it was counted before (or the blast is gone)."""

    def count() -> None:
        with transaction() as tx:
            tx.update(
                Call(call_id),
                actions=[Call.counted.set(True)],
                condition=Call.call_id.exists() & Call.counted.does_not_exist(),
            )
            tx.update(
                Blast(blast_id),
                actions=[Blast.ended.add(1), Blast.succeeded.add(int(succeeded))],
                condition=Blast.blast_id.exists(),
            )

    try:
        # The recipients of one blast end together: their transactions touch one item.
        retrying(count)
    except TransactWriteError as e:
        if condition_failed(e):
            return False
        raise
    return True


@dataclass(frozen=True)
class RecipientStatus:
    call_id: int
    state: str
    success: bool
    attempts: tuple[tuple[str, str], ...]  # (number, result)
    # A text's receipt outcome (blastsms), per attempt: None where there is none.
    reasons: tuple[str | None, ...] = ()
    not_before: int | None = None  # issue 27: waiting for its calling window until then

    @property
    def done(self) -> bool:
        return self.state in FINAL_STATES


def results(blast: BlastInfo) -> list[RecipientStatus | None]:
    """Each recipient's Calls item as it stands (None: not created yet), in order."""
    if blast.first_call_id is None:
        return []
    keys = [blast.call_id(n) for n in range(blast.recipients)]
    found = {
        int(c.call_id): c
        for c in Call.batch_get(
            keys, attributes_to_get=["call_id", "state", "success", "attempts", "request"]
        )
    }
    return [_status(found.get(call_id)) for call_id in keys]


# -- who the recipients are -------------------------------------------------------------


def profiles_for(eid: int, terms: Iterable[Termination]) -> list[Profile | None]:
    """For each termination: the profile of the user it names (userId, email) if the
    enterprise sees it, or of the user holding its number (phone); else None. A few
    batched reads, whatever the number of terminations."""
    terms = list(terms)
    # A termination's type (1 userId, 2 email, 3 phone) is its value's: int, str or Phone.
    unique_keys = {users.email_key(t.value) for t in terms if isinstance(t.value, str)}
    unique_keys |= {users.phone_key(t.value) for t in terms if isinstance(t.value, Phone)}
    holders = {u.key: u for u in Unique.batch_get(list(unique_keys))} if unique_keys else {}

    def user_of(term: Termination) -> int | None:
        named = term.value
        if isinstance(named, int):
            return named
        key = users.email_key(named) if isinstance(named, str) else users.phone_key(named)
        holder = holders.get(key)
        if holder is None or (
            term.type == EMAIL and not users.is_visible(holder.exclusive_eid, eid)
        ):
            return None
        return int(holder.user_id)

    wanted = [user_of(t) for t in terms]
    user_ids = {u for u in wanted if u is not None}
    found = {int(u.user_id): u for u in User.batch_get(list(user_ids))} if user_ids else {}
    out: list[Profile | None] = []
    for term, user_id in zip(terms, wanted, strict=True):
        item = found.get(user_id) if user_id is not None else None
        # A phone's holder blocks whoever may see it; a user named outright must be visible.
        if item is None or (term.type != PHONE and not users.is_visible(item.exclusive_eid, eid)):
            out.append(None)
        else:
            out.append(profiles.profile_of(item))
    return out


def require_visible(eid: int, refs: list[int | str], *, name: str) -> None:
    """922 for each userId or email that names no user the enterprise sees (RULINGS
    "Destinations"). As users.require_visible, with BatchGetItem (100 keys a request):
    its TransactGetItems of 100 is refused by moto, which allows 25, and a blast may
    name thousands of users."""
    refs = list(dict.fromkeys(refs))
    emails = [r for r in refs if isinstance(r, str)]
    holders = (
        {u.key: u for u in Unique.batch_get([users.email_key(e) for e in emails])} if emails else {}
    )
    user_ids = [r for r in refs if isinstance(r, int)]
    found = (
        {
            int(u.user_id): u
            for u in User.batch_get(user_ids, attributes_to_get=["user_id", "exclusive_eid"])
        }
        if user_ids
        else {}
    )
    missing = [
        ref
        for ref in refs
        if (item := found.get(ref) if isinstance(ref, int) else holders.get(users.email_key(ref)))
        is None
        or not users.is_visible(item.exclusive_eid, eid)
    ]
    if missing:
        raise OcpError.combine(OcpError(922, name=name, value=ref) for ref in missing)


# -- the item <-> BlastInfo --------------------------------------------------------------


def encode(terms: Iterable[Termination]) -> bytes:
    """The terminations as stored; 903 beyond what the item can hold."""
    terms = list(terms)
    data = zlib.compress(
        json.dumps([t.to_json() for t in terms], separators=(",", ":")).encode(), 6
    )
    if len(data) > MAX_TERMINATIONS_BYTES:
        raise OcpError(
            903,
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
        raise OcpError(307) from None


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


def _call(
    batch: Batch, call_id: int, n: int, term: Termination, state: str, not_before: int | None
) -> Call:
    request: dict[str, Any] = {"blastId": batch.blast_id, "n": n, "destination": _dump(term)}
    if not_before is not None:
        request["notBefore"] = not_before
    return Call(
        call_id,
        eid=batch.eid,
        user_id=batch.user_id,
        kind=batch.call_kind,
        time_scheduled=batch.time_scheduled,
        calling_number=batch.calling_number,
        request=request,
        state=state,
        callback=callback_map(batch.callback),
    )


def _status(item: Call | None) -> RecipientStatus | None:
    if item is None:
        return None
    return RecipientStatus(
        int(item.call_id),
        item.state,
        bool(item.success),
        tuple((a.number, a.result) for a in item.attempts or ()),
        tuple(a.reason for a in item.attempts or ()),
        _not_before(item),
    )


def _not_before(item: Call) -> int | None:
    request = item.request.as_dict() if item.request is not None else {}
    found = request.get("notBefore")
    return None if found is None else int(found)
