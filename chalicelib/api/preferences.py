"""huntorder, calltimeexception, dnd and blacklist: the find-me/follow-me preferences."""

from chalice import Blueprint

from chalicelib.api.phones import number_body
from chalicelib.domain import limits
from chalicelib.domain import profile as rules
from chalicelib.domain.numbers import CARRIERS, PHONE_TYPES
from chalicelib.domain.profile import BLOCK_PHONE, BLOCK_USER, Block, NumberRequest
from chalicelib.domain.windows import TIMEZONES, Window
from chalicelib.errors import OcpError
from chalicelib.protocol import types
from chalicelib.protocol.params import (
    USER_ID,
    CarrierId,
    Flag,
    Int,
    Ints,
    Phone,
    Phones,
    PhoneType,
    Text,
)
from chalicelib.protocol.render import NO_CONTENT, Items, Reply, status_ok
from chalicelib.protocol.routes import Request, route
from chalicelib.store import profiles

bp = Blueprint(__name__)


# -- huntorder ------------------------------------------------------------------------

# phoneNumber may name several numbers, comma-separated, in hunt order; phoneType
# and carrierId then hold one value for all of them or one each.
_HUNT_FIELDS = (
    Ints("phoneType", low=min(PHONE_TYPES), high=max(PHONE_TYPES), max_items=limits.PHONES),
    Ints("carrierId", low=min(CARRIERS), high=max(CARRIERS), max_items=limits.PHONES),
    Flag("tryall", default=None),
)
# A hunt order names at most as many numbers as a user may have.
HUNT_NUMBERS = "phoneNumber"


def _number_requests(v: dict) -> list[NumberRequest]:
    phones = v["phoneNumber"] or []
    kinds = _one_each("phoneType", v["phoneType"], len(phones))
    carriers = _one_each("carrierId", v["carrierId"], len(phones))
    return [NumberRequest(*item) for item in zip(phones, kinds, carriers, strict=True)]


def _one_each(name: str, values: list[int] | None, count: int) -> list[int | None]:
    if values is None:
        return [None] * count
    if len(values) == 1:
        return values * count
    if len(values) != count:
        raise OcpError(902, name=name, value=",".join(map(str, values)))
    return values


@route(bp, "/huntorder", ["PUT"], idempotent=True)
def extend_hunt_order(req: Request) -> Reply:
    v = req.read(USER_ID, Phones(HUNT_NUMBERS, max_items=limits.PHONES), *_HUNT_FIELDS)
    if v["phoneNumber"] is None and v["tryall"] is None:
        raise OcpError(900, name="phoneNumber")
    wanted = _number_requests(v)
    profiles.change(
        v["userId"], req.eid, rules.extend_hunt_order, wanted, v["tryall"], new_phones=len(wanted)
    )
    return status_ok(verbose_only=False)


@route(bp, "/huntorder", ["POST"], idempotent=True)
def set_hunt_order(req: Request) -> Reply:
    v = req.read(
        USER_ID, Phones(HUNT_NUMBERS, required=True, max_items=limits.PHONES), *_HUNT_FIELDS
    )
    wanted = _number_requests(v)
    profiles.change(
        v["userId"], req.eid, rules.set_hunt_order, wanted, v["tryall"], new_phones=len(wanted)
    )
    return status_ok(201)


@route(bp, "/huntorder", ["GET"])
def get_hunt_order(req: Request) -> Reply:
    """Element order and `<default>` as the reference prints this body. It has no
    countryCode, so `digits` is the number as typed ("44 20 77994044" abroad)."""
    profile = profiles.load(req.read(USER_ID)["userId"], req.eid)
    numbers = [profile.phone(i) for i in profile.hunt_order]
    return Reply(
        {
            "tryall": int(profile.tryall),
            "numbers": Items(
                "number",
                [
                    {
                        "digits": n.phone.display,
                        "phoneType": n.phone_type,
                        "id": n.id,
                        "carrierId": n.carrier_id,
                        "validationStatus": n.validation_status,
                        "default": int(n.id == profile.default_phone_id),
                    }
                    for n in numbers
                    if n is not None
                ],
            ),
        }
    )


@route(bp, "/huntorder", ["DELETE"])
def clear_hunt_order(req: Request) -> Reply:
    profiles.change(req.read(USER_ID)["userId"], req.eid, rules.clear_hunt_order)
    return status_ok(verbose_only=False)


# -- windows: calltimeexception and dnd ---------------------------------------------


def _window_fields(*, required: bool = True) -> tuple:
    return (
        Int("startHour", required=required, low=0, high=23),
        Int("endHour", required=required, low=0, high=23),
        Int("day", required=required, low=1, high=127),
        Int("timezone", low=TIMEZONES[0], high=TIMEZONES[1], default=0),
    )


def _window(v: dict) -> Window:
    return Window(v["startHour"], v["endHour"], v["day"], v["timezone"])


def _window_body(window: Window) -> dict:
    return {
        "starthour": window.start_hour,
        "stophour": window.end_hour,
        "days": window.days,
        "expiration": None,
    }


@route(bp, "/calltimeexception", ["POST"], idempotent=True)
def add_exception(req: Request) -> Reply:
    v = req.read(
        USER_ID, *_window_fields(), Phone("phoneNumber", required=True), PhoneType(), CarrierId()
    )
    wanted = NumberRequest(v["phoneNumber"], v["phoneType"], v["carrierId"])
    profiles.change(v["userId"], req.eid, rules.add_exception, _window(v), wanted, new_phones=1)
    return status_ok(201, verbose_only=False)


@route(bp, "/calltimeexception", ["DELETE"])
def remove_exception(req: Request) -> Reply:
    """all=1 removes every exception (of phoneNumber, if one is given); otherwise
    exactly the named hours and days leave phoneNumber's exceptions."""
    if req.read(USER_ID, Flag("all"))["all"]:
        v = req.read(USER_ID, Phone("phoneNumber"))
        profiles.change(v["userId"], req.eid, rules.clear_exceptions, v["phoneNumber"])
    else:
        v = req.read(USER_ID, Phone("phoneNumber", required=True), *_window_fields())
        profiles.change(
            v["userId"], req.eid, rules.remove_exception_hours, _window(v), v["phoneNumber"]
        )
    return status_ok(verbose_only=False)


@route(bp, "/calltimeexception", ["GET"])
def get_exceptions(req: Request) -> Reply:
    profile = profiles.load(req.read(USER_ID)["userId"], req.eid)
    shown = []
    for exception in profile.exceptions:
        number = profile.phone(exception.phone_id)
        if number is not None:
            shown.append(
                {
                    **_window_body(exception.window),
                    "number": number_body(number, is_default=number.id == profile.default_phone_id),
                }
            )
    return Reply({"exceptions": Items("exception", shown)})


@route(bp, "/dnd", ["POST"], idempotent=True)
def add_dnd(req: Request) -> Reply:
    v = req.read(USER_ID, *_window_fields())
    profiles.change(v["userId"], req.eid, rules.add_dnd, _window(v))
    return status_ok(201)


@route(bp, "/dnd", ["GET"])
def get_dnd(req: Request) -> Reply:
    profile = profiles.load(req.read(USER_ID)["userId"], req.eid)
    if not profile.dnd:
        return NO_CONTENT
    return Reply({"exceptions": Items("exception", [_window_body(w) for w in profile.dnd])})


@route(bp, "/dnd", ["DELETE"])
def remove_dnd(req: Request) -> Reply:
    """all=1 removes every DND window; otherwise exactly the named hours and days."""
    if req.read(USER_ID, Flag("all"))["all"]:
        profiles.change(req.read(USER_ID)["userId"], req.eid, rules.clear_dnd)
    else:
        v = req.read(USER_ID, *_window_fields())
        profiles.change(v["userId"], req.eid, rules.remove_dnd_hours, _window(v))
    return status_ok()


# -- blacklist ---------------------------------------------------------------------------

_BLOCK_FIELDS = (
    Int("terminationType", required=True, low=1, high=3, code=901),
    Text("terminationValue", required=True, max_len=320),
)


def _block(req: Request, *, must_exist: bool) -> tuple[int, Block]:
    """The entry named by terminationType/terminationValue: a user (type 1, or 2
    resolved by email; 922 when not visible) or a number (type 3)."""
    v = req.read(USER_ID, *_BLOCK_FIELDS)
    name = "terminationValue"
    # The same type:value grammar as an origination or destination.
    target = types.destination(
        name, f"{v['terminationType']}:{v['terminationValue']}", check_dns=False
    )
    if target.type == types.PHONE:
        return v["userId"], Block(BLOCK_PHONE, target.value)
    if target.type == types.EMAIL:
        return v["userId"], Block(BLOCK_USER, profiles.user_with_email(target.value, req.eid, name))
    if must_exist:
        return v["userId"], Block(BLOCK_USER, profiles.blocked_user(target.value, req.eid, name))
    return v["userId"], Block(BLOCK_USER, target.value)


@route(bp, "/blacklist", ["POST"], idempotent=True)
def add_block(req: Request) -> Reply:
    user_id, block = _block(req, must_exist=True)
    profiles.change(user_id, req.eid, rules.add_block, block)
    return status_ok(201)


@route(bp, "/blacklist", ["GET"])
def get_blacklist(req: Request) -> Reply:
    """Entries of type 1 and 2 show as type 1 with the userId they resolved to; entries
    naming a user exclusive to another enterprise are not shown."""
    profile = profiles.load(req.read(USER_ID)["userId"], req.eid)
    shown = profiles.visible_blacklist(profile.blacklist, req.eid)
    if not shown:
        return NO_CONTENT
    return Reply(
        {
            "contact": [
                {"type": b.type, "id": b.value.display if b.type == BLOCK_PHONE else b.value}
                for b in shown
            ]
        }
    )


@route(bp, "/blacklist", ["DELETE"])
def remove_block(req: Request) -> Reply:
    # A blocked userId is removable even once that user is gone; one exclusive to another
    # enterprise is not there for this one (110).
    user_id, block = _block(req, must_exist=False)
    if not profiles.visible_blacklist((block,), req.eid):
        profiles.load(user_id, req.eid)  # 106 first, as for any other entry
        raise OcpError(110)
    profiles.change(user_id, req.eid, rules.remove_block, block)
    return status_ok()
