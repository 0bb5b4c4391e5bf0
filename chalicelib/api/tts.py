"""ttspreview POST: the text as the call will speak it, as a link to an MP3."""

from typing import TYPE_CHECKING

from chalice import Blueprint

from chalicelib.domain.tenants import SPEECH
from chalicelib.errors import Code
from chalicelib.imports import on_first_use
from chalicelib.media import MAX_TEXT, VOICES
from chalicelib.protocol.params import USER_ID, Choice, Text
from chalicelib.protocol.render import Reply
from chalicelib.protocol.routes import Request, route
from chalicelib.protocol.shapes import TEXT, Leaf, Returns

bp = Blueprint(__name__)
if TYPE_CHECKING:
    from chalicelib.media import tts
    from chalicelib.store import users
    from chalicelib.workflows import spend
else:
    users = on_first_use("chalicelib.store.users")  # with PynamoDB: not at cold start
    tts = on_first_use("chalicelib.media.tts")  # Polly and S3: for the one route using them
    spend = on_first_use("chalicelib.workflows.spend")


@route(
    bp,
    "/ttspreview",
    ["POST"],
    variables=(
        USER_ID,
        Text("text", required=True, max_len=MAX_TEXT, doc="What to say."),
        Choice("voice", VOICES, doc="A Polly voice; Joanna by default."),
    ),
    errors=(Code.NO_SUCH_USER, Code.DAILY_LIMIT),
    returns=(Returns(201, {"url": Leaf(TEXT, "An HTTPS link to an MP3, valid an hour.")}),),
    summary="A link to an MP3 of the text as a call speaks it",
    idempotent=True,
)
def preview(req: Request) -> Reply:
    v = req.values
    users.get(v["userId"], req.eid)  # 106 unless the user exists and is visible
    spend.charge(req.eid, SPEECH, len(v["text"]))  # 118 past its characters a day
    return Reply({"url": tts.preview_url(v["text"], v["voice"])}, 201)
