"""phonenumber GET, POST, PUT, DELETE; smsphone GET, POST, DELETE; carriers GET."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalice import Blueprint

from chalicelib import clock
from chalicelib.domain.numbers import CARRIERS
from chalicelib.errors import Code, OcpError
from chalicelib.imports import on_first_use
from chalicelib.protocol.params import USER_ID, CarrierId, Flag, Phone, PhoneType, UnixTime
from chalicelib.protocol.render import Items, Reply, status_ok
from chalicelib.protocol.routes import Request, route
from chalicelib.protocol.shapes import INT, TEXT, Each, Empty, Leaf, Many, Returns, ok

bp = Blueprint(__name__)
if TYPE_CHECKING:
    from chalicelib.domain.profile import Number, Profile

if TYPE_CHECKING:
    from chalicelib.domain import profile as rules
    from chalicelib.domain import resolve as resolution
    from chalicelib.store import profiles
else:
    profiles = on_first_use("chalicelib.store.profiles")  # with PynamoDB: not at cold start
    # The rules, used by the views only: not at cold start either.
    rules = on_first_use("chalicelib.domain.profile")
    resolution = on_first_use("chalicelib.domain.resolve")


NUMBER = {
    "id": INT,
    "countryCode": INT,
    "cityCode": Empty(TEXT),
    "phoneType": Leaf(INT, "1 office, 2 mobile, 3 home, 4 other."),
    "digits": TEXT,
    "carrierId": INT,
    "validationStatus": INT,
}
NUMBER_WITH_DEFAULT = {**NUMBER, "isDefault": Leaf(INT, "1 for the default number.")}
ALL_NUMBERS = Returns(200, {"numbers": Each("number", NUMBER_WITH_DEFAULT)}, "With all=1.")
NUMBERS_NOW = Returns(
    200,
    {"tryall": INT, "dnd": INT, "number": Many(NUMBER)},
    "Without all=1: the numbers to dial at `time`, in dialing order.",
)
# GET: every number (all=1) or the numbers to dial at a time (the resolution of RULINGS).
NUMBERS_GET = (
    USER_ID,
    Flag("all", doc="1: every number, with `isDefault`; `time` is then ignored."),
    UnixTime("time", doc="When to resolve the numbers at (default: now)."),
)
NEW_NUMBER = (PhoneType(required=True), CarrierId())
CARRIER = {"id": INT, "name": TEXT, "gateway": TEXT}
# Adding a number: 106 no such user, 113 someone has it, 111 a uniqueness key is corrupt.
# FULL: the user has as many numbers as it may.
ADDING = (Code.NO_SUCH_USER, Code.CORRUPT_DATA, Code.DUPLICATE_PHONE, Code.FULL)


def number_body(number: Number, *, is_default: bool | None = None) -> dict:
    """A `<number>` as the phonenumber and calltimeexception GET bodies print it."""
    body = {
        "id": number.id,
        "countryCode": int(number.phone.country_code),
        "cityCode": number.phone.city_code or None,
        "phoneType": number.phone_type,
        "digits": number.phone.digits,
        "carrierId": number.carrier_id,
        "validationStatus": number.validation_status,
    }
    if is_default is not None:
        body["isDefault"] = int(is_default)
    return body


def _numbers_now(req: Request, *, sms: bool) -> Reply:
    """GET with all=1: every number with isDefault; else the numbers resolved at
    `time` (default now) in the reference's "specific number" body, one
    `<number>` per number to dial, in dialing order."""
    v = req.values
    profile = profiles.load(v["userId"], req.eid)
    if v["all"]:
        return _all_numbers(profile, sms=sms)
    at = clock.now() if v["time"] is None else v["time"]
    found = (resolution.resolve_sms if sms else resolution.resolve)(profile, at)
    if not found.numbers and not found.dnd:
        raise OcpError(Code.NO_SUCH_PHONE)
    return Reply(
        {
            "tryall": int(found.tryall),
            "dnd": int(found.dnd),
            "number": [number_body(n) for n in found.numbers],
        }
    )


def _all_numbers(profile: Profile, *, sms: bool) -> Reply:
    numbers = profile.sms_phones if sms else profile.phones
    if not numbers:
        raise OcpError(Code.NO_SUCH_PHONE)
    default = profile.default(sms=sms)
    return Reply(
        {
            "numbers": Items(
                "number",
                [
                    number_body(n, is_default=default is not None and n.id == default.id)
                    for n in numbers
                ],
            )
        }
    )


@route(
    bp,
    "/phoneNumber",
    ["GET"],
    variables=NUMBERS_GET,
    errors=(Code.NO_SUCH_USER, Code.NO_SUCH_PHONE),
    returns=(ALL_NUMBERS, NUMBERS_NOW),
    summary="A user's phone numbers: all, or those to dial at a time",
)
def get_numbers(req: Request) -> Reply:
    return _numbers_now(req, sms=False)


@route(
    bp,
    "/phoneNumber",
    ["POST"],
    variables=(USER_ID, Phone("phoneNumber", required=True), *NEW_NUMBER),
    errors=ADDING,
    returns=(ok(201),),
    summary="Add a phone number to a user",
    idempotent=True,
)
def add_number(req: Request) -> Reply:
    v = req.values
    wanted = rules.NumberRequest(v["phoneNumber"], v["phoneType"], v["carrierId"])
    profiles.change(v["userId"], req.eid, rules.add_number, wanted, new_phones=1)
    return status_ok(201)


@route(
    bp,
    "/phoneNumber",
    ["PUT"],
    variables=(
        USER_ID,
        Phone("phoneNumber", required=True),
        PhoneType(doc="Updates the number; with a new number, adds it."),
        CarrierId(),
    ),
    errors=(*ADDING, Code.NO_SUCH_PHONE),
    returns=(ok(),),
    summary="Make a number the user's default (added if new, with phoneType)",
    idempotent=True,
)
def set_default_number(req: Request) -> Reply:
    """RULINGS: /phonenumber sets the number as default (phoneType/carrierId, if
    given, update it; a new number is added when its phoneType comes along)."""
    v = req.values
    wanted = rules.NumberRequest(v["phoneNumber"], v["phoneType"], v["carrierId"])
    profiles.change(v["userId"], req.eid, rules.set_default_number, wanted, new_phones=1)
    return status_ok()


@route(
    bp,
    "/phoneNumber/{existing}",
    ["PUT"],
    variables=(
        USER_ID,
        Phone("existing", required=True, doc="The number to change."),
        Phone("phoneNumber", doc="Its new digits."),
        PhoneType(),
        CarrierId(),
    ),
    errors=(*ADDING, Code.NO_SUCH_PHONE),
    returns=(ok(),),
    summary="Change a number's digits, type or carrier",
    idempotent=True,
)
def change_number(req: Request) -> Reply:
    """RULINGS: /phonenumber/{existing} changes that number's digits, type or carrier."""
    v = req.values
    profiles.change(
        v["userId"],
        req.eid,
        rules.change_number,
        v["existing"],
        phone=v["phoneNumber"],
        phone_type=v["phoneType"],
        carrier_id=v["carrierId"],
    )
    return status_ok()


@route(
    bp,
    "/phoneNumber",
    ["DELETE"],
    variables=(USER_ID, Phone("phoneNumber", required=True)),
    errors=(Code.NO_SUCH_USER, Code.PRIMARY_PHONE, Code.NO_SUCH_PHONE),
    returns=(ok(verbose_only=False),),
    summary="Remove a phone number from a user",
)
def remove_number(req: Request) -> Reply:
    v = req.values
    profiles.change(v["userId"], req.eid, rules.remove_number, v["phoneNumber"])
    return status_ok(verbose_only=False)


@route(
    bp,
    "/smsphone",
    ["GET"],
    variables=NUMBERS_GET,
    errors=(Code.NO_SUCH_USER, Code.NO_SUCH_PHONE),
    returns=(ALL_NUMBERS, NUMBERS_NOW),
    summary="A user's SMS numbers: all, or those to text at a time",
)
def get_sms_numbers(req: Request) -> Reply:
    return _numbers_now(req, sms=True)


@route(
    bp,
    "/smsphone",
    ["POST"],
    variables=(USER_ID, Phone("phonenumber", required=True), *NEW_NUMBER),
    errors=ADDING,
    returns=(ok(201),),
    summary="Add an SMS number to a user",
    idempotent=True,
)
def add_sms_number(req: Request) -> Reply:
    v = req.values
    wanted = rules.NumberRequest(v["phonenumber"], v["phoneType"], v["carrierId"])
    profiles.change(v["userId"], req.eid, rules.add_number, wanted, sms=True, new_phones=1)
    return status_ok(201)


@route(
    bp,
    "/smsphone",
    ["DELETE"],
    variables=(USER_ID, Phone("phone", required=True)),
    errors=(Code.NO_SUCH_USER, Code.PRIMARY_PHONE, Code.NO_SUCH_PHONE),
    returns=(ok(verbose_only=False),),
    summary="Remove an SMS number from a user",
)
def remove_sms_number(req: Request) -> Reply:
    v = req.values
    profiles.change(v["userId"], req.eid, rules.remove_number, v["phone"], sms=True)
    return status_ok(verbose_only=False)


@route(
    bp,
    "/carriers",
    ["GET"],
    variables=(USER_ID, Flag("all", doc="1: the whole catalogue.")),
    errors=(Code.NO_SUCH_USER, Code.CORRUPT_DATA),
    returns=(
        Returns(200, {"carriers": Each("carrier", {"id": INT, "name": TEXT, "gateway": TEXT})}),
    ),
    summary="The carriers of a user's numbers, or the whole catalogue",
)
def get_carriers(req: Request) -> Reply:
    """The carriers of the user's numbers (either list), or with all=1 the catalogue."""
    v = req.values
    profile = profiles.load(v["userId"], req.eid)
    used = {n.carrier_id for n in profile.phones + profile.sms_phones}
    if not used <= CARRIERS.keys():
        raise OcpError(Code.CORRUPT_DATA)
    shown = sorted(CARRIERS if v["all"] else used)
    return Reply(
        {
            "carriers": Items(
                "carrier",
                [{"id": i, "name": CARRIERS[i][0], "gateway": CARRIERS[i][1]} for i in shown],
            )
        }
    )
