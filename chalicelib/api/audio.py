"""audioupload POST: a presigned S3 form for blast audio of up to 5 MB.

Not in the 2008 reference: an addition. API Gateway cannot carry a 5 MB
`audioFile` to Lambda once base64-encoded, so a client may upload the file to
S3 directly and name the returned key on blastvoice POST/PUT instead.
"""

from chalice import Blueprint

from chalicelib.protocol.params import Text
from chalicelib.protocol.render import Items, Reply
from chalicelib.protocol.routes import Request, route

bp = Blueprint(__name__)


@route(bp, "/audioUpload", ["POST"])
def upload_form(req: Request) -> Reply:
    from chalicelib.media import uploads  # S3: imported by the one route using it

    form = uploads.upload_form(req.eid, req.read(Text("filename", max_len=255))["filename"])
    return Reply(
        {
            "key": form.key,
            "url": form.url,
            "fields": Items("field", [{"name": k, "value": v} for k, v in form.fields.items()]),
            "maxBytes": form.max_bytes,
            "expires": form.expires_at,
        },
        201,
    )
