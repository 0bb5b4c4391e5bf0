"""A Scheduler schedule's input, to the `fire` function (workflows/fire.py): its own
module, light and importing nothing of the work it names, since `fire` reaches every
kind of work and `schedule` (which writes the input) is used by all of them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Firing:
    """What a fired schedule names: the kind of work, its item, and the item's version
    when it was scheduled (a firing for an older version does nothing)."""

    kind: str
    item_id: int
    version: int

    def encode(self) -> dict[str, Any]:
        return {"kind": self.kind, "id": self.item_id, "version": self.version}

    @classmethod
    def decode(cls, data: Any) -> Firing:
        if not isinstance(data, dict):
            raise ValueError("a schedule's input is an object")
        kind, item_id, version = data.get("kind"), data.get("id"), data.get("version")
        if (
            not isinstance(kind, str)
            or not isinstance(item_id, int)
            or not isinstance(version, int)
        ):
            raise ValueError("a schedule's input names a kind, an id and a version")
        return cls(kind, item_id, version)
