"""session GET."""

from chalice import Blueprint

from chalicelib.errors import Code
from chalicelib.protocol import auth
from chalicelib.protocol.render import Reply
from chalicelib.protocol.routes import PublicRequest, route
from chalicelib.protocol.shapes import TEXT, Leaf, Returns

bp = Blueprint(__name__)


@route(
    bp,
    "/session",
    ["GET"],
    public=True,
    errors=(
        Code.BAD_TIMESTAMP,
        Code.UNKNOWN_ENTERPRISE,
        Code.BAD_CREDENTIALS,
        Code.AUTH_SYSTEM_FAILED,
    ),
    returns=(Returns(200, {"sessionId": Leaf(TEXT, "64 hex characters, valid 24 hours.")}),),
    summary="Open a session",
)
def open_session(req: PublicRequest) -> Reply:
    return Reply({"sessionId": auth.open_session(req.headers.get("authorization"), req.source_ip)})
