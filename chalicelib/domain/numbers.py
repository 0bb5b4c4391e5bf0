"""Phone numbers as the OCP stores them: country code, city code and digits apart
(RULINGS "Phone numbers"), and the carrier catalogue the reference prints."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Phone:
    country_code: str  # "1" for NANP
    city_code: str  # "" for NANP numbers; "20" for "44 20 77994044"
    digits: str  # "3035551212"; "77994044" for London

    @property
    def e164(self) -> str:
        return f"+{self.country_code}{self.city_code}{self.digits}"

    @property
    def key(self) -> str:
        """The system-wide uniqueness key."""
        return self.e164

    @property
    def display(self) -> str:
        """The canonical typed form, which protocol.types.phone() reads back to this Phone."""
        if self.country_code == "1":
            return self.digits
        return " ".join(p for p in (self.country_code, self.city_code, self.digits) if p)

    @classmethod
    def from_display(cls, text: str) -> Phone:
        """The Phone whose `display` is `text` (a stored number, not a client's: those are
        read by protocol.types.phone); ValueError for anything `display` never writes."""
        groups = text.split(" ")
        if not all(g.isdigit() and g.isascii() for g in groups):
            raise ValueError(f"not a stored phone number: {text!r}")
        if len(groups) == 1:
            return cls("1", "", groups[0])
        if len(groups) == 2 and groups[0] != "1":
            return cls(groups[0], "", groups[1])
        if len(groups) == 3 and groups[0] != "1":
            return cls(groups[0], groups[1], groups[2])
        raise ValueError(f"not a stored phone number: {text!r}")


def test_line(e164: str) -> str | None:
    """The test line a North American number is ("0101" for +1 NXX 555-0101), None for
    any other number: the simulated carrier, the SMS test numbers and the local fakes all
    read their outcome tables by it (docs/carriers.md#test-numbers, docs/sms.md)."""
    national = e164[2:] if e164.startswith("+1") else ""
    if len(national) == 10 and national[3:7] == "5550" and national[7] == "1":
        return national[6:]
    return None


# carriers GET: the catalogue as the reference prints it (id -> name, SMS gateway).
CARRIERS: dict[int, tuple[str, str]] = {
    0: ("(unknown)", ""),
    1: ("AT&T", "txt.att.net"),
    2: ("Verizon", "vtext.com"),
    3: ("Sprint", "messaging.sprintpcs.com"),
    4: ("Nextel", "messaging.nextel.com"),
    5: ("T-Mobile", "tmomail.net"),
}

PHONE_TYPES = (1, 2, 3, 4)  # office, mobile, home, other
