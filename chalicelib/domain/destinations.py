"""A destination or origination: a user by id, a user by email, or a phone number, as a
`type:value` pair names it (reference "Specifying Origination and Destination").

One type for every package: protocol.types parses a request's pairs into it, the stores
keep it (as JSON, or in its wire form for GET) and decode it back with `from_json` and
`from_wire`, and the workflows and domain rules read it. Decoding a stored value is not
parsing wire input again: the stored form is the one `to_json` or `wire` wrote.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chalicelib.domain.kinds import EMAIL, PHONE, USER_ID
from chalicelib.domain.numbers import Phone


@dataclass(frozen=True)
class Destination:
    """A destination or origination, as its `type:value` pair named it."""

    type: int  # 1 userId, 2 email, 3 phone
    value: int | str | Phone  # int, normalised email, Phone

    @property
    def label(self) -> int | str:
        """`<value>` in GET bodies, and the number printed for a leg-level result."""
        return self.value.display if isinstance(self.value, Phone) else self.value

    def wire(self) -> str:
        """The `type:value` pair as a client writes it ("3:3035551212")."""
        return f"{self.type}:{self.label}"

    @classmethod
    def from_wire(cls, text: str) -> Destination:
        """The destination `wire()` wrote (ValueError for anything else)."""
        kind, colon, value = text.partition(":")
        if not colon or kind not in ("1", "2", "3") or not value:
            raise ValueError(f"not a stored destination: {text!r}")
        type_ = int(kind)
        if type_ == USER_ID:
            return cls(USER_ID, int(value))
        if type_ == EMAIL:
            return cls(EMAIL, value)
        return cls(PHONE, Phone.from_display(value))

    def to_json(self) -> list[Any]:
        if isinstance(self.value, Phone):
            return [PHONE, [self.value.country_code, self.value.city_code, self.value.digits]]
        return [self.type, self.value]

    @classmethod
    def from_json(cls, data: list[Any]) -> Destination:
        kind, value = int(data[0]), data[1]
        if kind == PHONE:
            return cls(PHONE, Phone(*value))
        return cls(kind, int(value) if kind == USER_ID else str(value))
