"""A status callback subscription (statusCallback and statusCallbackEvents): the value a
request makes and the stores keep, shared by protocol/, store/, events/ and workflows/
(docs/architecture.md: values several packages share live in domain/)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

INITIATED, ANSWERED, COMPLETED = "initiated", "answered", "completed"
TYPES = (INITIATED, ANSWERED, COMPLETED)


@dataclass(frozen=True)
class Subscription:
    """Where to send events, and which (a statusCallback and its statusCallbackEvents)."""

    url: str
    events: tuple[str, ...] = TYPES

    def wants(self, event_type: str) -> bool:
        return event_type in self.events

    def sequence(self, event_type: str, happened: tuple[str, ...]) -> int:
        """The event's number among the events this subscription gets of its object:
        1 for the first sent, then 2, ... `happened`: the event types before it."""
        return 1 + sum(1 for t in happened if self.wants(t))

    def to_map(self) -> dict[str, Any]:
        return {"url": self.url, "events": list(self.events)}

    @classmethod
    def of(cls, stored: Any) -> Subscription | None:
        """From a stored map (a models.Callback or a plain dict); None for none."""
        if stored is None:
            return None
        data = stored if isinstance(stored, dict) else stored.as_dict()
        return cls(str(data["url"]), tuple(str(e) for e in data.get("events") or TYPES))
