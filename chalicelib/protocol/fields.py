"""The field declarations: one `Field` per variable a route reads, declared once on its
route (protocol.routes), and what validation and the OpenAPI description both read.

Fields are declarations, built once at import and never changed or compared: plain
dataclasses (`eq=False`, not frozen: protocol/shapes.py says why); `Field.but` makes a
changed copy.

`read(variables, Field(...), ...)` sanitises and validates the named fields with
`protocol.types` and reports every bad variable at once in one OcpError. The request's
variables come from protocol/variables.py; the status callback fields are in
protocol/callbacks.py, `output` and `verbose` in protocol/output.py.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from chalicelib import clock, settings
from chalicelib.domain.numbers import CARRIERS, PHONE_TYPES
from chalicelib.errors import Code, OcpError
from chalicelib.imports import on_first_use
from chalicelib.media import MAX_AUDIO_BYTES
from chalicelib.protocol import patterns, types
from chalicelib.protocol.variables import ARRAY, BOOLEAN, NUMBER, OBJECT, STRING, Upload, Variables

if TYPE_CHECKING:
    from chalicelib.media import audio
else:
    audio = on_first_use("chalicelib.media.audio")  # only requests with a file part

# JSON Schema fragments (the description's types) are plain dicts, built once at import.
Schema = Mapping[str, Any]

# The largest id (userId, groupId, callId, ...): ids are counters, and a 19-digit one is
# past any that will ever be handed out (and within DynamoDB's numbers).
MAX_ID = 10**19 - 1
# A text variable's length when its field names none (docs/limits.md).
MAX_TEXT_LEN = 255
# How far ahead an autoconference or a blast may be scheduled (docs/limits.md):
# EventBridge Scheduler takes any date its `at()` expression can write; a year and a day
# covers every yearly event, and a client's typo (a time in milliseconds) is refused.
SCHEDULE_HORIZON_SECONDS = 366 * 86400


@dataclass(eq=False)
class When:
    """A condition on a request's other variables: `text` says it in the description."""

    text: str
    holds: Callable[[Variables], bool]


def given(*names: str) -> When:
    """Any of `names` is given (a value that is not blank, or a file part)."""
    return When(f"when {_either(names)} is given", lambda v: any(v.given(name) for name in names))


def not_given(*names: str) -> When:
    return When(
        f"unless {_either(names)} is given", lambda v: not any(v.given(name) for name in names)
    )


def sent(name: str) -> When:
    """The variable is in the request at all, even blank."""
    return When(f"when `{name}` is sent", lambda v: v.has(name))


def not_sent(name: str) -> When:
    return When(f"unless `{name}` is sent", lambda v: not v.has(name))


def not_set(name: str) -> When:
    """A flag that is not 1."""
    return When(f"unless {name}=1", lambda v: (v.get(name) or "").strip() != "1")


def _either(names: tuple[str, ...]) -> str:
    quoted = [f"`{name}`" for name in names]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " or " + quoted[-1]


@dataclass(eq=False)
class Field:
    """One variable, declared once on its route: what validation reads and what the
    OpenAPI description says come from this object.

    `parse(name, raw)` returns the value or raises OcpError. An optional field that is
    absent, or empty after sanitising, gets `default`. `required` may be a `When`
    (required only when it holds); a field with `when` is read only when that holds, and
    is `default` otherwise. `codes` are the OCP errors a bad value gets (besides 900 for a
    missing required one); `schema` is its JSON Schema on the wire (its limits among them:
    docs/limits.md), `doc` a short description, `addition` what it adds to the 2008
    reference, if it is not in it.

    In a JSON body, a number is read by `from_number(name, literal)` when the field takes
    numbers (else as its text), a boolean only by a field with `booleans`; any other JSON
    type, or a boolean elsewhere, is error `invalid`.
    """

    name: str
    parse: Callable[[str, Any], Any]  # (name, the raw text; a FilePart's Upload)
    required: bool | When = False
    default: Any = None
    sanitise: Callable[[str], str] = lambda raw: raw.strip()
    codes: tuple[int, ...] = ()
    schema: Schema = field(default_factory=dict)
    doc: str = ""
    when: When | None = None
    # Not in the 2008 reference: what the variable adds (the description marks it).
    addition: str = ""
    from_number: Callable[[str, str], Any] | None = None
    booleans: bool = False
    invalid: int = Code.INVALID_VALUE

    def read(self, variables: Variables) -> Any:
        if self.when is not None and not self.when.holds(variables):
            return self.default
        raw = variables.get(self.name)
        kind = variables.kind(self.name)
        if kind in (ARRAY, OBJECT) or (kind == BOOLEAN and not self.booleans):
            raise OcpError(
                self.invalid,
                name=self.name,
                value={"1": "true", "0": "false"}.get(raw or "", raw) if kind == BOOLEAN else raw,
                choices=", ".join(str(c) for c in self.schema.get("enum", ())),
                low=self.schema.get("minimum"),
                high=self.schema.get("maximum"),
            )
        if kind == NUMBER and self.from_number is not None and raw is not None:
            return self.from_number(self.name, raw)
        if raw is None or self.sanitise(raw) == "":
            if self.is_required(variables):
                raise OcpError(Code.REQUIRED, name=self.name)
            return self.default
        return self.parse(self.name, raw)

    def is_required(self, variables: Variables) -> bool:
        required = self.required
        return required.holds(variables) if isinstance(required, When) else required

    @property
    def names(self) -> tuple[str, ...]:
        """The variables this field reads (a few fields read two)."""
        return (self.name,)

    @property
    def errors(self) -> tuple[int, ...]:
        """Every OCP code this field can answer with."""
        return tuple(sorted({*self.codes, *((Code.REQUIRED,) if self.required else ())}))

    def but(self, **changes: Any) -> Field:
        """The same field with some attributes changed (`USER_ID.but(required=False)`)."""
        return replace(self, **changes)


def read(variables: Variables, *fields: Field) -> dict[str, Any]:
    """Values keyed by each field's printed name; every bad field in one error."""
    out: dict[str, Any] = {}
    errors: list[OcpError] = []
    for f in fields:
        try:
            out[f.name] = f.read(variables)
        except OcpError as e:
            errors.append(e)
    if errors:
        raise OcpError.combine(errors)
    return out


def _bounds(low: int | Decimal | None, high: int | Decimal | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if low is not None:
        out["minimum"] = low if isinstance(low, int) else float(low)
    if high is not None:
        out["maximum"] = high if isinstance(high, int) else float(high)
    return out


def Int(
    name: str,
    *,
    required: bool | When = False,
    low: int | None = None,
    high: int | None = None,
    default: Any = None,
    code: int = Code.INVALID_VALUE,
    doc: str = "",
    when: When | None = None,
) -> Field:
    """A numeric variable (the "numeric" sanitiser keeps the digits) within [low, high]."""
    return Field(
        name,
        lambda n, raw: types.to_int(n, raw, low=low, high=high, code=code),
        required,
        default,
        types.numeric,
        codes=(code,),
        schema={"type": "integer", **_bounds(low, high)},
        doc=doc,
        when=when,
        from_number=lambda n, literal: types.int_of_number(
            n, literal, low=low, high=high, code=code
        ),
        invalid=code,
    )


def Id(
    name: str, *, required: bool | When = True, code: int = Code.INVALID_VALUE, doc: str = ""
) -> Field:
    """A positive integer id (RULINGS "IDs")."""
    return Int(name, required=required, low=1, high=MAX_ID, code=code, doc=doc)


def UserId(*, required: bool | When = True, doc: str = "The user the request is about.") -> Field:
    """`userId`, on every route that names a user: 922 when it is not a valid user id."""
    return Id("userId", required=required, code=Code.INVALID_USER_ID, doc=doc)


USER_ID = UserId()


def PhoneType(*, required: bool | When = False, doc: str = "") -> Field:
    """1 office, 2 mobile, 3 home, 4 other."""
    return Int(
        "phoneType",
        required=required,
        low=min(PHONE_TYPES),
        high=max(PHONE_TYPES),
        doc=" ".join(filter(None, ("1 office, 2 mobile, 3 home, 4 other.", doc))),
    )


def CarrierId(*, default: Any = None, doc: str = "") -> Field:
    """A carrier of the reference's catalogue (carriers GET)."""
    return Int(
        "carrierId",
        low=min(CARRIERS),
        high=max(CARRIERS),
        default=default,
        doc=doc or "A carrier of the catalogue (`GET /carriers?all=1`); 0 unknown.",
    )


def Choice(
    name: str,
    choices: tuple[str, ...],
    *,
    required: bool | When = False,
    default: Any = None,
    doc: str = "",
) -> Field:
    def parse(n: str, raw: str) -> str:
        value = raw.strip()
        for choice in choices:
            if value.lower() == choice.lower():
                return choice
        raise OcpError(Code.NOT_A_CHOICE, name=n, choices=", ".join(choices))

    schema = {"type": "string", "enum": list(choices)}
    if default is not None:
        schema["default"] = default
    return Field(
        name,
        parse,
        required,
        default,
        codes=(Code.NOT_A_CHOICE,),
        schema=schema,
        doc=doc,
        invalid=Code.NOT_A_CHOICE,
    )


def Choices(name: str, choices: Mapping[str, str], *, max_len: int = 80, doc: str = "") -> Field:
    """One choice or a comma-separated list of them (901 for any other), read as the
    tuple of what each names in `choices` (a wire name -> its value), without repeats."""

    def parse(n: str, raw: str) -> tuple[str, ...]:
        found = []
        for part in raw.split(","):
            wanted = part.strip().lower()
            if wanted not in choices:
                raise OcpError(Code.NOT_A_CHOICE, name=n, choices=", ".join(choices))
            found.append(choices[wanted])
        return tuple(dict.fromkeys(found))

    return Field(
        name,
        parse,
        codes=(Code.NOT_A_CHOICE,),
        schema={
            "type": "string",
            "maxLength": max_len,
            "pattern": "^({0})(,({0}))*$".format("|".join(re.escape(c) for c in choices)),
            "examples": list(choices)[:2],
        },
        doc=doc or "One or a comma-separated list of: " + ", ".join(choices) + ".",
        invalid=Code.NOT_A_CHOICE,
    )


def Date(name: str, *, required: bool | When = False, doc: str = "") -> Field:
    """A calendar day, `YYYY-MM-DD` (ISO 8601): 916 otherwise."""

    def parse(n: str, raw: str) -> dt.date:
        try:
            return dt.date.fromisoformat(raw.strip())
        except ValueError:
            raise OcpError(Code.INVALID_DATE, name=n, value=raw) from None

    return Field(
        name,
        parse,
        required,
        codes=(Code.INVALID_DATE,),
        schema={"type": "string", "format": "date", "examples": ["2026-12-01"]},
        doc=doc,
        invalid=Code.INVALID_DATE,
    )


def NumberDigits(name: str, *, doc: str = "") -> Field:
    """A number to look for, as it may be written ("+1 (303) 555-1212"): its digits, 3 to
    20 of them, and nothing but digits, spaces and + - ( ) . around them (920 otherwise)."""

    def parse(n: str, raw: str) -> str:
        digits = "".join(c for c in raw if c.isdigit())
        if not 3 <= len(digits) <= 20 or any(not (c.isdigit() or c in " +-().") for c in raw):
            raise OcpError(Code.INVALID_PHONE, name=n, value=raw)
        return digits

    return Field(
        name,
        parse,
        codes=(Code.INVALID_PHONE,),
        schema={"type": "string", "maxLength": 32, "examples": ["3035551212", "+44 20 77994044"]},
        doc=doc,
        invalid=Code.INVALID_PHONE,
    )


def Flag(name: str, *, default: int | None = 0, doc: str = "") -> Field:
    """0 or 1 (the reference's optional Boolean variables); in JSON also false or true."""

    def parse(n: str, raw: str) -> int:
        value = raw.strip()
        if value not in ("0", "1"):
            raise OcpError(Code.NOT_A_CHOICE, name=n, choices="0, 1")
        return int(value)

    def from_number(n: str, literal: str) -> int:
        if Decimal(literal) not in (0, 1):
            raise OcpError(Code.NOT_A_CHOICE, name=n, choices="0, 1")
        return int(Decimal(literal))

    schema: dict[str, Any] = {"type": "integer", "enum": [0, 1]}
    if default is not None:
        schema["default"] = default
    return Field(
        name,
        parse,
        False,
        default,
        codes=(Code.NOT_A_CHOICE,),
        schema=schema,
        doc=doc,
        from_number=from_number,
        booleans=True,
        invalid=Code.NOT_A_CHOICE,
    )


def Text(
    name: str,
    *,
    required: bool | When = False,
    max_len: int = MAX_TEXT_LEN,
    default: Any = None,
    doc: str = "",
    when: When | None = None,
) -> Field:
    """A string: HTML and PHP tags are stripped and the rest trimmed (903 past max_len)."""

    def parse(n: str, raw: str) -> str:
        value = types.string(raw)
        if len(value) > max_len:
            raise OcpError(
                Code.BAD_LENGTH, name=n, value=raw, low=1 if required else 0, high=max_len
            )
        return value

    return Field(
        name,
        parse,
        required,
        default,
        types.string,
        codes=(Code.BAD_LENGTH,),
        schema={"type": "string", "maxLength": max_len},
        doc=doc,
        when=when,
    )


# A phone as the reference writes it: ten digits (domestic), or country code, city code and
# number separated by spaces ("44 20 77994044"); "+" and E.164 are accepted too.
_PHONE_SCHEMA = {
    "type": "string",
    "pattern": patterns.whole(patterns.PHONE),
    "examples": ["3035551212", "44 20 77994044"],
}


def Phone(
    name: str, *, required: bool | When = False, doc: str = "", when: When | None = None
) -> Field:
    return Field(
        name,
        types.phone,
        required,
        codes=(Code.INVALID_PHONE,),
        schema=_PHONE_SCHEMA,
        doc=doc
        or "Ten digits (domestic), or country code, city code and number separated by spaces.",
        when=when,
    )


def _at_most(max_items: int | None) -> str:
    return "" if max_items is None else f" At most {max_items:,}."


def Phones(
    name: str, *, required: bool | When = False, doc: str = "", max_items: int | None = None
) -> Field:
    """One or more phones, comma-separated (903 past `max_items`)."""
    return Field(
        name,
        lambda n, raw: types.phones(n, raw, max_items=max_items),
        required,
        codes=(Code.REQUIRED, Code.INVALID_PHONE, Code.BAD_LENGTH)
        if max_items
        else (Code.REQUIRED, Code.INVALID_PHONE),
        schema={
            "type": "string",
            "pattern": patterns.listed(patterns.PHONE, max_items),
            "examples": ["3035551212,44 20 77994044"],
        },
        doc=(doc or "One or more phone numbers, comma-separated.") + _at_most(max_items),
    )


def Ints(
    name: str,
    *,
    required: bool | When = False,
    low: int | None = None,
    high: int | None = None,
    code: int = Code.INVALID_VALUE,
    doc: str = "",
    max_items: int | None = None,
) -> Field:
    """One or more numeric values, comma-separated (in JSON also one number)."""
    return Field(
        name,
        lambda n, raw: types.ints(n, raw, low=low, high=high, code=code, max_items=max_items),
        required,
        None,
        types.numeric,
        codes=(Code.REQUIRED, code, Code.BAD_LENGTH) if max_items else (Code.REQUIRED, code),
        schema={
            "type": "string",
            "pattern": patterns.listed(
                patterns.digit_range(low, high)
                if low is not None and high is not None and 0 <= low <= high <= 9
                else "[0-9]+",
                max_items,
            ),
        },
        doc=doc + _at_most(max_items),
        from_number=lambda n, literal: [
            types.int_of_number(n, literal, low=low, high=high, code=code)
        ],
        invalid=code,
    )


def Email(
    name: str, *, required: bool | When = False, lookup: bool = False, doc: str = ""
) -> Field:
    """An email address; `lookup` ones are only looked up, so DNS is never asked."""
    return Field(
        name,
        lambda n, raw: types.email(n, raw, check_dns=settings.get().email_dns_check and not lookup),
        required,
        codes=(Code.INVALID_EMAIL,),
        schema={"type": "string", "format": "email", "pattern": patterns.whole(patterns.EMAIL)},
        doc=doc,
    )


def Amount(
    name: str,
    *,
    places: int = 2,
    required: bool | When = False,
    low: Decimal | None = None,
    high: Decimal | None = None,
    doc: str = "",
) -> Field:
    """A double with at most `places` decimals (912 otherwise), within [low, high] (902)."""

    def within(n: str, raw: str, value: Decimal) -> Decimal:
        if (low is not None and value < low) or (high is not None and value > high):
            raise OcpError(Code.INVALID_VALUE, name=n, value=raw)
        return value

    def parse(n: str, raw: str) -> Decimal:
        return within(n, raw, types.to_amount(n, raw, places=places))

    def from_number(n: str, literal: str) -> Decimal:
        return within(n, literal, types.amount_of_number(n, literal, places=places))

    return Field(
        name,
        parse,
        required,
        None,
        types.double_text,
        codes=(Code.INVALID_VALUE, Code.INVALID_AMOUNT),
        schema={"type": "number", "multipleOf": 10.0**-places, **_bounds(low, high)},
        doc=doc or f"At most {places} decimal place{'s' if places > 1 else ''}.",
        from_number=from_number,
    )


def UnixTime(
    name: str,
    *,
    required: bool | When = False,
    default: Any = None,
    doc: str = "",
    horizon: int | None = None,
) -> Field:
    """A Unix time: 916 unless it names a date (at most year 9999) and, with `horizon`,
    one at most that many seconds from now (how far ahead work may be scheduled)."""

    def latest() -> int:
        if horizon is None:
            return types.MAX_UNIX_TIME
        return min(types.MAX_UNIX_TIME, clock.now() + horizon)

    ahead = "" if horizon is None else f" At most {horizon // 86400} days from now."
    return Field(
        name,
        lambda n, raw: types.to_int(n, raw, low=0, high=latest(), code=Code.INVALID_DATE),
        required,
        default,
        types.unix_time,
        codes=(Code.INVALID_DATE,),
        schema={"type": "integer", "minimum": 0, "maximum": types.MAX_UNIX_TIME},
        doc=(doc or "Seconds since 1970-01-01 UTC.") + ahead,
        from_number=lambda n, literal: types.int_of_number(
            n, literal, low=0, high=latest(), code=Code.INVALID_DATE
        ),
        invalid=Code.INVALID_DATE,
    )


def ScheduleTime(name: str, *, doc: str = "") -> Field:
    """When scheduled work starts: a Unix time at most SCHEDULE_HORIZON_SECONDS ahead."""
    return UnixTime(name, doc=doc, horizon=SCHEDULE_HORIZON_SECONDS)


# type:value pairs: 1 userId, 2 email, 3 phone ("Specifying Origination and Destination").
_PAIRS = "`type:value` pairs, comma-separated: 1 userId, 2 email, 3 phone"


def Destinations(
    name: str,
    *,
    required: bool | When = False,
    bad_type_code: int = Code.INVALID_VALUE,
    doc: str = "",
    max_items: int | None = None,
) -> Field:
    return Field(
        name,
        # A type 2 email names a user: it is looked up, never checked in DNS.
        lambda n, raw: types.destinations(
            n, raw, check_dns=False, bad_type_code=bad_type_code, max_items=max_items
        ),
        required,
        codes=(
            Code.REQUIRED,
            bad_type_code,
            Code.INVALID_EMAIL,
            Code.INVALID_PHONE,
            Code.INVALID_USER_ID,
            *((Code.BAD_LENGTH,) if max_items else ()),
        ),
        schema={
            "type": "string",
            "pattern": patterns.listed(patterns.PAIR, max_items),
            "examples": ["3:3035551212,2:ann@example.com,1:17"],
        },
        doc=(doc or f"One or more {_PAIRS}.") + _at_most(max_items),
    )


def Destination(
    name: str,
    *,
    required: bool | When = False,
    bad_type_code: int = Code.INVALID_VALUE,
    doc: str = "",
) -> Field:
    return Field(
        name,
        # A type 2 email names a user: it is looked up, never checked in DNS.
        lambda n, raw: types.destination(n, raw, check_dns=False, bad_type_code=bad_type_code),
        required,
        codes=(
            Code.REQUIRED,
            Code.INVALID_VALUE,
            bad_type_code,
            Code.INVALID_EMAIL,
            Code.INVALID_PHONE,
            Code.INVALID_USER_ID,
        ),
        schema={
            "type": "string",
            "pattern": patterns.whole(patterns.PAIR),
            "examples": ["3:3035551212"],
        },
        doc=doc or f"One {_PAIRS.replace('pairs, comma-separated', 'pair')}.",
    )


def Dtmf(
    name: str,
    *,
    required: bool | When = False,
    max_len: int = 50,
    default: Any = None,
    doc: str = "",
) -> Field:
    """Touch tones: 0-9, # and * are kept, anything else dropped ("Data Types" table)."""

    def parse(n: str, raw: str) -> str:
        value = types.dtmf(raw)
        if len(value) > max_len:
            raise OcpError(Code.BAD_LENGTH, name=n, value=raw, low=1, high=max_len)
        return value

    return Field(
        name,
        parse,
        required,
        default,
        types.dtmf,
        codes=(Code.BAD_LENGTH,),
        schema={"type": "string", "maxLength": max_len, "pattern": r"^[0-9#*]*$"},
        doc=doc or "Touch tones: 0-9, # and * (anything else is dropped).",
    )


def Termination(name: str, *, required: bool | When = False, doc: str = "") -> Field:
    """A number to dial that only a phone can be (autoconference `phoneNumber`): a phone,
    or the pair "3:phone"; a pair of any other type is 301 (Invalid Termination Type)."""

    def parse(n: str, raw: str) -> Any:
        if ":" not in raw:
            return types.phone(n, raw)
        found = types.destination(n, raw, check_dns=False, bad_type_code=Code.BAD_TERMINATION)
        if found.type != types.PHONE:
            raise OcpError(Code.BAD_TERMINATION, name=n, value=raw, about=f": {n} ({raw})")
        return found.value

    return Field(
        name,
        parse,
        required,
        codes=(Code.BAD_TERMINATION, Code.INVALID_VALUE, Code.INVALID_PHONE),
        schema={
            "type": "string",
            "pattern": patterns.whole(f"(?:3:)?{patterns.PHONE}"),
            "examples": ["3035551212", "3:3035551212"],
        },
        doc=doc or "A phone number, or the pair `3:phone`.",
    )


@dataclass(eq=False)
class TypedDestinations(Field):
    """Destinations given as a type variable and a value variable (conference
    `destinationType` 1-3, else 301, and `destinationValue`). Several may come
    comma-separated: one type for every value, or one type per value. `single`: one only."""

    value_name: str = ""
    single: bool = False
    max_items: int | None = None

    def read(self, variables: Variables) -> Any:
        raw_type, raw_value = variables.get(self.name) or "", variables.get(self.value_name) or ""
        wrong = [
            OcpError(Code.INVALID_VALUE, name=n, value=variables.get(n))
            for n in (self.name, self.value_name)
            if variables.kind(n) not in (STRING, NUMBER)
        ]
        if wrong:
            raise OcpError.combine(wrong)
        missing = [
            OcpError(Code.REQUIRED, name=n)
            for n, raw in ((self.name, raw_type), (self.value_name, raw_value))
            if raw.strip() == ""
        ]
        if len(missing) == 2 and not self.required:
            return self.default
        if missing:
            raise OcpError.combine(missing)
        kinds = [types.numeric(k) for k in types.split_list(self.name, raw_type, self.max_items)]
        values = [v.strip() for v in types.split_list(self.value_name, raw_value, self.max_items)]
        if len(kinds) == 1:
            kinds = kinds * len(values)
        if len(kinds) != len(values) or (self.single and len(values) > 1):
            raise OcpError(Code.INVALID_VALUE, name=self.value_name, value=raw_value)
        bad = [
            OcpError(
                Code.BAD_TERMINATION,
                name=self.name,
                value=k,
                about=f": {self.name} entry {i} ({k})",
            )
            for i, k in enumerate(kinds, 1)
            if k not in ("1", "2", "3")
        ]
        if bad:
            raise OcpError.combine(bad)
        pairs = ",".join(f"{k}:{v}" for k, v in zip(kinds, values, strict=True))
        return types.destinations(
            self.value_name, pairs, check_dns=False, bad_type_code=Code.BAD_TERMINATION
        )

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, self.value_name)

    @property
    def errors(self) -> tuple[int, ...]:
        # One of the two given without the other is 900, even when both are optional.
        return tuple(sorted({*self.codes, Code.REQUIRED}))


def DestinationByType(
    type_name: str,
    value_name: str,
    *,
    required: bool | When = False,
    single: bool = False,
    max_items: int | None = None,
) -> Field:
    many = "" if single else "; several comma-separated, with one type for all or one each"
    return TypedDestinations(
        type_name,
        lambda n, raw: raw,
        required,
        codes=(
            Code.BAD_TERMINATION,
            Code.INVALID_VALUE,
            Code.INVALID_EMAIL,
            Code.INVALID_PHONE,
            Code.INVALID_USER_ID,
            *((Code.BAD_LENGTH,) if max_items else ()),
        ),
        schema={
            "type": "string",
            "pattern": patterns.whole("[1-3]" if single else "[1-3](?:,[1-3])*"),
            "examples": ["3"],
        },
        doc=f"1 userId, 2 email, 3 phone: the type of `{value_name}`{many}.{_at_most(max_items)}",
        value_name=value_name,
        single=single,
        max_items=max_items,
    )


class FilePart(Field):
    """A multipart file part; `parse(name, upload)` checks it. A plain (non-file)
    value under the same name is 902: the reference's clients post the file itself."""

    def read(self, variables: Variables) -> Any:
        upload = variables.files.get(self.name.lower())
        if upload is not None:
            return self.parse(self.name, upload)
        raw = variables.get(self.name)
        if raw is not None and raw.strip() != "":
            raise OcpError(Code.INVALID_VALUE, name=self.name, value=raw)
        if self.is_required(variables):
            raise OcpError(Code.REQUIRED, name=self.name)
        return self.default


def AudioFile(name: str, *, required: bool | When = False) -> Field:
    """An mp3 or wma file part of at most 5 MB, checked by content (blastvoice `audioFile`)."""

    def check(n: str, upload: Upload) -> Any:
        return audio.check(n, upload.filename, upload.data, upload.filename)

    return FilePart(
        name,
        check,
        required,
        codes=(Code.INVALID_VALUE, Code.BAD_LENGTH),
        schema={"type": "string", "format": "binary", "maxLength": MAX_AUDIO_BYTES},
        doc="An mp3 or wma file of at most 5,242,880 bytes, as a multipart file part.",
    )
