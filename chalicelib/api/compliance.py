"""Blast compliance (issue 27, docs/api-blasts-and-media.md "Compliance"): the
enterprise's do-not-call list, and the variables blastvoice / blastsms add.

    POST   /donotcall                 phoneNumber: one, or a comma list (201)
    GET    /donotcall                 the list, by number, paged (pageSize, pageToken)
    GET    /donotcall/{phoneNumber}   one entry (110 when it is not on the list)
    DELETE /donotcall/{phoneNumber}   take it off (110 when it is not on the list)

All additions to the 2008 reference. A blast recipient whose number is on the list is
never dialled or texted (its attempt's result is `DoNotCall`); texts opted out at the
provider (STOP) and voice opt-outs (the `optOutDigit`) add numbers to it themselves.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalice import Blueprint

from chalicelib import clock
from chalicelib.domain.calling_hours import CallingWindow
from chalicelib.domain.compliance import (
    DEFAULT_RETRY_INTERVAL,
    MAX_RETRIES,
    RETRY_INTERVAL_MINUTES,
    BlastRules,
)
from chalicelib.errors import Code, OcpError
from chalicelib.imports import on_first_use
from chalicelib.protocol.params import Field, Int, Phone, Phones, Text
from chalicelib.protocol.render import Items, Reply, status_ok
from chalicelib.protocol.routes import Request, route
from chalicelib.protocol.shapes import INT, TEXT, Each, Leaf, Maybe, Returns, ok

bp = Blueprint(__name__)
if TYPE_CHECKING:
    from chalicelib.store import donotcall
else:
    donotcall = on_first_use("chalicelib.store.donotcall")  # with PynamoDB: not at cold start

ADDITION = "Blast compliance (issue 27): calling hours, retries, opt-out, do-not-call."
MAX_NUMBERS = 1000
PAGE_SIZE = (1, 1000)


# -- the variables of blastvoice and blastsms --------------------------------------------------


def _window(name: str, raw: str) -> CallingWindow:
    try:
        return CallingWindow.parse(raw)
    except ValueError:
        raise OcpError(Code.INVALID_VALUE, name=name, value=raw) from None


CALLING_WINDOW = Field(
    "callingWindow",
    _window,
    codes=(Code.INVALID_VALUE,),
    schema={
        "type": "string",
        "pattern": r"^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$",
        "examples": ["08:00-21:00"],
    },
    doc="HH:MM-HH:MM in each recipient's local time (its number's time zones; all must "
    "be open); not past midnight. Absent: the enterprise's default, if any.",
    addition=ADDITION,
)
RETRIES = Int(
    "retries",
    low=0,
    high=MAX_RETRIES,
    doc="Tries again after Busy, NoAnswer or Failed, inside the window (default 0).",
).but(addition=ADDITION)
RETRY_INTERVAL = Int(
    "retryInterval",
    low=RETRY_INTERVAL_MINUTES[0],
    high=RETRY_INTERVAL_MINUTES[1],
    doc=f"Minutes between tries (default {DEFAULT_RETRY_INTERVAL}).",
).but(addition=ADDITION)


def _digit(name: str, raw: str) -> str:
    value = raw.strip()
    if len(value) != 1 or value not in "0123456789*#":
        raise OcpError(Code.INVALID_DTMF, name=name, value=raw)
    return value


OPT_OUT_DIGIT = Field(
    "optOutDigit",
    _digit,
    codes=(Code.INVALID_DTMF,),
    schema={"type": "string", "pattern": r"^[0-9*#]$"},
    doc="The key a recipient presses to opt out: the announcement ends with the prompt; "
    "pressing it thanks, hangs up, records OptedOut and adds the number to /donotcall.",
    addition=ADDITION,
)
VOICE_VARIABLES = (CALLING_WINDOW, RETRIES, RETRY_INTERVAL, OPT_OUT_DIGIT)
SMS_VARIABLES = (CALLING_WINDOW,)
ERRORS = (Code.INVALID_VALUE, Code.INVALID_DTMF)
NAMES = ("callingWindow", "retries", "retryInterval", "optOutDigit")


def rules_of(v: dict[str, Any], current: BlastRules | None = None) -> BlastRules | None:
    """The rules a POST (current None) or PUT names; None for a PUT that names none."""
    if current is not None and all(v.get(n) is None for n in NAMES):
        return None
    base = current or BlastRules()
    retries = v.get("retries")
    interval = v.get("retryInterval")
    return BlastRules(
        v["callingWindow"] if v.get("callingWindow") is not None else base.window,
        retries if retries is not None else base.retries,
        interval if interval is not None else base.retry_interval,
        v["optOutDigit"] if v.get("optOutDigit") is not None else base.opt_out_digit,
    )


# -- /donotcall ----------------------------------------------------------------------------------

ENTRY = {
    "phoneNumber": Leaf(TEXT, "E.164."),
    "source": Leaf(TEXT, enum=("api", "sms", "voice")),
    "added": Leaf(INT, "Unix time it was added."),
}
NUMBER = Phone("phoneNumber", required=True, doc="A number on the list.").but(addition=ADDITION)


@route(
    bp,
    "/donotcall",
    ["POST"],
    variables=(
        Phones(
            "phoneNumber",
            required=True,
            max_items=MAX_NUMBERS,
            doc="Numbers that must never be called or texted by a blast.",
        ).but(addition=ADDITION),
    ),
    internal_error=Code.CALL_WRITE_FAILED,
    errors=(Code.INVALID_PHONE, Code.BAD_LENGTH),
    returns=(Returns(201, {"numbers": Each("entry", ENTRY)}),),
    summary="Add numbers to the enterprise's do-not-call list",
    addition=ADDITION,
    idempotent=True,
)
def add(req: Request) -> Reply:
    numbers = [p.e164 for p in req.values["phoneNumber"]]
    entries = donotcall.add(req.eid, numbers, "api", clock.now())
    return Reply({"numbers": Items("entry", [_entry(e) for e in entries])}, 201)


@route(
    bp,
    "/donotcall",
    ["GET"],
    variables=(
        Int(
            "pageSize", low=PAGE_SIZE[0], high=PAGE_SIZE[1], default=100, doc="Entries a page."
        ).but(addition=ADDITION),
        Text("pageToken", max_len=1000, doc="As the previous page's nextPageToken.").but(
            addition=ADDITION
        ),
    ),
    internal_error=Code.CALL_WRITE_FAILED,
    errors=(Code.INVALID_VALUE,),
    returns=(
        Returns(
            200,
            {
                "numbers": Each("entry", ENTRY),
                "nextPageToken": Maybe(TEXT, "When there are more."),
            },
        ),
    ),
    summary="The enterprise's do-not-call list, by number",
    addition=ADDITION,
)
def listing(req: Request) -> Reply:
    v = req.values
    entries, token = donotcall.page(req.eid, v["pageSize"], v["pageToken"] or None)
    body: dict[str, Any] = {"numbers": Items("entry", [_entry(e) for e in entries])}
    if token:
        body["nextPageToken"] = token
    return Reply(body)


@route(
    bp,
    "/donotcall/{phoneNumber}",
    ["GET"],
    variables=(NUMBER,),
    internal_error=Code.CALL_WRITE_FAILED,
    errors=(Code.INVALID_PHONE, Code.NO_SUCH_PHONE),
    returns=(Returns(200, ENTRY),),
    summary="One number of the do-not-call list",
    addition=ADDITION,
)
def one(req: Request) -> Reply:
    found = donotcall.get(req.eid, req.values["phoneNumber"].e164)
    if found is None:
        raise OcpError(Code.NO_SUCH_PHONE)
    return Reply(_entry(found))


@route(
    bp,
    "/donotcall/{phoneNumber}",
    ["DELETE"],
    variables=(NUMBER,),
    internal_error=Code.CALL_WRITE_FAILED,
    errors=(Code.INVALID_PHONE, Code.NO_SUCH_PHONE),
    returns=(ok(200, verbose_only=False),),
    summary="Take a number off the do-not-call list",
    addition=ADDITION,
)
def remove(req: Request) -> Reply:
    if not donotcall.remove(req.eid, req.values["phoneNumber"].e164):
        raise OcpError(Code.NO_SUCH_PHONE)
    return status_ok(200, verbose_only=False)


def _entry(e: Any) -> dict[str, Any]:
    return {"phoneNumber": e.number, "source": e.source, "added": e.added}
