"""The shapes of the variables as regular expressions, for the OpenAPI description
(reference/openapi.py): what the readers in protocol/types.py accept, written where the
fields are declared (protocol/params.py) so that the description is as strict as the
server. ECMA-262 and Python `re` alike (no look-arounds: generators of valid data, such as
schemathesis, must be able to produce a match).

Two rules have no regular expression, and the description says them in words: an
international number must be possible in its country's numbering plan (phonenumbers), and
an email's domain must not be a special-use name (`.test`, `.local`, email-validator).
"""

from __future__ import annotations

# Ten digits, NANP: area code and exchange start with 2-9 (types._nanp); also "+1..." and
# "1 ...". Or a country code (not 1), then groups of digits separated by spaces.
_NANP = r"[2-9][0-9]{2}[2-9][0-9]{6}"
PHONE = rf"(?:{_NANP}|\+1 ?{_NANP}|1 {_NANP}|\+?[2-9][0-9]{{0,2}}(?: [0-9]{{1,8}}){{1,3}})"
# email-validator's common case, short enough for its length limits (64 before the @, 63
# a label, 254 in all): a dot-atom local part, a domain of labels, a TLD.
_LABEL = r"[A-Za-z0-9]{1,20}(?:-[A-Za-z0-9]{1,20}){0,2}"
EMAIL = (
    rf"(?:[A-Za-z0-9]{{1,16}}(?:[._+-][A-Za-z0-9]{{1,16}}){{0,3}}"
    rf"@{_LABEL}(?:\.{_LABEL}){{0,3}}\.[A-Za-z]{{2,12}})"
)
# A positive id as a destination names it (types._destination_pair): at most 19 digits.
ID = r"(?:[1-9][0-9]{0,17})"
# "1:17", "2:ann@example.com", "3:3035551212".
PAIR = rf"(?:1:{ID}|2:{EMAIL}|3:{PHONE})"
# What survives reading a required string (types.string: tags stripped, trimmed; XML's
# characters only): a first character that is text, not space, "<" or a control.
NON_BLANK = "^[^\\s<\\x00-\\x1f\\ufffe\\uffff]"


def whole(pattern: str) -> str:
    return f"^{pattern}$"


def listed(pattern: str, max_items: int | None = None) -> str:
    """Comma-separated, one or more (at most `max_items`)."""
    more = "*" if max_items is None else f"{{0,{max_items - 1}}}"
    return f"^{pattern}(?:,{pattern}){more}$"


def digit_range(low: int, high: int) -> str:
    """One digit from low to high (a small numeric choice, as `phoneType` 1-4)."""
    return f"[{low}-{high}]"
