"""How many SMS segments a text takes, and in which encoding (the cost model: every
provider bills per segment; docs/sms.md "Length and cost").

A text is sent in GSM-7 (3GPP TS 23.038's default alphabet: 7 bits a character, its
extension table's characters taking two) when every character is in that alphabet, else
in UCS-2 (16 bits a UTF-16 code unit: a character outside the Basic Multilingual Plane,
an emoji, takes two). One segment carries 160 GSM-7 septets or 70 UCS-2 units; a longer
text is split into parts of 153 or 67 (each part gives 7 or 3 units to the header that
joins them again), and a part never ends in the middle of a two-septet escape or a
surrogate pair. Pure: plain values in and out.
"""

from __future__ import annotations

from dataclasses import dataclass

GSM7, UCS2 = "GSM-7", "UCS-2"
# A single segment's capacity, and a part's in a longer text.
SINGLE = {GSM7: 160, UCS2: 70}
PART = {GSM7: 153, UCS2: 67}

_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_EXTENSION = set("\f^{}\\[~]|€")


@dataclass(frozen=True)
class Segments:
    encoding: str  # GSM7 or UCS2
    units: int  # septets (GSM-7) or UTF-16 code units (UCS-2)
    count: int  # segments billed (0 for an empty text)


def encoding(text: str) -> str:
    return GSM7 if all(c in _BASIC or c in _EXTENSION for c in text) else UCS2


def _widths(text: str, enc: str) -> list[int]:
    """Each character's units: what can't be split across two parts."""
    if enc == GSM7:
        return [2 if c in _EXTENSION else 1 for c in text]
    return [2 if ord(c) > 0xFFFF else 1 for c in text]


def count(text: str) -> Segments:
    enc = encoding(text)
    widths = _widths(text, enc)
    units = sum(widths)
    if units == 0:
        return Segments(enc, 0, 0)
    if units <= SINGLE[enc]:
        return Segments(enc, units, 1)
    parts, filled = 1, 0
    for w in widths:
        if filled + w > PART[enc]:
            parts, filled = parts + 1, 0
        filled += w
    return Segments(enc, units, parts)
