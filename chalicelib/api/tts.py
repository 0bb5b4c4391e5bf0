"""ttspreview POST: the text as the call will speak it, as a link to an MP3."""

from chalice import Blueprint

from chalicelib.protocol.params import USER_ID, Choice, Text
from chalicelib.protocol.render import Reply
from chalicelib.protocol.routes import Request, route
from chalicelib.store import users

bp = Blueprint(__name__)


@route(bp, "/ttspreview", ["POST"], idempotent=True)
def preview(req: Request) -> Reply:
    from chalicelib.media import tts  # Polly and S3: imported by the one route using them

    v = req.read(
        USER_ID, Text("text", required=True, max_len=tts.MAX_TEXT), Choice("voice", tts.VOICES)
    )
    users.get(v["userId"], req.eid)  # 106 unless the user exists and is visible
    return Reply({"url": tts.preview_url(v["text"], v["voice"])}, 201)
