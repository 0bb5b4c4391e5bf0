"""A blast's recipients: who they are, their Calls items, and the count of those that ended.

Per-recipient results do not fit the Blast item (400 KB), so recipient n of a started
blast is the Calls item `first_call_id + n` (kind `blast` for voice, `blastsms` for SMS,
`CALL_KINDS`): the ids are one block allocated when the blast starts
(store.blasts.claim_start), so results are read by key (BatchGetItem, 100 a request)
with no index, and a voice recipient's item is the one the dialer already writes for
every call. Its `request` names the blast and `n`. What an SMS recipient's texts and
receipts do to its item is store/texts.py.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pynamodb.exceptions import PutError

from chalicelib.domain.compliance import OPTED_OUT
from chalicelib.domain.destinations import Destination
from chalicelib.domain.kinds import EMAIL, PHONE, SMS, VOICE
from chalicelib.domain.numbers import Phone
from chalicelib.domain.resolve import Profile
from chalicelib.domain.subscriptions import Subscription
from chalicelib.store import profiles, users
from chalicelib.store.blasts import BlastInfo
from chalicelib.store.calls import DIALING, FINAL_STATES, SCHEDULED
from chalicelib.store.conditional import commit_if, delete_if, put_if
from chalicelib.store.models import Blast, Call, Unique, User, callback_map, transaction
from chalicelib.store.transactions import conflicted

# The Calls item kind of a recipient, by the blast's kind.
CALL_KINDS = {VOICE: "blast", SMS: "blastsms"}


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


def create_calls(
    batch: Batch,
    recipients: list[tuple[int, int, Destination]],
    state: str = SCHEDULED,
    not_before: dict[int, int] | None = None,
    *,
    over_waiting: bool = False,
) -> set[int]:
    """The Calls items of (callId, n, destination) that do not exist yet, one conditional
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
            if not put_if(_call(batch, call_id, n, term, state, at), condition):
                continue  # made by an earlier delivery
        except PutError as e:
            # It exists, and is being changed by a transaction right now.
            if not conflicted(e):
                raise
            continue
        created.add(call_id)
    return created


def claim(batch: Batch, call_id: int, n: int, term: Destination) -> bool:
    """Create the SMS recipient's Calls item (dialing), once: True if this call made it,
    so that it, and nothing else, texts the recipient."""
    return bool(create_calls(batch, [(call_id, n, term)], state=DIALING, over_waiting=True))


def states_of(call_ids: list[int]) -> dict[int, str]:
    """The state of each of these Calls items that exists (BatchGetItem)."""
    if not call_ids:
        return {}
    return {
        int(c.call_id): c.state
        for c in Call.batch_get(call_ids, attributes_to_get=["call_id", "state"])
    }


def mark_opted_out(call_id: int, key: str, number: str) -> int | None:
    """issue 27: the recipient's attempt `key` at `number` pressed the opt-out digit after
    it was reported answered: its result becomes OptedOut. The enterprise's id, or None
    when there is no such attempt."""
    try:
        item = Call.get(call_id, consistent_read=True)
    except Call.DoesNotExist:
        return None
    for i, a in enumerate(item.attempts or ()):
        if a.key == key and a.number == number:
            slot: Any = Call.attempts[i]  # a list element's map: PynamoDB types it as a Path
            Call(call_id).update(
                actions=[slot.result.set(OPTED_OUT)],
                condition=(slot.key == key) & (slot.number == number),
            )
            return int(item.eid)
    return None


def release(call_id: int) -> None:
    """Undo `claim` for a recipient nothing was sent to (the provider was busy past the
    batch's time), so that the batch's next delivery claims it again."""
    delete_if(Call(call_id), (Call.state == DIALING) & Call.recorded.does_not_exist())


def count_end(blast_id: int, call_id: int, succeeded: bool) -> bool:
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

    # The recipients of one blast end together: their transactions touch one item.
    return commit_if(count)


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


def profiles_for(eid: int, terms: Iterable[Destination]) -> list[Profile | None]:
    """For each destination: the profile of the user it names (userId, email) if the
    enterprise sees it, or of the user holding its number (phone); else None. A few
    batched reads, whatever the number of destinations."""
    terms = list(terms)
    # A destination's type (1 userId, 2 email, 3 phone) is its value's: int, str or Phone.
    unique_keys = {users.email_key(t.value) for t in terms if isinstance(t.value, str)}
    unique_keys |= {users.phone_key(t.value) for t in terms if isinstance(t.value, Phone)}
    holders = {u.key: u for u in Unique.batch_get(list(unique_keys))} if unique_keys else {}

    def user_of(term: Destination) -> int | None:
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


def _call(
    batch: Batch, call_id: int, n: int, term: Destination, state: str, not_before: int | None
) -> Call:
    request: dict[str, Any] = {
        "blastId": batch.blast_id,
        "n": n,
        "destination": json.dumps(term.to_json(), separators=(",", ":")),
    }
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
