"""email POST, GET, PUT, DELETE: a user's addresses, unique system-wide."""

from chalice import Blueprint

from chalicelib.domain import profile as rules
from chalicelib.protocol.params import USER_ID, Email
from chalicelib.protocol.render import Reply
from chalicelib.protocol.routes import Request, route
from chalicelib.store import profiles

bp = Blueprint(__name__)


@route(bp, "/email", ["POST"], idempotent=True)
def add_email(req: Request) -> Reply:
    v = req.read(USER_ID, Email("email", required=True))
    profiles.change(v["userId"], req.eid, rules.add_email, v["email"])
    # The leading space is the reference's, kept as printed.
    return Reply({"status": f" email address {v['email']} added"}, 201, verbose_only=True)


@route(bp, "/email", ["GET"])
def get_emails(req: Request) -> Reply:
    profile = profiles.load(req.read(USER_ID)["userId"], req.eid)
    return Reply({"emails": {"default": profile.default_email, "address": list(profile.emails)}})


@route(bp, "/email", ["PUT"], idempotent=True)
def set_default_email(req: Request) -> Reply:
    """Sets the default; an address the user does not have yet is added first."""
    v = req.read(USER_ID, Email("email", required=True))
    profiles.change(v["userId"], req.eid, rules.set_default_email, v["email"])
    return Reply(
        {"status": f"{v['email']} has been set as default email for user {v['userId']}"},
        verbose_only=True,
    )


@route(bp, "/email", ["DELETE"])
def remove_email(req: Request) -> Reply:
    # Only compared with the user's addresses, so never looked up in DNS.
    v = req.read(USER_ID, Email("email", required=True, lookup=True))
    profiles.change(v["userId"], req.eid, rules.remove_email, v["email"])
    return Reply({"status": f"{v['email']} deleted from user {v['userId']}"})
