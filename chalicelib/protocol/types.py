"""Every OCP data type, parsed once for every route.

The sanitisers follow the reference's "Data Types" table as RULINGS reads it;
the validators raise `OcpError` with the 900-series codes of the reference.
Pure functions: no clock, no AWS, no HTTP (DNS only for `email(check_dns=True)`).

`phonenumbers` and `email_validator` are imported where they are used: together
they cost about 40 ms of every cold start, and most requests need neither.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any, TypeVar

from chalicelib import settings
from chalicelib.domain.destinations import Destination
from chalicelib.domain.kinds import EMAIL, PHONE, USER_ID
from chalicelib.domain.numbers import Phone
from chalicelib.errors import Code, OcpError

T = TypeVar("T")

_NOT_DIGIT = re.compile(r"[^0-9]")
_NOT_DTMF = re.compile(r"[^0-9#*]")
_DIGITS = re.compile(r"[0-9]+")
_MINUS_FIRST = re.compile(r"[^0-9]*-")
# What XML 1.0 cannot carry, even escaped: the complement of its "Char" production (C0
# controls but tab, LF and CR; lone surrogates; U+FFFE and U+FFFF). Written as that
# complement, not as "[^ every allowed range ]": the same set (tests/unit/test_types.py
# checks every code point), compiled in a tenth of the time, at every cold start.
_NOT_XML_CHAR = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# The last second of year 9999: a Unix time past it names no date (916).
MAX_UNIX_TIME = 253402300799
# Past this many digits a number is no id, time or amount: DynamoDB keeps 38.
_MAX_DIGITS = 38


def xml_chars(text: str) -> str:
    """`text` without the characters XML 1.0 cannot carry: every variable is read through
    this, and every rendered value written through it, so every body parses."""
    return _NOT_XML_CHAR.sub("", text)


# --- sanitisers ("Data Types" table) -----------------------------------------


def numeric(raw: str) -> str:
    """numeric: keeps 0-9 only ("Test5" -> "5", "54.01" -> "5401")."""
    return _NOT_DIGIT.sub("", raw)


def dtmf(raw: str) -> str:
    """DTMF: keeps 0-9, # and * ("###ab44" -> "###44"; the reference's "**##44" is a typo)."""
    return _NOT_DTMF.sub("", raw)


def unix_time(raw: str) -> str:
    """Unix time stamp: digits only, like numeric."""
    return numeric(raw)


def double_text(raw: str) -> str:
    """double: keeps digits and one decimal point, strips everything else.

    A minus sign before the first digit or point is kept too, because RULINGS
    allows negative currency amounts. Only the first point survives.
    """
    out: list[str] = []
    negative = False
    seen_number = seen_point = False
    for char in raw:
        if "0" <= char <= "9":
            out.append(char)
            seen_number = True
        elif char == "." and not seen_point:
            out.append(char)
            seen_number = seen_point = True
        elif char == "-" and not seen_number:
            negative = True
    return ("-" if negative else "") + "".join(out)


def string(raw: str) -> str:
    """string: strips HTML and PHP tags the way PHP's strip_tags does, then trims.

    As in PHP, "<" followed by whitespace is text, quotes inside a tag hide ">",
    "<?...?>" and "<!--...-->" are removed whole, and an unclosed tag runs to the
    end. Unlike PHP, a "<" at the very end is text, so that string(string(x)) ==
    string(x): no "<" followed by a non-space character survives.
    """
    out: list[str] = []
    i, n = 0, len(raw)
    while i < n:
        char = raw[i]
        if char != "<" or i + 1 == n or raw[i + 1].isspace():
            out.append(char)
            i += 1
        elif raw.startswith("<?", i):
            i = _skip_to(raw, "?>", i + 2)
        elif raw.startswith("<!--", i):
            i = _skip_to(raw, "-->", i + 4)
        else:
            i = _skip_html_tag(raw, i + 1)
    return "".join(out).strip()


def _skip_to(raw: str, closer: str, start: int) -> int:
    end = raw.find(closer, start)
    return len(raw) if end < 0 else end + len(closer)


def _skip_html_tag(raw: str, start: int) -> int:
    """Index just past the ">" that closes a tag opened before `start`."""
    quote = ""
    depth = 0
    for i in range(start, len(raw)):
        char = raw[i]
        if quote:
            if char == quote and raw[i - 1] != "\\":
                quote = ""
        elif char in "\"'":
            quote = char
        elif char == "<":
            depth += 1
        elif char == ">":
            if depth == 0:
                return i + 1
            depth -= 1
    return len(raw)


# --- numbers -------------------------------------------------------------------


def to_int(
    name: str,
    raw: str,
    *,
    low: int | None = None,
    high: int | None = None,
    code: int = Code.INVALID_VALUE,
) -> int:
    """A numeric variable as an int, checked against [low, high].

    When the range admits negatives (timezone -11..12) a leading minus sign is
    kept; numeric() alone would turn "-7" into 7.
    """
    digits = numeric(raw or "")
    if not digits:
        raise OcpError(Code.REQUIRED, name=name)
    negative = low is not None and low < 0 and _MINUS_FIRST.match(raw) is not None
    try:
        value = -int(digits) if negative else int(digits)
    except ValueError:  # more digits than int() will read: out of any range
        raise _out_of_range(name, raw, low, high, code) from None
    if (low is not None and value < low) or (high is not None and value > high):
        raise _out_of_range(name, raw, low, high, code)
    return value


def int_of_number(
    name: str,
    literal: str,
    *,
    low: int | None = None,
    high: int | None = None,
    code: int = Code.INVALID_VALUE,
) -> int:
    """A JSON number (its literal) as an int: a whole number within [low, high]. Unlike a
    form value nothing is sanitised away, so 1.5, -1 (for a positive id) and 1e30 are
    refused."""
    value = Decimal(literal)
    if (
        not value.is_finite()
        or value.adjusted() >= _MAX_DIGITS
        or value != value.to_integral_value()
        or (low is not None and value < low)
        or (high is not None and value > high)
    ):
        raise _out_of_range(name, literal, low, high, code)
    return int(value)


def amount_of_number(name: str, literal: str, *, places: int = 2) -> Decimal:
    """A JSON number (its literal) as an exact Decimal with at most `places` decimals (912
    otherwise): 0.0000001 is 912, not the 107 that sanitising its text "1e-07" would give;
    one with more digits than any amount (1e400) is 902."""
    value = Decimal(literal)
    try:
        exact = value.quantize(Decimal(1).scaleb(-places))
    except InvalidOperation:
        raise OcpError(Code.INVALID_VALUE, name=name, value=literal) from None
    if exact != value:
        raise OcpError(Code.INVALID_AMOUNT, name=name, value=literal)
    return exact + 0  # "+ 0" turns -0 into 0


def _out_of_range(name: str, raw: str, low: int | None, high: int | None, code: int) -> OcpError:
    # 901 lists the choices and 903 the bounds; 902 uses neither.
    if low is not None and high is not None and high - low < 20:
        choices = ", ".join(str(v) for v in range(low, high + 1))
    else:
        choices = f"{'' if low is None else low}..{'' if high is None else high}"
    return OcpError(code, name=name, value=raw, choices=choices, low=low, high=high)


def to_amount(name: str, raw: str, places: int = 2) -> Decimal:
    """A double variable as an exact Decimal with at most `places` decimals.

    "$50.25" -> 50.25 (sanitised), "12.345" -> 912, "5." -> 912. Several points
    ("1.2.3") are 912 too: keeping the first would silently read it as 1.23.
    """
    text = double_text(raw or "")
    if not text:
        raise OcpError(Code.REQUIRED, name=name)
    pattern = rf"-?[0-9]+(\.[0-9]{{1,{places}}})?" if places > 0 else r"-?[0-9]+"
    if raw.count(".") > 1 or not re.fullmatch(pattern, text):
        raise OcpError(Code.INVALID_AMOUNT, name=name, value=raw)
    return Decimal(text) + 0  # "+ 0" turns -0 into 0 and keeps the places


# --- phone ("Specifying a Phone Number Value") ---------------------------------


def phone(name: str, raw: str) -> Phone:
    """A phone variable: "3035551212", "1 3035551212", "44 20 77994044", "33 1 49 54 46 46".

    Ten digits without spaces is domestic (NANP); otherwise the first
    space-separated group is a country code that must exist, the second the
    city code, the rest the number (it may itself contain spaces).
    """
    text = (raw or "").strip()
    if not text:
        raise OcpError(Code.REQUIRED, name=name)
    parsed = _parse_phone(text)
    if parsed is None:
        raise OcpError(Code.INVALID_PHONE, name=name, value=raw)
    return parsed


def phones(name: str, raw: str, *, max_items: int | None = None) -> list[Phone]:
    """Comma-separated phone variables ("3035551212,44 20 77994044"); every bad
    one is reported. Commas, since spaces belong to international numbers."""
    return _each(name, raw, phone, max_items)


def ints(
    name: str,
    raw: str,
    *,
    low: int | None = None,
    high: int | None = None,
    code: int = Code.INVALID_VALUE,
    max_items: int | None = None,
) -> list[int]:
    """Comma-separated numeric variables, each checked against [low, high]."""
    return _each(
        name, raw, lambda n, part: to_int(n, part, low=low, high=high, code=code), max_items
    )


def split_list(name: str, raw: str, max_items: int | None) -> list[str]:
    """The comma-separated parts of a list variable: 903 past `max_items` of them."""
    parts = (raw or "").split(",")
    if max_items is not None and len(parts) > max_items:
        raise OcpError(
            Code.BAD_LENGTH, name=name, value=f"{len(parts)} values", low=1, high=max_items
        )
    return parts


def _each(
    name: str, raw: str, parse: Callable[[str, str], T], max_items: int | None = None
) -> list[T]:
    found: list[T] = []
    errors: list[OcpError] = []
    for part in split_list(name, raw, max_items):
        try:
            found.append(parse(name, part))
        except OcpError as error:
            errors.append(error)
    if errors:
        raise OcpError.combine(errors)
    return found


def _parse_phone(text: str) -> Phone | None:
    import phonenumbers

    plus = text.startswith("+")
    groups = text[1:].split() if plus else text.split()
    if not groups or not all(_DIGITS.fullmatch(g) for g in groups):
        return None
    if len(groups) == 1 and not plus:
        # The reference: domestic numbers have exactly 10 digits and no
        # delimiters; "33149544646" (11 digits, no spaces) is invalid.
        return _nanp(groups[0])
    if len(groups) == 1:
        # "+13035551212": E.164 names its country code, though not a city code.
        country = _country_code_of(groups[0])
        groups = [country, groups[0][len(country) :]] if country else []
    if len(groups) < 2:
        return None
    country, rest = groups[0], groups[1:]
    if country == "1":
        return _nanp("".join(rest))
    if country.startswith("0") or len(country) > 3:
        return None
    if phonenumbers.region_code_for_country_code(int(country)) == "ZZ":
        return None
    city, digits = ("", rest[0]) if len(rest) == 1 else (rest[0], "".join(rest[1:]))
    candidate = Phone(country, city, digits)
    return candidate if _possible(candidate) else None


def _country_code_of(e164_digits: str) -> str:
    import phonenumbers

    try:
        number = phonenumbers.parse("+" + e164_digits)
    except phonenumbers.NumberParseException:
        return ""
    return str(number.country_code)


def _nanp(digits: str) -> Phone | None:
    # The NANP plan: area code and exchange both start with 2-9. The carrier
    # simulator's fictional 555-01XX numbers pass this, while they would fail
    # phonenumbers.is_valid_number, which is why only possibility is checked.
    if len(digits) != 10 or digits[0] in "01" or digits[3] in "01":
        return None
    candidate = Phone("1", "", digits)
    return candidate if _possible(candidate) else None


def _possible(candidate: Phone) -> bool:
    import phonenumbers

    try:
        number = phonenumbers.parse(candidate.e164)
    except phonenumbers.NumberParseException:
        return False
    reason = phonenumbers.is_possible_number_with_reason(number)
    # Requiring the E.164 form to come back unchanged rejects a trunk prefix
    # typed into the city code ("44 020 ..."), which would give a second key
    # for the same number; Italy's leading 0 is part of the number and stays.
    return (
        reason == phonenumbers.ValidationResult.IS_POSSIBLE
        and phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
        == candidate.e164
    )


# --- email -----------------------------------------------------------------------


def email(name: str, raw: str, *, check_dns: bool) -> str:
    """An email variable, normalised and lower-cased (unique system-wide, compared
    case-insensitively). The DNS check is a setting (RULINGS "Email")."""
    text = (raw or "").strip()
    if not text:
        raise OcpError(Code.REQUIRED, name=name)
    from email_validator import EmailNotValidError, validate_email

    try:
        checked = validate_email(
            text, check_deliverability=check_dns, dns_resolver=_resolver() if check_dns else None
        )
    except EmailNotValidError:
        raise OcpError(Code.INVALID_EMAIL, name=name, value=raw) from None
    return checked.normalized.lower()


@cache
def _resolver() -> Any:
    """One resolver per process, answers cached (email-validator's `caching_resolver`),
    each look-up bounded by settings.email_dns_timeout_seconds instead of its 15 s. A
    look-up that times out lets the address through, as email-validator decides: a slow
    name server is not a bad address."""
    from email_validator import caching_resolver

    timeout = settings.get().email_dns_timeout_seconds
    # email-validator annotates `timeout` as int; it only sets dnspython's float lifetime.
    resolver = caching_resolver(timeout=timeout)  # type: ignore[arg-type]
    resolver.timeout = timeout  # each name server's try, within the lifetime
    return resolver


# --- destinations ("Specifying Origination and Destination") ---------------------
# Parsed into the one destination type, domain.destinations.Destination.


def destinations(
    name: str,
    raw: str,
    *,
    check_dns: bool,
    bad_type_code: int = Code.INVALID_VALUE,
    max_items: int | None = None,
) -> list[Destination]:
    """Comma-separated type:value pairs; every bad pair is reported in one OcpError.

    Pairs split on commas only, since spaces belong to international phones.
    """
    text = (raw or "").strip()
    if not text:
        raise OcpError(Code.REQUIRED, name=name)
    parts = split_list(name, text, max_items)
    found: list[Destination] = []
    errors: list[OcpError] = []
    for position, pair in enumerate(parts, 1):
        # In a list of several, each bad pair says which it is ("destination entry 3").
        where = f"{name} entry {position}" if len(parts) > 1 else name
        try:
            found.append(_destination_pair(where, pair.strip(), check_dns, bad_type_code))
        except OcpError as error:
            errors.append(error)
    if errors:
        raise OcpError.combine(errors)
    return found


def destination(
    name: str, raw: str, *, check_dns: bool, bad_type_code: int = Code.INVALID_VALUE
) -> Destination:
    """Exactly one "type:value" pair (an origination, a single destination)."""
    text = (raw or "").strip()
    if not text:
        raise OcpError(Code.REQUIRED, name=name)
    if "," in text:
        raise OcpError(Code.INVALID_VALUE, name=name, value=raw)
    return _destination_pair(name, text, check_dns, bad_type_code)


def _destination_pair(name: str, pair: str, check_dns: bool, bad_type_code: int) -> Destination:
    kind, colon, value = pair.partition(":")
    kind, value = kind.strip(), value.strip()
    if not colon or not _DIGITS.fullmatch(kind) or kind.lstrip("0") not in ("1", "2", "3"):
        raise OcpError(bad_type_code, name=name, value=pair, about=f": {name} ({pair})")
    type_ = int(kind)
    # An empty value is reported as invalid for its type, not as "required".
    if type_ == USER_ID:
        # IDs are positive integers (RULINGS); past 19 digits none can exist.
        if not _DIGITS.fullmatch(value) or not 1 <= len(value.lstrip("0")) <= 19:
            raise OcpError(Code.INVALID_USER_ID, name=name, value=value)
        return Destination(USER_ID, int(value))
    if type_ == EMAIL:
        if not value:
            raise OcpError(Code.INVALID_EMAIL, name=name, value=value)
        return Destination(EMAIL, email(name, value, check_dns=check_dns))
    if not value:
        raise OcpError(Code.INVALID_PHONE, name=name, value=value)
    return Destination(PHONE, phone(name, value))
