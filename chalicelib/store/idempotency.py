"""Responses kept under an Idempotency-Key (protocol/idempotency.py decides what to keep).

One item per enterprise and key (`{eid}#{key}`), living 24 hours (TTL `expires`):

    claim     a conditional PutItem before the work: the key is free (never used, expired
              but not yet swept by TTL, or claimed by a request that died: its lease has
              passed). If it is not, the same request returns what holds it (DynamoDB's
              ReturnValuesOnConditionCheckFailure), so a replay costs one request.
    record    the claiming request's response, conditioned on its token: a request that
              outlived its lease (it was taken over) records nothing.
    release   the claim is dropped (the work failed with a 5xx): the key may be used again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from botocore.exceptions import ClientError
from pynamodb.constants import ITEM, PUT_ITEM

from chalicelib import settings
from chalicelib.store.conditional import delete_if, update_if
from chalicelib.store.models import IdempotentResponse


@dataclass(frozen=True)
class Recorded:
    """A response as it is replayed: byte for byte."""

    status: int
    body: str
    content_type: str


@dataclass(frozen=True)
class Holder:
    """What holds a key: a request in progress (`recorded` None) or its response."""

    fingerprint: str
    recorded: Recorded | None
    lease_until: int


def _key(eid: int, key: str) -> str:
    return f"{eid}#{key}"


def claim(eid: int, key: str, fingerprint: str, token: str, now: int) -> Holder | None:
    """Claim the key for the request `token` (None), or what holds it."""
    s = settings.get()
    item = IdempotentResponse(
        _key(eid, key),
        fingerprint=fingerprint,
        token=token,
        lease_until=now + s.idempotency_lease_seconds,
        expires=_at(now + s.idempotency_ttl_seconds),
    )
    free = (
        IdempotentResponse.key.does_not_exist()
        | (IdempotentResponse.expires <= _at(now))
        | (IdempotentResponse.status.does_not_exist() & (IdempotentResponse.lease_until <= now))
    )
    # PynamoDB's save() cannot ask for the item that failed the condition: the request is
    # made with the model's own connection and serialisation.
    table = IdempotentResponse._get_connection()
    (hash_key,), kwargs = item._get_save_args(condition=free)
    request = table.get_operation_kwargs(
        hash_key, key=ITEM, return_values_on_condition_failure="ALL_OLD", **kwargs
    )
    for _attempt in range(3):
        try:
            table.connection.dispatch(PUT_ITEM, request)
            return None
        except ClientError as e:
            # PynamoDB re-raises botocore's error without the item: it is on the cause.
            answer = (e.__cause__ if isinstance(e.__cause__, ClientError) else e).response
            if answer.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                raise
            held = answer.get("Item")
        if held is not None:
            return _holder(IdempotentResponse.from_raw_data(held))
        # Released between the check and the answer: claim it again.
    raise RuntimeError(f"idempotency key of enterprise {eid} neither free nor held")


def find(eid: int, key: str, now: int) -> Holder | None:
    """What holds the key now (a consistent read), or None if it is free."""
    try:
        item = IdempotentResponse.get(_key(eid, key), consistent_read=True)
    except IdempotentResponse.DoesNotExist:
        return None
    if item.expires is not None and int(item.expires.timestamp()) <= now:
        return None
    return _holder(item)


def record(eid: int, key: str, token: str, response: Recorded) -> bool:
    """Keep the claiming request's response; False if the claim is no longer its own."""
    return update_if(
        IdempotentResponse(_key(eid, key)),
        [
            IdempotentResponse.status.set(response.status),
            IdempotentResponse.body.set(response.body),
            IdempotentResponse.content_type.set(response.content_type),
        ],
        IdempotentResponse.token == token,
    )


def release(eid: int, key: str, token: str) -> None:
    """Drop the request's claim, if it still holds it."""
    delete_if(IdempotentResponse(_key(eid, key)), IdempotentResponse.token == token)


def _holder(item: IdempotentResponse) -> Holder:
    recorded = (
        None
        if item.status is None
        else Recorded(int(item.status), item.body or "", item.content_type or "")
    )
    return Holder(item.fingerprint, recorded, int(item.lease_until))


def _at(epoch: int) -> datetime:
    """A TTLAttribute takes a datetime."""
    return datetime.fromtimestamp(epoch, tz=UTC)
