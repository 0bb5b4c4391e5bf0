"""user GET, POST, PUT, DELETE and uidbyemail GET."""

from chalice import Blueprint

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
from chalicelib.store import users

bp = Blueprint(__name__)

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


def phone_fields(*, required: bool) -> list:
    """phoneNumber, phoneType and carrierId, as user POST reads them."""
    return [
        Phone("phoneNumber", required=required),
        PhoneType(required=required),
        CarrierId(default=0),
    ]


def _profile(values: dict) -> dict:
    out = {_PROFILE.get(name, name): value for name, value in values.items()}
    return {k: v for k, v in out.items() if k in users.PROFILE_FIELDS}


@route(bp, "/user/{userId}", ["GET"])
def get_user(req: Request) -> Reply:
    user = users.get(req.read(USER_ID)["userId"], req.eid)
    return Reply({"user": {wire: getattr(user, field) for wire, field in _PROFILE.items()}})


@route(bp, "/user", ["POST"], idempotent=True)
def create_user(req: Request) -> Reply:
    v = req.read(
        Text("firstName", required=True, max_len=100),
        Text("lastName", required=True, max_len=100),
        Email("email", required=True),
        *phone_fields(required=True),
        *_WRITABLE,
        Flag("exclusive"),
    )
    user_id, _created = users.create(
        req.eid,
        _profile(v),
        v["email"],
        users.NewPhone(v["phoneNumber"], v["phoneType"], v["carrierId"]),
        exclusive=bool(v["exclusive"]),
    )
    return Reply({"userId": user_id})


@route(bp, "/user/{userId}", ["PUT"], idempotent=True)
def update_user(req: Request) -> Reply:
    v = req.read(USER_ID, Text("firstName", max_len=100), Text("lastName", max_len=100), *_WRITABLE)
    users.update(v.pop("userId"), req.eid, _profile(v))
    return status_ok()


@route(bp, "/user/{userId}", ["DELETE"])
def delete_user(req: Request) -> Reply:
    users.delete(req.read(USER_ID)["userId"], req.eid)
    return status_ok()


@route(bp, "/uidbyemail/{email}", ["GET"])
def uid_by_email(req: Request) -> Reply:
    return Reply(
        {
            "id": users.id_by_email(
                req.read(Email("email", required=True, lookup=True))["email"], req.eid
            )
        }
    )
