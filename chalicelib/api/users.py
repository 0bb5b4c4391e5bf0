"""user GET, POST, PUT, DELETE and uidbyemail GET."""

from typing import TYPE_CHECKING

from chalice import Blueprint

from chalicelib.errors import Code
from chalicelib.imports import on_first_use
from chalicelib.protocol.params import (
    USER_ID,
    CarrierId,
    Choice,
    Email,
    Flag,
    Phone,
    PhoneType,
    Text,
)
from chalicelib.protocol.render import Reply, status_ok
from chalicelib.protocol.routes import Request, route
from chalicelib.protocol.shapes import INT, TEXT, Empty, Returns, ok

bp = Blueprint(__name__)
if TYPE_CHECKING:
    from chalicelib.store import user_deletion, users
    from chalicelib.workflows import spend
else:
    users = on_first_use("chalicelib.store.users")  # with PynamoDB: not at cold start
    user_deletion = on_first_use("chalicelib.store.user_deletion")
    spend = on_first_use("chalicelib.workflows.spend")  # the enterprise's default exclusive

# wire name -> stored field, in the order user GET prints them
_PROFILE = {
    "firstName": "first_name",
    "lastName": "last_name",
    "address1": "address1",
    "address2": "address2",
    "city": "city",
    "state": "state",
    "zip": "zip",
    "gender": "gender",
}
_WRITABLE = [
    Text("address1", max_len=255),
    Text("address2", max_len=255),
    Text("city", max_len=100),
    Text("state", max_len=100),
    Text("zip", max_len=20),
    Text("country", max_len=100),
    Choice("gender", ("M", "F")),
]
NAMES_REQUIRED = (
    Text("firstName", required=True, max_len=100),
    Text("lastName", required=True, max_len=100),
)
USER = {"user": {wire: Empty(TEXT) for wire in _PROFILE}}


def phone_fields(*, required: bool) -> list:
    """phoneNumber, phoneType and carrierId, as user POST reads them."""
    return [
        Phone("phoneNumber", required=required, doc="The user's first (default) number."),
        PhoneType(required=required),
        CarrierId(default=0),
    ]


def _profile(values: dict) -> dict:
    out = {_PROFILE.get(name, name): value for name, value in values.items()}
    return {k: v for k, v in out.items() if k in users.PROFILE_FIELDS}


@route(
    bp,
    "/user/{userId}",
    ["GET"],
    variables=(USER_ID,),
    errors=(Code.NO_SUCH_USER,),
    returns=(Returns(200, USER),),
    summary="A user's names and address",
)
def get_user(req: Request) -> Reply:
    user = users.get(req.values["userId"], req.eid)
    return Reply({"user": {wire: getattr(user, field) for wire, field in _PROFILE.items()}})


@route(
    bp,
    "/user",
    ["POST"],
    variables=(
        *NAMES_REQUIRED,
        Email("email", required=True, doc="Unique system-wide; a known one answers its userId."),
        *phone_fields(required=True),
        *_WRITABLE,
        Flag(
            "exclusive",
            default=None,
            doc="1: only this enterprise sees the user. Not given: 0, or the enterprise's "
            "default if its operator made its new users exclusive (docs/limits.md).",
        ),
    ),
    errors=(Code.USER_EXISTS,),
    returns=(
        Returns(
            200,
            {"userId": INT},
            "Created, or the user that already has this email (safe to retry).",
        ),
    ),
    summary="Create a user",
    idempotent=True,
)
def create_user(req: Request) -> Reply:
    v = req.values
    user_id, _created = users.create(
        req.eid,
        _profile(v),
        v["email"],
        users.NewPhone(v["phoneNumber"], v["phoneType"], v["carrierId"]),
        exclusive=spend.exclusive_by_default(req.eid)
        if v["exclusive"] is None
        else bool(v["exclusive"]),
    )
    return Reply({"userId": user_id})


@route(
    bp,
    "/user/{userId}",
    ["PUT"],
    variables=(
        USER_ID,
        Text("firstName", max_len=100),
        Text("lastName", max_len=100),
        *_WRITABLE,
    ),
    errors=(Code.NO_SUCH_USER,),
    returns=(ok(),),
    summary="Change a user's names or address",
    idempotent=True,
)
def update_user(req: Request) -> Reply:
    v = dict(req.values)
    users.update(v.pop("userId"), req.eid, _profile(v))
    return status_ok()


@route(
    bp,
    "/user/{userId}",
    ["DELETE"],
    variables=(USER_ID,),
    errors=(Code.NO_SUCH_USER,),
    returns=(ok(),),
    summary="Delete a user and everything of it",
)
def delete_user(req: Request) -> Reply:
    user_deletion.delete(req.values["userId"], req.eid)
    return status_ok()


@route(
    bp,
    "/uidbyemail/{email}",
    ["GET"],
    variables=(Email("email", required=True, lookup=True),),
    errors=(Code.NO_SUCH_USER,),
    returns=(Returns(200, {"id": INT}),),
    summary="The userId of an email address",
)
def uid_by_email(req: Request) -> Reply:
    return Reply({"id": users.id_by_email(req.values["email"], req.eid)})
