"""call POST and call GET (reference "call POST", "call GET"; RULINGS "call POST",
"Call vocabulary").

POST is `/call`, and `/call/{anything}` as the reference prints it (the path segment is
ignored). GET is `/call/{callId}`, or `/call?callId=`.
"""

from __future__ import annotations

from chalice import Blueprint

from chalicelib.media import MAX_TEXT
from chalicelib.protocol.bodies import call_body
from chalicelib.protocol.params import (
    STATUS_CALLBACK,
    USER_ID,
    Destination,
    Flag,
    Id,
    Text,
    subscription,
)
from chalicelib.protocol.render import Reply
from chalicelib.protocol.routes import Request, route

# chalicelib.workflows.calls (resolution, dialing, the carrier port) is imported by the
# views that use it: every Lambda cold start imports every route module.

bp = Blueprint(__name__)


@route(bp, "/call", ["POST"], idempotent=True)
@route(bp, "/call/{callId}", ["POST"], idempotent=True)
def place_call(req: Request) -> Reply:
    v = req.read(
        USER_ID,
        Destination("origination", required=True, bad_type_code=302),
        Destination("destination", required=True, bad_type_code=301),
        Text("text", required=True, max_len=MAX_TEXT),
        Flag("callOrigination"),
        Flag("disableAMD"),
        *STATUS_CALLBACK,
    )
    from chalicelib.workflows.calls import CallRequest, place

    call_id = place(
        req.eid,
        CallRequest(
            v["userId"],
            v["origination"],
            v["destination"],
            v["text"],
            call_origination=bool(v["callOrigination"]),
            disable_amd=bool(v["disableAMD"]),
            callback=subscription(v),
        ),
    )
    return Reply({"callId": call_id}, 201)


@route(bp, "/call", ["GET"])
@route(bp, "/call/{callId}", ["GET"])
def get_call(req: Request) -> Reply:
    from chalicelib.workflows.calls import status

    return Reply(call_body(status(req.read(Id("callId"))["callId"], req.eid)))
