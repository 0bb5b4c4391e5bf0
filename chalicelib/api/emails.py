"""email POST, GET, PUT, DELETE: a user's addresses, unique system-wide."""

from typing import TYPE_CHECKING

from chalice import Blueprint

from chalicelib.errors import Code
from chalicelib.imports import on_first_use
from chalicelib.protocol.params import USER_ID, Email
from chalicelib.protocol.render import Reply
from chalicelib.protocol.routes import Request, route
from chalicelib.protocol.shapes import TEXT, Many, Returns

bp = Blueprint(__name__)
if TYPE_CHECKING:
    from chalicelib.domain import profile as rules
    from chalicelib.store import profiles
else:
    profiles = on_first_use("chalicelib.store.profiles")  # with PynamoDB: not at cold start
    rules = on_first_use("chalicelib.domain.profile")  # only the views use it


EMAIL = Email("email", required=True, doc="An email address, unique system-wide.")
STATUS = {"status": TEXT}


@route(
    bp,
    "/email",
    ["POST"],
    variables=(USER_ID, EMAIL),
    errors=(Code.NO_SUCH_USER, Code.CORRUPT_DATA, Code.DUPLICATE_PHONE, Code.FULL),
    returns=(Returns(201, STATUS, verbose_only=True),),
    summary="Add an email address to a user",
    idempotent=True,
)
def add_email(req: Request) -> Reply:
    v = req.values
    profiles.change(v["userId"], req.eid, rules.add_email, v["email"])
    # The leading space is the reference's, kept as printed.
    return Reply({"status": f" email address {v['email']} added"}, 201, verbose_only=True)


@route(
    bp,
    "/email",
    ["GET"],
    variables=(USER_ID,),
    errors=(Code.NO_SUCH_USER,),
    returns=(Returns(200, {"emails": {"default": TEXT, "address": Many(TEXT)}}),),
    summary="A user's email addresses and the default one",
)
def get_emails(req: Request) -> Reply:
    profile = profiles.load(req.values["userId"], req.eid)
    return Reply({"emails": {"default": profile.default_email, "address": list(profile.emails)}})


@route(
    bp,
    "/email",
    ["PUT"],
    variables=(USER_ID, EMAIL),
    errors=(Code.NO_SUCH_USER, Code.CORRUPT_DATA, Code.DUPLICATE_PHONE, Code.FULL),
    returns=(Returns(200, STATUS, verbose_only=True),),
    summary="Set a user's default email address (added if new)",
    idempotent=True,
)
def set_default_email(req: Request) -> Reply:
    """Sets the default; an address the user does not have yet is added first."""
    v = req.values
    profiles.change(v["userId"], req.eid, rules.set_default_email, v["email"])
    return Reply(
        {"status": f"{v['email']} has been set as default email for user {v['userId']}"},
        verbose_only=True,
    )


# Only compared with the user's addresses, so never looked up in DNS.
@route(
    bp,
    "/email",
    ["DELETE"],
    variables=(USER_ID, Email("email", required=True, lookup=True)),
    errors=(Code.NO_SUCH_USER, Code.NO_SUCH_EMAIL, Code.PRIMARY_EMAIL, Code.CORRUPT_DATA),
    returns=(Returns(200, STATUS),),
    summary="Remove an email address from a user",
)
def remove_email(req: Request) -> Reply:
    v = req.values
    profiles.change(v["userId"], req.eid, rules.remove_email, v["email"])
    return Reply({"status": f"{v['email']} deleted from user {v['userId']}"})
