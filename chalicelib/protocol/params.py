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
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl, unquote

from chalicelib import clock, settings
from chalicelib.domain.numbers import CARRIERS, PHONE_TYPES
from chalicelib.errors import OcpError
from chalicelib.protocol import types


@dataclass(frozen=True)
class Upload:
    """A file part of a multipart body."""

    filename: str
    content_type: str
    data: bytes


# The JSON type of a variable (Variables.kinds); form and query values are strings.
STRING, NUMBER, BOOLEAN, ARRAY, OBJECT = "string", "number", "boolean", "array", "object"

# The largest request body read (README "Limits"): a blast naming 10,000 destinations
# with its text fits in a form or JSON body; a multipart body also carries a 5 MB audio
# file. Past it: 903 on `body`.
MAX_BODY_BYTES = 1024 * 1024
MAX_MULTIPART_BYTES = 6 * 1024 * 1024


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
            {"Content-Type": content_type, "Content-Length": str(len(raw_body))},
            io.BytesIO(raw_body),
            on_field,
            on_file,
        )
    except (FormParserError, ValueError):
        raise OcpError(902, name="body", value="malformed multipart form") from None


# -- fields ------------------------------------------------------------------

_MISSING = object()

# The largest id (userId, groupId, callId, ...): ids are counters, and a 19-digit one is
# past any that will ever be handed out (and within DynamoDB's numbers).
MAX_ID = 10**19 - 1


@dataclass(frozen=True)
class Field:
    """One variable: its name as printed, how to parse it, and whether required.

    `parse(name, raw)` returns the value or raises OcpError. An optional field
    that is absent, or empty after sanitising, gets `default`. A JSON number is read
    by `from_number(name, literal)` when the field takes numbers (else as its text); a
    JSON boolean only by a field with `booleans`; any other JSON type, or a boolean
    elsewhere, is error `invalid`.

    `low`/`high` (a number's range), `max_len` (characters), `max_items` (comma-separated
    values), `horizon` (seconds past now, for a time) and `choices` declare the field's
    limits; `parse` enforces them (README "Limits").
    """

    name: str
    parse: Callable[[str, str], Any]
    required: bool = False
    default: Any = None
    sanitise: Callable[[str], str] = lambda raw: raw.strip()
    from_number: Callable[[str, str], Any] | None = None
    booleans: bool = False
    invalid: int = 902
    low: int | Decimal | None = None
    high: int | Decimal | None = None
    max_len: int | None = None
    max_items: int | None = None
    horizon: int | None = None
    choices: tuple[str, ...] = ()

    def read(self, variables: Variables) -> Any:
        raw = variables.get(self.name)
        kind = variables.kind(self.name)
        if kind in (ARRAY, OBJECT) or (kind == BOOLEAN and not self.booleans):
            raise OcpError(
                self.invalid,
                name=self.name,
                value={"1": "true", "0": "false"}.get(raw, raw) if kind == BOOLEAN else raw,
                choices=", ".join(self.choices),
                low=self.low,
                high=self.high,
            )
        if kind == NUMBER and self.from_number is not None:
            return self.from_number(self.name, raw)
        if raw is None or self.sanitise(raw) == "":
            if self.required:
                raise OcpError(900, name=self.name)
            return self.default
        return self.parse(self.name, raw)


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


def Int(
    name: str,
    *,
    required: bool = False,
    low: int | None = None,
    high: int | None = None,
    default: Any = None,
    code: int = 902,
) -> Field:
    return Field(
        name,
        lambda n, raw: types.to_int(n, raw, low=low, high=high, code=code),
        required,
        default,
        types.numeric,
        from_number=lambda n, value: types.int_of_number(n, value, low=low, high=high, code=code),
        invalid=code,
        low=low,
        high=high,
    )


def Id(name: str, *, required: bool = True, code: int = 902) -> Field:
    """A positive integer id (RULINGS "IDs")."""
    return Int(name, required=required, low=1, high=MAX_ID, code=code)


def UserId(*, required: bool = True) -> Field:
    """`userId`, on every route that names a user: 922 when it is not a valid user id."""
    return Id("userId", required=required, code=922)


USER_ID = UserId()


def PhoneType(*, required: bool = False) -> Field:
    """1 office, 2 mobile, 3 home, 4 other."""
    return Int("phoneType", required=required, low=min(PHONE_TYPES), high=max(PHONE_TYPES))


def CarrierId(*, default: Any = None) -> Field:
    """A carrier of the reference's catalogue (carriers GET)."""
    return Int("carrierId", low=min(CARRIERS), high=max(CARRIERS), default=default)


def Choice(
    name: str, choices: tuple[str, ...], *, required: bool = False, default: Any = None
) -> Field:
    def parse(n: str, raw: str) -> str:
        value = raw.strip()
        for choice in choices:
            if value.lower() == choice.lower():
                return choice
        raise OcpError(901, name=n, choices=", ".join(choices))

    return Field(name, parse, required, default, invalid=901, choices=choices)


def Flag(name: str, *, default: int = 0) -> Field:
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

    return Field(
        name,
        parse,
        False,
        default,
        from_number=from_number,
        booleans=True,
        invalid=901,
        choices=("0", "1"),
    )


# A text variable's length when its field names none (README "Limits").
MAX_TEXT_LEN = 255


def Text(
    name: str, *, required: bool = False, max_len: int = MAX_TEXT_LEN, default: Any = None
) -> Field:
    def parse(n: str, raw: str) -> str:
        value = types.string(raw)
        if len(value) > max_len:
            raise OcpError(903, name=n, value=raw, low=1 if required else 0, high=max_len)
        return value

    return Field(name, parse, required, default, types.string, max_len=max_len)


def Phone(name: str, *, required: bool = False) -> Field:
    return Field(name, types.phone, required)


def Phones(name: str, *, required: bool = False, max_items: int | None = None) -> Field:
    """One or more phones, comma-separated."""
    return Field(
        name,
        lambda n, raw: types.phones(n, raw, max_items=max_items),
        required,
        max_items=max_items,
    )


def Ints(
    name: str,
    *,
    required: bool = False,
    low: int | None = None,
    high: int | None = None,
    code: int = 902,
    max_items: int | None = None,
) -> Field:
    """One or more numeric values, comma-separated (in JSON also one number)."""
    return Field(
        name,
        lambda n, raw: types.ints(n, raw, low=low, high=high, code=code, max_items=max_items),
        required,
        None,
        types.numeric,
        from_number=lambda n, value: [types.int_of_number(n, value, low=low, high=high, code=code)],
        invalid=code,
        low=low,
        high=high,
        max_items=max_items,
    )


def Email(name: str, *, required: bool = False, lookup: bool = False) -> Field:
    """An email address; `lookup` ones are only looked up, so DNS is never asked."""
    return Field(
        name,
        lambda n, raw: types.email(n, raw, check_dns=settings.get().email_dns_check and not lookup),
        required,
    )


def Amount(
    name: str,
    *,
    places: int = 2,
    required: bool = False,
    low: Decimal | None = None,
    high: Decimal | None = None,
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
        from_number=from_number,
        low=low,
        high=high,
    )


def UnixTime(
    name: str, *, required: bool = False, default: Any = None, horizon: int | None = None
) -> Field:
    """A Unix time: 916 unless it names a date (at most year 9999) and, with `horizon`,
    one at most that many seconds from now (how far ahead work may be scheduled)."""

    def latest() -> int:
        if horizon is None:
            return types.MAX_UNIX_TIME
        return min(types.MAX_UNIX_TIME, clock.now() + horizon)

    return Field(
        name,
        lambda n, raw: types.to_int(n, raw, low=0, high=latest(), code=916),
        required,
        default,
        types.unix_time,
        from_number=lambda n, value: types.int_of_number(n, value, low=0, high=latest(), code=916),
        invalid=916,
        low=0,
        high=types.MAX_UNIX_TIME,
        horizon=horizon,
    )


# How far ahead an autoconference or a blast may be scheduled (README "Limits"):
# EventBridge Scheduler takes any date its `at()` expression can write; a year and a day
# covers every yearly event, and a client's typo (a time in milliseconds) is refused.
SCHEDULE_HORIZON_SECONDS = 366 * 86400


def ScheduleTime(name: str) -> Field:
    """When scheduled work starts: a Unix time at most SCHEDULE_HORIZON_SECONDS ahead."""
    return UnixTime(name, horizon=SCHEDULE_HORIZON_SECONDS)


def Destinations(
    name: str, *, required: bool = False, bad_type_code: int = 902, max_items: int | None = None
) -> Field:
    return Field(
        name,
        lambda n, raw: types.destinations(
            n,
            raw,
            check_dns=settings.get().email_dns_check,
            bad_type_code=bad_type_code,
            max_items=max_items,
        ),
        required,
        max_items=max_items,
    )


def Destination(name: str, *, required: bool = False, bad_type_code: int = 902) -> Field:
    return Field(
        name,
        lambda n, raw: types.destination(
            n, raw, check_dns=settings.get().email_dns_check, bad_type_code=bad_type_code
        ),
        required,
    )


def Dtmf(name: str, *, required: bool = False, max_len: int = 50, default: Any = None) -> Field:
    """Touch tones: 0-9, # and * are kept, anything else dropped ("Data Types" table)."""

    def parse(n: str, raw: str) -> str:
        value = types.dtmf(raw)
        if len(value) > max_len:
            raise OcpError(903, name=n, value=raw, low=1, high=max_len)
        return value

    return Field(name, parse, required, default, types.dtmf, max_len=max_len)


def Termination(name: str, *, required: bool = False) -> Field:
    """A number to dial that only a phone can be (autoconference `phoneNumber`): a phone,
    or the pair "3:phone"; a pair of any other type is 301 (Invalid Termination Type)."""

    def parse(n: str, raw: str) -> Any:
        if ":" not in raw:
            return types.phone(n, raw)
        found = types.destination(n, raw, check_dns=False, bad_type_code=301)
        if found.type != types.PHONE:
            raise OcpError(301, name=n, value=raw)
        return found.value

    return Field(name, parse, required)


@dataclass(frozen=True)
class TypedDestinations(Field):
    """Destinations given as a type variable and a value variable (conference
    `destinationType` 1-3, else 301, and `destinationValue`). Several may come
    comma-separated: one type for every value, or one type per value. `single`: one only."""

    value_name: str = ""
    single: bool = False

    def read(self, variables: Variables) -> Any:
        raw_type, raw_value = variables.get(self.name), variables.get(self.value_name)
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
            if raw is None or raw.strip() == ""
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
        bad = [OcpError(301, name=self.name, value=k) for k in kinds if k not in ("1", "2", "3")]
        if bad:
            raise OcpError.combine(bad)
        pairs = ",".join(f"{k}:{v}" for k, v in zip(kinds, values, strict=True))
        return types.destinations(self.value_name, pairs, check_dns=False, bad_type_code=301)


def DestinationByType(
    type_name: str,
    value_name: str,
    *,
    required: bool = False,
    single: bool = False,
    max_items: int | None = None,
) -> Field:
    return TypedDestinations(
        type_name,
        lambda n, raw: raw,
        required,
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
        if self.required:
            raise OcpError(900, name=self.name)
        return self.default


def AudioFile(name: str, *, required: bool = False) -> Field:
    """An mp3 or wma file part of at most 5 MB, checked by content (blastvoice `audioFile`)."""

    def check(n: str, upload: Upload) -> Any:
        from chalicelib.media import audio  # only requests with a file part need it

        return audio.check(n, upload.filename, upload.data, upload.filename)

    return FilePart(name, check, required)


# -- status callbacks (an addition to the 2008 wire format: chalicelib/events) ------------


def _callback_url(n: str, raw: str) -> str:
    from chalicelib import events  # only requests that name a callback load it

    url = raw.strip()
    if len(url) > events.MAX_URL_LENGTH:
        raise OcpError(903, name=n, value=raw, low=1, high=events.MAX_URL_LENGTH)
    return events.vet_url(n, url)


def _callback_events(n: str, raw: str) -> tuple[str, ...]:
    from chalicelib.events import TYPES

    named = {part.strip().lower() for part in raw.split(",") if part.strip()}
    if not named or named - set(TYPES):
        raise OcpError(901, name=n, choices=", ".join(TYPES))
    return tuple(t for t in TYPES if t in named)


# `statusCallback`: where to POST signed events about the work a request starts (http or
# https, a public address: as blast audio URLs); `statusCallbackEvents`: which of them,
# comma-separated (all three when not given).
STATUS_CALLBACK = (
    Field("statusCallback", _callback_url),
    Field("statusCallbackEvents", _callback_events),
)


def subscription(values: dict[str, Any]) -> Any:
    """The events.Subscription that `STATUS_CALLBACK`'s values name, or None."""
    url, chosen = values.get("statusCallback"), values.get("statusCallbackEvents")
    if url is None:
        if chosen is not None:
            raise OcpError(900, name="statusCallback")
        return None
    from chalicelib.events import Subscription

    return Subscription(url, chosen) if chosen else Subscription(url)


def requested_format(output: str | None) -> str:
    """The format to answer in, even when `output` is not valid (its error is then in XML)."""
    return "json" if (output or "").strip().lower() == "json" else "xml"


def query_format(query: Mapping[str, str] | None) -> str:
    """The format the query string asks for (before, or without, reading the body)."""
    return requested_format(from_request(query, {}, b"").get("output"))


def output_options(variables: Variables) -> tuple[str, bool]:
    """`output` (xml|json, else 901) and `verbose` (0|1, else 901)."""
    values = read(variables, Choice("output", ("xml", "json"), default="xml"), Flag("verbose"))
    return values["output"], bool(values["verbose"])


__all__ = [
    "STATUS_CALLBACK",
    "USER_ID",
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
    "from_request",
    "output_options",
    "read",
    "subscription",
]
