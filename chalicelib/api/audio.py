"""audioupload POST: a presigned S3 form for blast audio of up to 5 MB.

Not in the 2008 reference: an addition. API Gateway cannot carry a 5 MB
`audioFile` to Lambda once base64-encoded, so a client may upload the file to
S3 directly and name the returned key on blastvoice POST/PUT instead.
"""

from typing import TYPE_CHECKING

from chalice import Blueprint

from chalicelib.imports import on_first_use
from chalicelib.protocol.params import Text
from chalicelib.protocol.render import Items, Reply
from chalicelib.protocol.routes import Request, route
from chalicelib.protocol.shapes import INT, TEXT, Each, Leaf, Returns

bp = Blueprint(__name__)
if TYPE_CHECKING:
    from chalicelib.media import uploads
else:
    uploads = on_first_use("chalicelib.media.uploads")  # S3: for the one route using it


FORM = {
    "key": Leaf(TEXT, "Name it as `audioKey` on blastvoice POST or PUT."),
    "url": Leaf(TEXT, "Where to POST the form (multipart, the file last, as `file`)."),
    "fields": Each("field", {"name": TEXT, "value": TEXT}),
    "maxBytes": INT,
    "expires": Leaf(INT, "Unix time after which S3 refuses the form."),
}


@route(
    bp,
    "/audioUpload",
    ["POST"],
    variables=(Text("filename", max_len=255, doc="The file's name, kept in its key."),),
    returns=(Returns(201, FORM),),
    summary="A presigned S3 form to upload blast audio of up to 5 MB",
    addition=(
        "API Gateway cannot carry a 5 MB `audioFile` to Lambda once base64-encoded: a "
        "client uploads the file to S3 with this form and names the key as `audioKey` on "
        "blastvoice POST or PUT."
    ),
)
def upload_form(req: Request) -> Reply:
    form = uploads.upload_form(req.eid, req.values["filename"])
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
