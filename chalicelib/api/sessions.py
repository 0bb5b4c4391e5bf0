"""session GET."""

from chalice import Blueprint

from chalicelib.protocol import auth
from chalicelib.protocol.render import Reply
from chalicelib.protocol.routes import Request, route

bp = Blueprint(__name__)


@route(bp, "/session", ["GET"], public=True)
def open_session(req: Request) -> Reply:
    return Reply({"sessionId": auth.open_session(req.headers.get("authorization"))})
