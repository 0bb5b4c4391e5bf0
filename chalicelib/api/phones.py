"""phonenumber GET, POST, PUT, DELETE; smsphone GET, POST, DELETE; carriers GET."""

from chalice import Blueprint

from chalicelib import clock
from chalicelib.domain import profile as rules
from chalicelib.domain.numbers import CARRIERS
from chalicelib.domain.profile import Number, NumberRequest, Profile
from chalicelib.domain.resolve import resolve, resolve_sms
from chalicelib.errors import OcpError
from chalicelib.protocol.params import USER_ID, CarrierId, Flag, Phone, PhoneType, UnixTime
from chalicelib.protocol.render import Items, Reply, status_ok
from chalicelib.protocol.routes import Request, route
from chalicelib.store import profiles

bp = Blueprint(__name__)


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
    v = req.read(USER_ID, Flag("all"), UnixTime("time"))
    profile = profiles.load(v["userId"], req.eid)
    if v["all"]:
        return _all_numbers(profile, sms=sms)
    at = clock.now() if v["time"] is None else v["time"]
    found = (resolve_sms if sms else resolve)(profile, at)
    if not found.numbers and not found.dnd:
        raise OcpError(110)
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
        raise OcpError(110)
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


@route(bp, "/phoneNumber", ["GET"])
def get_numbers(req: Request) -> Reply:
    return _numbers_now(req, sms=False)


@route(bp, "/phoneNumber", ["POST"], idempotent=True)
def add_number(req: Request) -> Reply:
    v = req.read(
        USER_ID, Phone("phoneNumber", required=True), PhoneType(required=True), CarrierId()
    )
    wanted = NumberRequest(v["phoneNumber"], v["phoneType"], v["carrierId"])
    profiles.change(v["userId"], req.eid, rules.add_number, wanted, new_phones=1)
    return status_ok(201)


@route(bp, "/phoneNumber", ["PUT"], idempotent=True)
def set_default_number(req: Request) -> Reply:
    """RULINGS: /phonenumber sets the number as default (phoneType/carrierId, if
    given, update it; a new number is added when its phoneType comes along)."""
    v = req.read(USER_ID, Phone("phoneNumber", required=True), PhoneType(), CarrierId())
    wanted = NumberRequest(v["phoneNumber"], v["phoneType"], v["carrierId"])
    profiles.change(v["userId"], req.eid, rules.set_default_number, wanted, new_phones=1)
    return status_ok()


@route(bp, "/phoneNumber/{existing}", ["PUT"], idempotent=True)
def change_number(req: Request) -> Reply:
    """RULINGS: /phonenumber/{existing} changes that number's digits, type or carrier."""
    v = req.read(
        USER_ID, Phone("existing", required=True), Phone("phoneNumber"), PhoneType(), CarrierId()
    )
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


@route(bp, "/phoneNumber", ["DELETE"])
def remove_number(req: Request) -> Reply:
    v = req.read(USER_ID, Phone("phoneNumber", required=True))
    profiles.change(v["userId"], req.eid, rules.remove_number, v["phoneNumber"])
    return status_ok(verbose_only=False)


@route(bp, "/smsphone", ["GET"])
def get_sms_numbers(req: Request) -> Reply:
    return _numbers_now(req, sms=True)


@route(bp, "/smsphone", ["POST"], idempotent=True)
def add_sms_number(req: Request) -> Reply:
    v = req.read(
        USER_ID, Phone("phonenumber", required=True), PhoneType(required=True), CarrierId()
    )
    wanted = NumberRequest(v["phonenumber"], v["phoneType"], v["carrierId"])
    profiles.change(v["userId"], req.eid, rules.add_number, wanted, sms=True, new_phones=1)
    return status_ok(201)


@route(bp, "/smsphone", ["DELETE"])
def remove_sms_number(req: Request) -> Reply:
    v = req.read(USER_ID, Phone("phone", required=True))
    profiles.change(v["userId"], req.eid, rules.remove_number, v["phone"], sms=True)
    return status_ok(verbose_only=False)


@route(bp, "/carriers", ["GET"])
def get_carriers(req: Request) -> Reply:
    """The carriers of the user's numbers (either list), or with all=1 the catalogue."""
    v = req.read(USER_ID, Flag("all"))
    profile = profiles.load(v["userId"], req.eid)
    used = {n.carrier_id for n in profile.phones + profile.sms_phones}
    if not used <= CARRIERS.keys():
        raise OcpError(111)
    shown = sorted(CARRIERS if v["all"] else used)
    return Reply(
        {
            "carriers": Items(
                "carrier",
                [{"id": i, "name": CARRIERS[i][0], "gateway": CARRIERS[i][1]} for i in shown],
            )
        }
    )
