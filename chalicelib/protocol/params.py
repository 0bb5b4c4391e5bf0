"""Reading a request's variables (RULINGS "Wire format" > "Variables").

Variables come from the query string and from the body (urlencoded form,
multipart form or a JSON object); the body wins on a clash and path parameters
win over both. Names are case-insensitive and unknown names are ignored.

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

from chalicelib import settings
from chalicelib.domain.numbers import CARRIERS, PHONE_TYPES
from chalicelib.errors import OcpError
from chalicelib.protocol import types


@dataclass(frozen=True)
class Upload:
    """A file part of a multipart body."""

    filename: str
    content_type: str
    data: bytes


@dataclass
class Variables:
    """Case-insensitive variables of one request (names are lower-cased)."""

    values: dict[str, str] = field(default_factory=dict)
    files: dict[str, Upload] = field(default_factory=dict)

    def get(self, name: str) -> str | None:
        return self.values.get(name.lower())

    def has(self, name: str) -> bool:
        return name.lower() in self.values

    def with_path(self, path: Mapping[str, str]) -> Variables:
        merged = dict(self.values)
        merged.update({k.lower(): unquote(v) for k, v in path.items() if v is not None})
        return Variables(merged, self.files)


def from_request(
    query: Mapping[str, str] | None, headers: Mapping[str, str], raw_body: bytes
) -> Variables:
    values: dict[str, str] = {}
    files: dict[str, Upload] = {}
    for name, value in (query or {}).items():
        values[name.lower()] = value
    content_type = (headers.get("content-type") or "").lower()
    if raw_body:
        if content_type.startswith("multipart/form-data"):
            _read_multipart(headers.get("content-type", ""), raw_body, values, files)
        elif content_type.startswith("application/json"):
            values.update(_read_json(raw_body))
        else:
            # urlencoded, or no content type at all (curl -d sends urlencoded)
            text = raw_body.decode("utf-8", errors="replace")
            for name, value in parse_qsl(text, keep_blank_values=True):
                values[name.lower()] = value
    return Variables(values, files)


def _read_json(raw_body: bytes) -> dict[str, str]:
    try:
        data = json.loads(raw_body)
    except ValueError:
        raise OcpError(902, name="body", value="(not JSON)") from None
    if not isinstance(data, dict):
        raise OcpError(902, name="body", value="(not a JSON object)")
    out = {}
    for name, value in data.items():
        if isinstance(value, bool):
            value = int(value)
        if value is None:
            continue
        out[str(name).lower()] = value if isinstance(value, str) else json.dumps(value)
    return out


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
        raise OcpError(902, name="body", value="(malformed multipart form)") from None


# -- fields ------------------------------------------------------------------

_MISSING = object()


@dataclass(frozen=True)
class Field:
    """One variable: its name as printed, how to parse it, and whether required.

    `parse(name, raw)` returns the value or raises OcpError. An optional field
    that is absent, or empty after sanitising, gets `default`.
    """

    name: str
    parse: Callable[[str, str], Any]
    required: bool = False
    default: Any = None
    sanitise: Callable[[str], str] = lambda raw: raw.strip()

    def read(self, variables: Variables) -> Any:
        raw = variables.get(self.name)
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
    )


def Id(name: str, *, required: bool = True, code: int = 902) -> Field:
    """A positive integer id (RULINGS "IDs")."""
    return Int(name, required=required, low=1, code=code)


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

    return Field(name, parse, required, default)


def Flag(name: str, *, default: int = 0) -> Field:
    """0 or 1 (the reference's optional Boolean variables)."""

    def parse(n: str, raw: str) -> int:
        value = raw.strip()
        if value not in ("0", "1"):
            raise OcpError(901, name=n, choices="0, 1")
        return int(value)

    return Field(name, parse, False, default)


def Text(
    name: str, *, required: bool = False, max_len: int | None = None, default: Any = None
) -> Field:
    def parse(n: str, raw: str) -> str:
        value = types.string(raw)
        if max_len is not None and len(value) > max_len:
            raise OcpError(903, name=n, value=raw, low=1 if required else 0, high=max_len)
        return value

    return Field(name, parse, required, default, types.string)


def Phone(name: str, *, required: bool = False) -> Field:
    return Field(name, types.phone, required)


def Phones(name: str, *, required: bool = False) -> Field:
    """One or more phones, comma-separated."""
    return Field(name, types.phones, required)


def Ints(
    name: str,
    *,
    required: bool = False,
    low: int | None = None,
    high: int | None = None,
    code: int = 902,
) -> Field:
    """One or more numeric values, comma-separated."""
    return Field(
        name,
        lambda n, raw: types.ints(n, raw, low=low, high=high, code=code),
        required,
        None,
        types.numeric,
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

    def parse(n: str, raw: str) -> Decimal:
        value = types.to_amount(n, raw, places=places)
        if (low is not None and value < low) or (high is not None and value > high):
            raise OcpError(902, name=n, value=raw)
        return value

    return Field(name, parse, required, None, types.double_text)


def UnixTime(name: str, *, required: bool = False, default: Any = None) -> Field:
    return Field(
        name,
        lambda n, raw: types.to_int(n, raw, low=0, code=916),
        required,
        default,
        types.unix_time,
    )


def Destinations(name: str, *, required: bool = False, bad_type_code: int = 902) -> Field:
    return Field(
        name,
        lambda n, raw: types.destinations(
            n, raw, check_dns=settings.get().email_dns_check, bad_type_code=bad_type_code
        ),
        required,
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

    return Field(name, parse, required, default, types.dtmf)


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
        missing = [
            OcpError(900, name=n)
            for n, raw in ((self.name, raw_type), (self.value_name, raw_value))
            if raw is None or raw.strip() == ""
        ]
        if len(missing) == 2 and not self.required:
            return self.default
        if missing:
            raise OcpError.combine(missing)
        kinds = [types.numeric(k) for k in raw_type.split(",")]
        values = [v.strip() for v in raw_value.split(",")]
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
    type_name: str, value_name: str, *, required: bool = False, single: bool = False
) -> Field:
    return TypedDestinations(
        type_name, lambda n, raw: raw, required, value_name=value_name, single=single
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
