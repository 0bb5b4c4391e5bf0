"""Reading a request's variables (RULINGS "Wire format" > "Variables").

Variables come from the query string and from the body (urlencoded form,
multipart form or a JSON object); the body wins on a clash and path parameters
win over both. Names are case-insensitive and unknown names are ignored. Characters
that XML 1.0 cannot carry are dropped from every name and value as it is read.

A JSON value that is not a string keeps its JSON type (`Variables.kinds`): a number is
read as the number it is by the fields that take numbers (never through the form
sanitisers, which would read 1e-07 as 107), a boolean only by a `Flag`, and an array or
object by no field at all.

`read(variables, Field(...), ...)` sanitises and validates the named fields with
`protocol.types` and reports every bad variable at once in one OcpError.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl, unquote

from chalicelib import clock, settings
from chalicelib.domain import subscriptions
from chalicelib.domain.numbers import CARRIERS, PHONE_TYPES
from chalicelib.errors import OcpError
from chalicelib.imports import on_first_use
from chalicelib.media import MAX_AUDIO_BYTES
from chalicelib.protocol import patterns, types

# Only requests with a file part check audio; only those that name a callback vet its URL.
audio = on_first_use("chalicelib.media.audio")
events = on_first_use("chalicelib.events")


@dataclass(frozen=True)
class Upload:
    """A file part of a multipart body."""

    filename: str
    content_type: str
    data: bytes


# The JSON type of a variable (Variables.kinds); form and query values are strings.
STRING, NUMBER, BOOLEAN, ARRAY, OBJECT = "string", "number", "boolean", "array", "object"

# The largest request body read (docs/limits.md): a blast naming 10,000 destinations
# with its text fits in a form or JSON body; a multipart body also carries a 5 MB audio
# file. Past it: 903 on `body`.
MAX_BODY_BYTES = 1024 * 1024
MAX_MULTIPART_BYTES = 6 * 1024 * 1024

# The request header of protocol/idempotency.py (an addition to the 2008 wire format):
# here, below both it and protocol/routes.py, which reads it on every request.
IDEMPOTENCY_KEY = "Idempotency-Key"


@dataclass
class Variables:
    """Case-insensitive variables of one request (names are lower-cased)."""

    values: dict[str, str] = field(default_factory=dict)
    files: dict[str, Upload] = field(default_factory=dict)
    # The JSON type of each value of a JSON body that was not a string; a number's
    # value is its literal as written ("1e20"), a boolean's "1" or "0".
    kinds: dict[str, str] = field(default_factory=dict)

    def get(self, name: str) -> str | None:
        return self.values.get(name.lower())

    def has(self, name: str) -> bool:
        return name.lower() in self.values

    def given(self, name: str) -> bool:
        """A value that is not blank, or a file part."""
        return name.lower() in self.files or (self.get(name) or "").strip() != ""

    def kind(self, name: str) -> str:
        return self.kinds.get(name.lower(), STRING)

    def with_path(self, path: Mapping[str, str]) -> Variables:
        given = {
            types.xml_chars(k.lower()): types.xml_chars(unquote(v))
            for k, v in path.items()
            if v is not None
        }
        kinds = {k: kind for k, kind in self.kinds.items() if k not in given}
        return Variables({**self.values, **given}, self.files, kinds)


def from_request(
    query: Mapping[str, str] | None, headers: Mapping[str, str], raw_body: bytes
) -> Variables:
    values: dict[str, str] = {}
    files: dict[str, Upload] = {}
    kinds: dict[str, str] = {}
    for name, value in (query or {}).items():
        values[name.lower()] = value
    content_type = (headers.get("content-type") or "").lower()
    multipart = content_type.startswith("multipart/form-data")
    most = MAX_MULTIPART_BYTES if multipart else MAX_BODY_BYTES
    if len(raw_body) > most:
        raise OcpError(903, name="body", value=f"{len(raw_body)} bytes", low=0, high=most)
    if raw_body:
        if multipart:
            _read_multipart(headers.get("content-type", ""), raw_body, values, files)
        elif content_type.startswith("application/json"):
            found, kinds = _read_json(raw_body)
            values.update(found)
        else:
            # urlencoded, or no content type at all (curl -d sends urlencoded)
            text = raw_body.decode("utf-8", errors="replace")
            for name, value in parse_qsl(text, keep_blank_values=True):
                values[name.lower()] = value
    clean = {types.xml_chars(k): types.xml_chars(v) for k, v in values.items()}
    return Variables(clean, files, {types.xml_chars(k): v for k, v in kinds.items()})


class _NumberLiteral(str):
    """A JSON number, kept as written: read as a Decimal by the fields that take numbers."""


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")  # NaN, Infinity: Python's, not JSON's


def _read_json(raw_body: bytes) -> tuple[dict[str, str], dict[str, str]]:
    """The values of a JSON object body, and the JSON type of each that is no string."""
    try:
        data = json.loads(
            raw_body,
            parse_float=_NumberLiteral,
            parse_int=_NumberLiteral,
            parse_constant=_refuse_constant,
        )
    except RecursionError:
        raise OcpError(902, name="body", value="nested too deeply") from None
    except ValueError:  # also a body that is not UTF-8, -16 or -32
        raise OcpError(902, name="body", value="not JSON") from None
    if not isinstance(data, dict):
        raise OcpError(902, name="body", value="not a JSON object")
    values: dict[str, str] = {}
    kinds: dict[str, str] = {}
    for key, value in data.items():
        name = key.lower()
        if value is None:
            continue
        if isinstance(value, _NumberLiteral):
            values[name], kinds[name] = str(value), NUMBER
        elif isinstance(value, str):
            values[name] = value
        elif isinstance(value, bool):
            values[name], kinds[name] = str(int(value)), BOOLEAN
        else:
            kind = ARRAY if isinstance(value, list) else OBJECT
            values[name], kinds[name] = ("[...]" if kind == ARRAY else "{...}"), kind
    return values, kinds


def _read_multipart(
    content_type: str, raw_body: bytes, values: dict[str, str], files: dict[str, Upload]
) -> None:
    # Imported here: only multipart requests pay for it (about 6 ms of a cold start).
    import python_multipart
    from python_multipart.exceptions import FormParserError

    def on_field(f: Any) -> None:
        values[f.field_name.decode().lower()] = (f.value or b"").decode("utf-8", errors="replace")

    def on_file(f: Any) -> None:
        f.file_object.seek(0)
        name = f.field_name.decode().lower()
        files[name] = Upload(
            filename=(f.file_name or b"").decode("utf-8", errors="replace"),
            content_type="",
            data=f.file_object.read(),
        )

    try:
        python_multipart.parse_form(
            # Annotated as bytes, but python-multipart reads both headers as str too.
            {"Content-Type": content_type, "Content-Length": str(len(raw_body))},  # type: ignore[dict-item]
            io.BytesIO(raw_body),
            on_field,
            on_file,
        )
    except (FormParserError, ValueError):
        raise OcpError(902, name="body", value="malformed multipart form") from None


# -- fields ------------------------------------------------------------------

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


@dataclass(frozen=True)
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


@dataclass(frozen=True)
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
    invalid: int = 902

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
                raise OcpError(900, name=self.name)
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
        return tuple(sorted({*self.codes, *((900,) if self.required else ())}))

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
    code: int = 902,
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


def Id(name: str, *, required: bool | When = True, code: int = 902, doc: str = "") -> Field:
    """A positive integer id (RULINGS "IDs")."""
    return Int(name, required=required, low=1, high=MAX_ID, code=code, doc=doc)


def UserId(*, required: bool | When = True, doc: str = "The user the request is about.") -> Field:
    """`userId`, on every route that names a user: 922 when it is not a valid user id."""
    return Id("userId", required=required, code=922, doc=doc)


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
        raise OcpError(901, name=n, choices=", ".join(choices))

    schema = {"type": "string", "enum": list(choices)}
    if default is not None:
        schema["default"] = default
    return Field(name, parse, required, default, codes=(901,), schema=schema, doc=doc, invalid=901)


def Flag(name: str, *, default: int | None = 0, doc: str = "") -> Field:
    """0 or 1 (the reference's optional Boolean variables); in JSON also false or true."""

    def parse(n: str, raw: str) -> int:
        value = raw.strip()
        if value not in ("0", "1"):
            raise OcpError(901, name=n, choices="0, 1")
        return int(value)

    def from_number(n: str, literal: str) -> int:
        if Decimal(literal) not in (0, 1):
            raise OcpError(901, name=n, choices="0, 1")
        return int(Decimal(literal))

    schema: dict[str, Any] = {"type": "integer", "enum": [0, 1]}
    if default is not None:
        schema["default"] = default
    return Field(
        name,
        parse,
        False,
        default,
        codes=(901,),
        schema=schema,
        doc=doc,
        from_number=from_number,
        booleans=True,
        invalid=901,
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
            raise OcpError(903, name=n, value=raw, low=1 if required else 0, high=max_len)
        return value

    return Field(
        name,
        parse,
        required,
        default,
        types.string,
        codes=(903,),
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
        codes=(920,),
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
        codes=(900, 920, 903) if max_items else (900, 920),
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
    code: int = 902,
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
        codes=(900, code, 903) if max_items else (900, code),
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
        codes=(915,),
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
            raise OcpError(902, name=n, value=raw)
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
        codes=(902, 912),
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
        lambda n, raw: types.to_int(n, raw, low=0, high=latest(), code=916),
        required,
        default,
        types.unix_time,
        codes=(916,),
        schema={"type": "integer", "minimum": 0, "maximum": types.MAX_UNIX_TIME},
        doc=(doc or "Seconds since 1970-01-01 UTC.") + ahead,
        from_number=lambda n, literal: types.int_of_number(
            n, literal, low=0, high=latest(), code=916
        ),
        invalid=916,
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
    bad_type_code: int = 902,
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
        codes=(900, bad_type_code, 915, 920, 922, *((903,) if max_items else ())),
        schema={
            "type": "string",
            "pattern": patterns.listed(patterns.PAIR, max_items),
            "examples": ["3:3035551212,2:ann@example.com,1:17"],
        },
        doc=(doc or f"One or more {_PAIRS}.") + _at_most(max_items),
    )


def Destination(
    name: str, *, required: bool | When = False, bad_type_code: int = 902, doc: str = ""
) -> Field:
    return Field(
        name,
        # A type 2 email names a user: it is looked up, never checked in DNS.
        lambda n, raw: types.destination(n, raw, check_dns=False, bad_type_code=bad_type_code),
        required,
        codes=(900, 902, bad_type_code, 915, 920, 922),
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
            raise OcpError(903, name=n, value=raw, low=1, high=max_len)
        return value

    return Field(
        name,
        parse,
        required,
        default,
        types.dtmf,
        codes=(903,),
        schema={"type": "string", "maxLength": max_len, "pattern": r"^[0-9#*]*$"},
        doc=doc or "Touch tones: 0-9, # and * (anything else is dropped).",
    )


def Termination(name: str, *, required: bool | When = False, doc: str = "") -> Field:
    """A number to dial that only a phone can be (autoconference `phoneNumber`): a phone,
    or the pair "3:phone"; a pair of any other type is 301 (Invalid Termination Type)."""

    def parse(n: str, raw: str) -> Any:
        if ":" not in raw:
            return types.phone(n, raw)
        found = types.destination(n, raw, check_dns=False, bad_type_code=301)
        if found.type != types.PHONE:
            raise OcpError(301, name=n, value=raw, about=f": {n} ({raw})")
        return found.value

    return Field(
        name,
        parse,
        required,
        codes=(301, 902, 920),
        schema={
            "type": "string",
            "pattern": patterns.whole(f"(?:3:)?{patterns.PHONE}"),
            "examples": ["3035551212", "3:3035551212"],
        },
        doc=doc or "A phone number, or the pair `3:phone`.",
    )


@dataclass(frozen=True)
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
            OcpError(902, name=n, value=variables.get(n))
            for n in (self.name, self.value_name)
            if variables.kind(n) not in (STRING, NUMBER)
        ]
        if wrong:
            raise OcpError.combine(wrong)
        missing = [
            OcpError(900, name=n)
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
            raise OcpError(902, name=self.value_name, value=raw_value)
        bad = [
            OcpError(301, name=self.name, value=k, about=f": {self.name} entry {i} ({k})")
            for i, k in enumerate(kinds, 1)
            if k not in ("1", "2", "3")
        ]
        if bad:
            raise OcpError.combine(bad)
        pairs = ",".join(f"{k}:{v}" for k, v in zip(kinds, values, strict=True))
        return types.destinations(self.value_name, pairs, check_dns=False, bad_type_code=301)

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, self.value_name)

    @property
    def errors(self) -> tuple[int, ...]:
        # One of the two given without the other is 900, even when both are optional.
        return tuple(sorted({*self.codes, 900}))


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
        codes=(301, 902, 915, 920, 922, *((903,) if max_items else ())),
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
            raise OcpError(902, name=self.name, value=raw)
        if self.is_required(variables):
            raise OcpError(900, name=self.name)
        return self.default


def AudioFile(name: str, *, required: bool | When = False) -> Field:
    """An mp3 or wma file part of at most 5 MB, checked by content (blastvoice `audioFile`)."""

    def check(n: str, upload: Upload) -> Any:
        return audio.check(n, upload.filename, upload.data, upload.filename)

    return FilePart(
        name,
        check,
        required,
        codes=(902, 903),
        schema={"type": "string", "format": "binary", "maxLength": MAX_AUDIO_BYTES},
        doc="An mp3 or wma file of at most 5,242,880 bytes, as a multipart file part.",
    )


# -- status callbacks (an addition to the 2008 wire format: chalicelib/events) ------------


def _callback_url(n: str, raw: str) -> str:
    url = raw.strip()
    if len(url) > events.MAX_URL_LENGTH:
        raise OcpError(903, name=n, value=raw, low=1, high=events.MAX_URL_LENGTH)
    vetted: str = events.vet_url(n, url)
    return vetted


def _callback_events(n: str, raw: str) -> tuple[str, ...]:
    named = {part.strip().lower() for part in raw.split(",") if part.strip()}
    if not named or named - set(events.TYPES):
        raise OcpError(901, name=n, choices=", ".join(events.TYPES))
    return tuple(t for t in events.TYPES if t in named)


# `statusCallback`: where to POST signed events about the work a request starts (http or
# https, a public address: as blast audio URLs); `statusCallbackEvents`: which of them,
# comma-separated (all three when not given).
_CALLBACKS = "Addition: signed events about the work this request starts."
STATUS_CALLBACK = (
    Field(
        "statusCallback",
        _callback_url,
        required=given("statusCallbackEvents"),
        codes=(902, 903),
        schema={"type": "string", "format": "uri", "maxLength": 2048},
        doc="Where to POST signed JSON events (http or https, a public address).",
        addition=_CALLBACKS,
    ),
    Field(
        "statusCallbackEvents",
        _callback_events,
        codes=(901,),
        schema={
            "type": "string",
            "pattern": patterns.listed(f"(?:{'|'.join(subscriptions.TYPES)})"),
            "examples": ["completed"],
        },
        doc="Which events, comma-separated (all when not given).",
        addition=_CALLBACKS,
    ),
)


def subscription(values: dict[str, Any]) -> Any:
    """The events.Subscription that `STATUS_CALLBACK`'s values name, or None."""
    url, chosen = values.get("statusCallback"), values.get("statusCallbackEvents")
    if url is None:
        if chosen is not None:
            raise OcpError(900, name="statusCallback")
        return None
    return events.Subscription(url, chosen) if chosen else events.Subscription(url)


def requested_format(output: str | None) -> str:
    """The format to answer in, even when `output` is not valid (its error is then in XML)."""
    return "json" if (output or "").strip().lower() == "json" else "xml"


def query_format(query: Mapping[str, str] | None) -> str:
    """The format the query string asks for (before, or without, reading the body)."""
    return requested_format(from_request(query, {}, b"").get("output"))


OUTPUT = Choice(
    "output", ("xml", "json"), default="xml", doc="The response format: XML (default) or JSON."
)
VERBOSE = Flag("verbose", doc='1: also send the bodies the reference marks "verbose only".')


def output_options(variables: Variables) -> tuple[str, bool]:
    """`output` (xml|json, else 901) and `verbose` (0|1, else 901)."""
    values = read(variables, OUTPUT, VERBOSE)
    return values["output"], bool(values["verbose"])


__all__ = [
    "OUTPUT",
    "STATUS_CALLBACK",
    "USER_ID",
    "VERBOSE",
    "Amount",
    "AudioFile",
    "CarrierId",
    "Choice",
    "Destination",
    "DestinationByType",
    "Destinations",
    "Dtmf",
    "Email",
    "Field",
    "FilePart",
    "Flag",
    "Id",
    "Int",
    "Ints",
    "Phone",
    "PhoneType",
    "Phones",
    "ScheduleTime",
    "Termination",
    "Text",
    "UnixTime",
    "Upload",
    "UserId",
    "Variables",
    "When",
    "from_request",
    "given",
    "not_given",
    "not_sent",
    "not_set",
    "output_options",
    "read",
    "sent",
    "subscription",
]
