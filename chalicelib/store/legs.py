"""What a carrier whose calls carry no state of their own (telephony/twilio: every step is
a webhook) keeps on the Calls item, per dial (attempt key):

    keep(call_id, key, spec, token)      the dial as its webhooks need it, before it rings
    kept(call_id, key)                   that, with the stage each number reached
    move(call_id, key, index, to, frm)   number `index` moves to stage `to` if it is at one
                                         of `frm` (None: no stage yet), once: a webhook the
                                         carrier delivers twice moves nothing the second time
    once(call_id, key, flag)             a dial-wide fact (reported), true the first time

Every write is one conditional UpdateItem, so a repeated or concurrent webhook is decided
by DynamoDB's order of writes to one item (store/rendezvous.py holds the try-all races and
the end of the connected call for every such carrier).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from chalicelib.store.conditional import update_if
from chalicelib.store.models import Call


@dataclass(frozen=True)
class Kept:
    spec: dict[str, Any]
    token: str
    stages: dict[int, str] = field(default_factory=dict)
    flags: frozenset[str] = frozenset()


def keep(call_id: int, key: str, spec: dict[str, Any], token: str) -> None:
    fresh = {"spec": spec, "tok": token, "st": {}, "fl": {}}
    if _update(call_id, [Call.legs[key].set(fresh)], Call.legs.exists()):
        return
    if _update(call_id, [Call.legs.set({key: fresh})], Call.legs.does_not_exist()):
        return
    _update(call_id, [Call.legs[key].set(fresh)], Call.legs.exists())


def kept(call_id: int, key: str) -> Kept | None:
    try:
        item = Call.get(call_id, consistent_read=True, attributes_to_get=["call_id", "legs"])
    except Call.DoesNotExist:
        return None
    found = (item.legs.as_dict() if item.legs is not None else {}).get(key)
    if found is None:
        return None
    return Kept(
        spec=dict(found["spec"]),
        token=str(found.get("tok") or ""),
        stages={int(n): str(s) for n, s in (found.get("st") or {}).items()},
        flags=frozenset(found.get("fl") or {}),
    )


def move(call_id: int, key: str, index: int, to: str, frm: tuple[str | None, ...]) -> bool:
    stage = Call.legs[key]["st"][str(index)]
    condition = None
    for one in frm:
        this = stage.does_not_exist() if one is None else stage == one
        condition = this if condition is None else condition | this
    where = Call.legs[key].exists()
    return _update(call_id, [stage.set(to)], where if condition is None else where & condition)


def once(call_id: int, key: str, flag: str) -> bool:
    path = Call.legs[key]["fl"][flag]
    return _update(call_id, [path.set(1)], Call.legs[key].exists() & path.does_not_exist())


def _update(call_id: int, actions: list[Any], condition: Any) -> bool:
    return update_if(Call(call_id), actions, condition)
