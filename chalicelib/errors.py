"""The OCP error catalogue and the one exception every layer raises.

`CATALOGUE` is the only place that knows an error's message and HTTP status
(reference "Errors" sections, the 900-series table, and RULINGS' status table).
Only `protocol.render` turns an `OcpError` into a response body.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import IntEnum


class Code(IntEnum):
    """Every OCP error code by a name that says what happened. A code the reference uses
    for more than one failure has one name per failure (an alias of the same number), so
    that a call site reads as what went wrong: `OcpError(Code.ALREADY_STARTED)`."""

    BAD_TIMESTAMP = 100
    UNKNOWN_ENTERPRISE = 101
    BAD_CREDENTIALS = 102
    USER_EXISTS = 103
    WRITE_FAILED = 105
    NO_SUCH_USER = 106
    NO_SUCH_EMAIL = 107
    PRIMARY_EMAIL = 108
    PRIMARY_PHONE = 109
    NO_SUCH_PHONE = 110
    CORRUPT_DATA = 111
    GROUP_NOT_OWNED = 112
    DUPLICATE_PHONE = 113
    AUTH_SYSTEM_FAILED = 114
    NO_SUCH_GROUP = 115
    BUSY = 116
    FULL = 117
    # Additions (docs/limits.md "Per enterprise"): a spend guard of the enterprise stopped
    # the request: a daily cap reached, a destination outside its countries, its minutes
    # allowed used up.
    DAILY_LIMIT = 118
    COUNTRY_NOT_ALLOWED = 119
    MINUTES_USED_UP = 120
    BAD_TERMINATION = 301
    BAD_ORIGINATION = 302
    BLACKLISTED_ORIGINATION = 303
    CALL_WRITE_FAILED = 304
    # An autoconference that has already fired cannot be changed (RULINGS "Scheduled work").
    ALREADY_FIRED = 304
    NO_SUCH_CONFERENCE = 305
    CONFERENCE_NOT_EXTENDABLE = 306
    # A blast that has already started cannot be changed or started again.
    ALREADY_STARTED = 307
    # A stored autoconference or blast whose request cannot be read (the catalogue's words).
    CORRUPTED_REQUEST = 307
    NO_SUCH_BLAST = 308
    REQUIRED = 900
    NOT_A_CHOICE = 901
    INVALID_VALUE = 902
    BAD_LENGTH = 903
    INVALID_AMOUNT = 912
    INVALID_NUMBER = 913
    INVALID_EMAIL = 915
    INVALID_DATE = 916
    INVALID_TIME = 917
    INVALID_DATETIME = 918
    INVALID_PHONE = 920
    INVALID_DTMF = 921
    INVALID_USER_ID = 922
    INVALID_GROUP = 923
    KEY_REUSED = 970
    KEY_IN_PROGRESS = 971


BUSY = Code.BUSY
FULL = Code.FULL

# code -> (message template, HTTP status). Templates use {name}, {value} and,
# for 901/903, {choices} / {low} / {high}.
CATALOGUE: dict[int, tuple[str, int]] = {
    100: ("Incorrect timestamp in request", 401),
    101: ("Unknown enterprise id", 401),
    102: ("Invalid credentials", 401),
    103: ("User account already exists", 409),
    105: ("Internal error: SQL execution failed", 500),
    106: ("User account does not exist", 404),
    107: ("Incorrect email address for user", 400),
    108: ("Cannot delete primary email address", 400),
    109: ("Cannot delete primary phone number", 400),
    110: ("Phone number not found", 404),
    111: ("Internal error: System data missing or corrupt", 500),
    112: ("Group not owned by user", 403),
    113: ("Duplicate phone number", 409),
    114: ("Internal error: Authentication system failed", 500),
    115: ("Group not found", 404),
    # Additions (README "Limits"). BUSY: a change that lost to concurrent changes of the
    # same item for longer than the contention budget (or, at API Gateway, a request over
    # the stage's rate); nothing was changed, retry after `Retry-After` seconds. FULL: a
    # stored list that a change would take past its limit.
    BUSY: ("Busy: try again later", 503),
    FULL: ("Too many {name}: at most {high} allowed", 409),
    # Additions (docs/limits.md "Per enterprise"). DAILY_LIMIT: the enterprise's cap of
    # {name} a day (UTC) is reached; `Retry-After` says when the day ends. Nothing was done.
    118: ("Daily limit reached: at most {high} {name} a day", 429),
    119: ("{name} ({value}) is in a country this enterprise may not reach", 403),
    120: ("Minutes allowed are used up for this user", 403),
    301: ("Invalid Termination Type supplied", 400),
    302: ("Invalid Origination Type supplied", 400),
    303: ("Blacklisted origination", 403),
    304: ("Internal error: SQL execution failed", 500),
    305: ("Conference does not exist", 404),
    306: ("Conference cannot not be extended", 409),
    307: ("Internal error: Corrupted Data", 500),
    308: ("Blast not found", 404),
    900: ("{name} is required but was not received", 400),
    901: ("{name} must be one of the following: {choices}", 400),
    902: ("{name} ({value}) does not contain a valid value", 400),
    903: (
        "{name} ({value}) does not meet the length requirements. "
        "It must be between {low} and {high} in length",
        400,
    ),
    912: ("{name} ({value}) does not contain a valid amount", 400),
    913: ("{name} ({value}) does not contain a valid number", 400),
    915: ("{name} ({value}) does not contain a valid email", 400),
    916: ("{name} ({value}) does not contain a valid date", 400),
    917: ("{name} ({value}) does not contain a valid time", 400),
    918: ("{name} ({value}) does not contain a valid datetime", 400),
    920: ("{name} ({value}) does not contain a valid phone", 400),
    921: ("{name} ({value}) does not contain a valid dtmf", 400),
    922: ("{name} ({value}) does not contain a valid user id", 400),
    923: ("{name} ({value}) does not contain a valid group", 400),
    # Additions (README "Idempotency-Key"): not in the 2008 reference, whose codes these
    # do not reuse. 971 is worth retrying with the same key; 970 never is.
    970: ("Idempotency-Key ({value}) was already used with other variables", 422),
    971: ("A request with Idempotency-Key ({value}) is in progress: retry it later", 409),
}

KEY_REUSED = Code.KEY_REUSED
KEY_IN_PROGRESS = Code.KEY_IN_PROGRESS

# A session that is missing, malformed, unknown or expired on a route other
# than /session. The reference has no code of its own for it; RULINGS gives it
# 401 and the closest catalogue entry is "Invalid credentials".
SESSION_INVALID = Code.BAD_CREDENTIALS

MAX_VALUE_SHOWN = 100

# Errors a client should retry, and after how many seconds (the `Retry-After` header);
# an OcpError's own `retry_after` wins (a rate limit knows when its next token comes).
RETRY_AFTER_SECONDS: dict[int, int] = {BUSY: 1}

# The status of 116 when it is an enterprise's request rate (protocol/ratelimit.py) or the
# stage's (infra/api.py), not contention: the body is the same busy error.
TOO_MANY_REQUESTS = 429


@dataclass(frozen=True)
class ErrorDetail:
    code: int
    message: str

    @property
    def status(self) -> int:
        return CATALOGUE[self.code][1]


class OcpError(Exception):
    """One or more OCP errors; the first one decides the HTTP status.

    `OcpError(Code.INVALID_USER_ID, name="userId", value="17")` fills the catalogue template.
    `request_id` is set for internal failures so that the client can quote it.
    """

    def __init__(
        self,
        code: int | None = None,
        *,
        details: Iterable[ErrorDetail] = (),
        request_id: str | None = None,
        status: int | None = None,
        retry_after: int | None = None,
        **fields: object,
    ) -> None:
        found = list(details)
        if code is not None:
            found.insert(0, detail(code, **fields))
        if not found:
            raise ValueError("OcpError needs at least one error")
        self.details: tuple[ErrorDetail, ...] = tuple(found)
        self.request_id = request_id
        # A status other than the catalogue's (116 as 429: over a request rate), and the
        # seconds after which a retry may succeed, when the raiser knows them.
        self._status = status
        self.retry_after = retry_after
        super().__init__("; ".join(f"{d.code} {d.message}" for d in self.details))

    @property
    def code(self) -> int:
        return self.details[0].code

    @property
    def status(self) -> int:
        return self._status or self.details[0].status

    @classmethod
    def combine(cls, errors: Iterable[OcpError]) -> OcpError:
        return cls(details=[d for e in errors for d in e.details])


def detail(code: int, **fields: object) -> ErrorDetail:
    code = int(code)  # a Code prints and serialises as its number
    template, _status = CATALOGUE[code]
    values = {"name": "", "value": "", "choices": "", "low": "", "high": ""}
    values.update({k: "" if v is None else str(v) for k, v in fields.items()})
    if len(values["value"]) > MAX_VALUE_SHOWN:
        # A 3,000-character text is not echoed back whole in its own error.
        values["value"] = values["value"][:MAX_VALUE_SHOWN] + "..."
    return ErrorDetail(code, template.format(**values))
