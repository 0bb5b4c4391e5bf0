"""huntorder, calltimeexception, dnd and blacklist: the find-me/follow-me preferences."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from chalice import Blueprint

from chalicelib.api.phones import ADDING, NUMBER_WITH_DEFAULT, number_body
from chalicelib.domain import limits
from chalicelib.domain.numbers import CARRIERS, PHONE_TYPES
from chalicelib.domain.numbers import Phone as Number
from chalicelib.domain.windows import TIMEZONES, Window
from chalicelib.errors import Code, OcpError
from chalicelib.imports import on_first_use
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
    not_given,
    not_set,
)
from chalicelib.protocol.render import NO_CONTENT, Items, Reply, status_ok
from chalicelib.protocol.routes import Request, route
from chalicelib.protocol.shapes import INT, NONE_FOUND, TEXT, Each, Empty, Leaf, Many, Returns, ok

bp = Blueprint(__name__)
if TYPE_CHECKING:
    from chalicelib.domain.profile import Block, NumberRequest

if TYPE_CHECKING:
    from chalicelib.domain import profile as rules
    from chalicelib.store import profiles
else:
    profiles = on_first_use("chalicelib.store.profiles")  # with PynamoDB: not at cold start
    rules = on_first_use("chalicelib.domain.profile")  # the views' only: not at cold start


# -- huntorder ------------------------------------------------------------------------

# phoneNumber may name several numbers, comma-separated, in hunt order; phoneType
# and carrierId then hold one value for all of them or one each.
_HUNT_FIELDS = (
    Ints(
        "phoneType",
        low=min(PHONE_TYPES),
        high=max(PHONE_TYPES),
        doc="For numbers new to the user: one for all, or one per number (1-4).",
        max_items=limits.PHONES,
    ),
    Ints(
        "carrierId",
        low=min(CARRIERS),
        high=max(CARRIERS),
        doc="For numbers new to the user: one for all, or one per number.",
        max_items=limits.PHONES,
    ),
    Flag("tryall", default=None, doc="1: ring every number at once; 0: one after another."),
)
HUNT_NUMBERS = "Numbers in hunt order, comma-separated; numbers new to the user are added."


def _number_requests(v: dict) -> list[NumberRequest]:
    phones = v["phoneNumber"] or []
    kinds = _one_each("phoneType", v["phoneType"], len(phones))
    carriers = _one_each("carrierId", v["carrierId"], len(phones))
    return [rules.NumberRequest(*item) for item in zip(phones, kinds, carriers, strict=True)]


def _one_each(name: str, values: list[int] | None, count: int) -> Sequence[int | None]:
    if values is None:
        return [None] * count
    if len(values) == 1:
        return values * count
    if len(values) != count:
        raise OcpError(Code.INVALID_VALUE, name=name, value=",".join(map(str, values)))
    return values


@route(
    bp,
    "/huntorder",
    ["PUT"],
    variables=(
        USER_ID,
        Phones(
            "phoneNumber",
            required=not_given("tryall"),
            doc=HUNT_NUMBERS,
            max_items=limits.PHONES,
        ),
        *_HUNT_FIELDS,
    ),
    errors=(*ADDING, Code.REQUIRED, Code.INVALID_VALUE),
    returns=(ok(verbose_only=False),),
    summary="Append numbers to a user's hunt order and/or set tryall",
    idempotent=True,
)
def extend_hunt_order(req: Request) -> Reply:
    v = req.values
    wanted = _number_requests(v)
    profiles.change(
        v["userId"], req.eid, rules.extend_hunt_order, wanted, v["tryall"], new_phones=len(wanted)
    )
    return status_ok(verbose_only=False)


@route(
    bp,
    "/huntorder",
    ["POST"],
    variables=(
        USER_ID,
        Phones("phoneNumber", required=True, doc=HUNT_NUMBERS, max_items=limits.PHONES),
        *_HUNT_FIELDS,
    ),
    errors=(*ADDING, Code.REQUIRED, Code.INVALID_VALUE),
    returns=(ok(201),),
    summary="Replace a user's hunt order",
    idempotent=True,
)
def set_hunt_order(req: Request) -> Reply:
    v = req.values
    wanted = _number_requests(v)
    profiles.change(
        v["userId"], req.eid, rules.set_hunt_order, wanted, v["tryall"], new_phones=len(wanted)
    )
    return status_ok(201)


HUNT_NUMBER = {
    "digits": Leaf(TEXT, 'The number as typed ("44 20 77994044" abroad).'),
    "phoneType": INT,
    "id": INT,
    "carrierId": INT,
    "validationStatus": INT,
    "default": Leaf(INT, "1 for the default number."),
}


@route(
    bp,
    "/huntorder",
    ["GET"],
    variables=(USER_ID,),
    errors=(Code.NO_SUCH_USER,),
    returns=(Returns(200, {"tryall": INT, "numbers": Each("number", HUNT_NUMBER)}),),
    summary="A user's hunt order and tryall",
)
def get_hunt_order(req: Request) -> Reply:
    """Element order and `<default>` as the reference prints this body. It has no
    countryCode, so `digits` is the number as typed ("44 20 77994044" abroad)."""
    profile = profiles.load(req.values["userId"], req.eid)
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


@route(
    bp,
    "/huntorder",
    ["DELETE"],
    variables=(USER_ID,),
    errors=(Code.NO_SUCH_USER,),
    returns=(ok(verbose_only=False),),
    summary="Clear a user's hunt order (tryall stays)",
)
def clear_hunt_order(req: Request) -> Reply:
    profiles.change(req.values["userId"], req.eid, rules.clear_hunt_order)
    return status_ok(verbose_only=False)


# -- windows: calltimeexception and dnd ---------------------------------------------


def _window_fields(*, when: Any = None) -> tuple:
    """The hours [startHour, endHour) on the days of `day` (RULINGS "Days", "Hours")."""
    return (
        Int("startHour", required=True, low=0, high=23, when=when, doc="0-23, local time."),
        Int(
            "endHour",
            required=True,
            low=0,
            high=23,
            when=when,
            doc="0-23, not included; before startHour wraps past midnight, equal is all day.",
        ),
        Int(
            "day",
            required=True,
            low=1,
            high=127,
            when=when,
            doc="Days, added up: 1 Sunday, 2 Monday, 4 Tuesday, 8 Wednesday, 16 Thursday, "
            "32 Friday, 64 Saturday.",
        ),
        Int(
            "timezone",
            low=TIMEZONES[0],
            high=TIMEZONES[1],
            default=0,
            when=when,
            doc="Hours from GMT, -11 to 12 (default 0).",
        ),
    )


WINDOW = {"starthour": INT, "stophour": INT, "days": INT, "expiration": Empty(TEXT)}
# DELETE: all=1 removes everything, and then the hours and days are not read.
ALL = Flag("all", doc="1: remove all; the hours, days and timezone are then ignored.")


def _window(v: dict) -> Window:
    return Window(v["startHour"], v["endHour"], v["day"], v["timezone"])


def _window_body(window: Window) -> dict:
    return {
        "starthour": window.start_hour,
        "stophour": window.end_hour,
        "days": window.days,
        "expiration": None,
    }


@route(
    bp,
    "/calltimeexception",
    ["POST"],
    variables=(
        USER_ID,
        *_window_fields(),
        Phone("phoneNumber", required=True, doc="The number to ring then (added if new)."),
        PhoneType(doc="Needed when the number is new to the user."),
        CarrierId(),
    ),
    errors=(*ADDING, Code.REQUIRED),
    returns=(ok(201, verbose_only=False),),
    summary="Ring a number at set hours and days",
    idempotent=True,
)
def add_exception(req: Request) -> Reply:
    v = req.values
    wanted = rules.NumberRequest(v["phoneNumber"], v["phoneType"], v["carrierId"])
    profiles.change(v["userId"], req.eid, rules.add_exception, _window(v), wanted, new_phones=1)
    return status_ok(201, verbose_only=False)


@route(
    bp,
    "/calltimeexception",
    ["DELETE"],
    variables=(
        USER_ID,
        ALL,
        Phone(
            "phoneNumber",
            required=not_set("all"),
            doc="The number whose exceptions lose these hours (with all=1: all of its).",
        ),
        *_window_fields(when=not_set("all")),
    ),
    errors=(Code.NO_SUCH_USER, Code.NO_SUCH_PHONE),
    returns=(ok(verbose_only=False),),
    summary="Remove hours from a number's exceptions, or all exceptions",
)
def remove_exception(req: Request) -> Reply:
    """all=1 removes every exception (of phoneNumber, if one is given); otherwise
    exactly the named hours and days leave phoneNumber's exceptions."""
    v = req.values
    if v["all"]:
        profiles.change(v["userId"], req.eid, rules.clear_exceptions, v["phoneNumber"])
    else:
        profiles.change(
            v["userId"], req.eid, rules.remove_exception_hours, _window(v), v["phoneNumber"]
        )
    return status_ok(verbose_only=False)


@route(
    bp,
    "/calltimeexception",
    ["GET"],
    variables=(USER_ID,),
    errors=(Code.NO_SUCH_USER,),
    returns=(
        Returns(200, {"exceptions": Each("exception", {**WINDOW, "number": NUMBER_WITH_DEFAULT})}),
    ),
    summary="A user's call-time exceptions",
)
def get_exceptions(req: Request) -> Reply:
    profile = profiles.load(req.values["userId"], req.eid)
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


@route(
    bp,
    "/dnd",
    ["POST"],
    variables=(USER_ID, *_window_fields()),
    errors=(Code.NO_SUCH_USER, Code.FULL),
    returns=(ok(201),),
    summary="Add do-not-disturb hours",
    idempotent=True,
)
def add_dnd(req: Request) -> Reply:
    v = req.values
    profiles.change(v["userId"], req.eid, rules.add_dnd, _window(v))
    return status_ok(201)


@route(
    bp,
    "/dnd",
    ["GET"],
    variables=(USER_ID,),
    errors=(Code.NO_SUCH_USER,),
    returns=(Returns(200, {"exceptions": Each("exception", WINDOW)}), NONE_FOUND),
    summary="A user's do-not-disturb hours",
)
def get_dnd(req: Request) -> Reply:
    profile = profiles.load(req.values["userId"], req.eid)
    if not profile.dnd:
        return NO_CONTENT
    return Reply({"exceptions": Items("exception", [_window_body(w) for w in profile.dnd])})


@route(
    bp,
    "/dnd",
    ["DELETE"],
    variables=(USER_ID, ALL, *_window_fields(when=not_set("all"))),
    errors=(Code.NO_SUCH_USER,),
    returns=(ok(),),
    summary="Remove do-not-disturb hours, or all of them",
)
def remove_dnd(req: Request) -> Reply:
    """all=1 removes every DND window; otherwise exactly the named hours and days."""
    v = req.values
    if v["all"]:
        profiles.change(v["userId"], req.eid, rules.clear_dnd)
    else:
        profiles.change(v["userId"], req.eid, rules.remove_dnd_hours, _window(v))
    return status_ok()


# -- blacklist ---------------------------------------------------------------------------

_BLOCK_FIELDS = (
    USER_ID,
    Int(
        "terminationType",
        required=True,
        low=1,
        high=3,
        code=Code.NOT_A_CHOICE,
        doc="1 userId, 2 email, 3 phone.",
    ),
    Text(
        "terminationValue",
        required=True,
        max_len=320,
        doc="The userId, email or phone number to block.",
    ),
)
# terminationValue is read as the destination "type:value" (922: no such user visible).
_BLOCK_ERRORS = (
    Code.NO_SUCH_USER,
    Code.INVALID_VALUE,
    Code.INVALID_EMAIL,
    Code.INVALID_PHONE,
    Code.INVALID_USER_ID,
)


def _block(req: Request, *, must_exist: bool) -> Block:
    """The entry named by terminationType/terminationValue: a user (type 1, or 2
    resolved by email; 922 when not visible) or a number (type 3)."""
    v = req.values
    name = "terminationValue"
    # The same type:value grammar as an origination or destination.
    target = types.destination(
        name, f"{v['terminationType']}:{v['terminationValue']}", check_dns=False
    )
    value = target.value  # by its type: a Phone (3), an email (2) or a userId (1)
    if isinstance(value, Number):
        return rules.Block(rules.BLOCK_PHONE, value)
    if isinstance(value, str):
        return rules.Block(rules.BLOCK_USER, profiles.user_with_email(value, req.eid, name))
    if must_exist:
        return rules.Block(rules.BLOCK_USER, profiles.blocked_user(value, req.eid, name))
    return rules.Block(rules.BLOCK_USER, value)


@route(
    bp,
    "/blacklist",
    ["POST"],
    variables=_BLOCK_FIELDS,
    errors=(*_BLOCK_ERRORS, Code.DUPLICATE_PHONE, Code.FULL),
    returns=(ok(201),),
    summary="Block a user or number from calling a user",
    idempotent=True,
)
def add_block(req: Request) -> Reply:
    block = _block(req, must_exist=True)
    profiles.change(req.values["userId"], req.eid, rules.add_block, block)
    return status_ok(201)


@route(
    bp,
    "/blacklist",
    ["GET"],
    variables=(USER_ID,),
    errors=(Code.NO_SUCH_USER,),
    returns=(
        Returns(
            200,
            {
                "contact": Many(
                    {
                        "type": Leaf(INT, "1 a user (also when blocked by email), 3 a number."),
                        "id": Leaf((INT, TEXT), "The userId, or the number as typed."),
                    }
                )
            },
        ),
        NONE_FOUND,
    ),
    summary="A user's blacklist",
)
def get_blacklist(req: Request) -> Reply:
    """Entries of type 1 and 2 show as type 1 with the userId they resolved to; entries
    naming a user exclusive to another enterprise are not shown."""
    profile = profiles.load(req.values["userId"], req.eid)
    shown = profiles.visible_blacklist(profile.blacklist, req.eid)
    if not shown:
        return NO_CONTENT
    return Reply(
        {
            "contact": [
                {"type": b.type, "id": b.value.display if isinstance(b.value, Number) else b.value}
                for b in shown
            ]
        }
    )


@route(
    bp,
    "/blacklist",
    ["DELETE"],
    variables=_BLOCK_FIELDS,
    errors=(*_BLOCK_ERRORS, Code.NO_SUCH_PHONE),
    returns=(ok(),),
    summary="Unblock a user or number",
)
def remove_block(req: Request) -> Reply:
    # A blocked userId is removable even once that user is gone; one exclusive to another
    # enterprise is not there for this one (110).
    user_id = req.values["userId"]
    block = _block(req, must_exist=False)
    if not profiles.visible_blacklist((block,), req.eid):
        profiles.load(user_id, req.eid)  # 106 first, as for any other entry
        raise OcpError(Code.NO_SUCH_PHONE)
    profiles.change(user_id, req.eid, rules.remove_block, block)
    return status_ok()
