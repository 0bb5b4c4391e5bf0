"""call POST and call GET (reference "call POST", "call GET"; RULINGS "call POST",
"Call vocabulary").

POST is `/call`, and `/call/{anything}` as the reference prints it (the path segment is
ignored). GET is `/call/{callId}`, or `/call?callId=`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalice import Blueprint

from chalicelib.errors import Code
from chalicelib.imports import on_first_use
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
from chalicelib.protocol.shapes import INT, NUM, TEXT, Each, Empty, Leaf, Returns

bp = Blueprint(__name__)
# Resolution, dialing, the carrier port: every Lambda cold start imports every route
# module, and only these views need them.
if TYPE_CHECKING:
    from chalicelib.workflows import calls
else:
    calls = on_first_use("chalicelib.workflows.calls")


# RULINGS "Call vocabulary" (telephony's results, store.calls' states), for the description.
ATTEMPT_RESULTS = (
    "Success",
    "Busy",
    "NoAnswer",
    "Machine",
    "Declined",
    "Failed",
    "DND",
    "Blacklisted",
)
CALL_STATES = ("scheduled", "dialing", "connected", "complete", "cancelled", "failed")

PLACE = (
    USER_ID,
    Destination(
        "origination",
        required=True,
        bad_type_code=Code.BAD_ORIGINATION,
        doc="Who the call connects the destination to: one `type:value` pair "
        "(1 userId, 2 email, 3 phone).",
    ),
    Destination(
        "destination",
        required=True,
        bad_type_code=Code.BAD_TERMINATION,
        doc="Who is called first and asked to press 1: one `type:value` pair.",
    ),
    Text(
        "text", required=True, max_len=MAX_TEXT, doc="The announcement spoken to the destination."
    ),
    Flag("callOrigination", doc="1: call the origination first."),
    Flag("disableAMD", doc="1: no answering-machine detection."),
    *STATUS_CALLBACK,
)
# 106 no such requesting user, 922 a side names nobody visible, 303 blacklisted, 304 the
# call could not be stored or started; the enterprise's spend guards (docs/limits.md): 118
# a daily cap reached, 119 a phone outside its countries, 120 the requester's mouallowed
# used up (when the enterprise's operator stops there).
PLACE_ERRORS = (
    Code.NO_SUCH_USER,
    Code.BLACKLISTED_ORIGINATION,
    Code.CALL_WRITE_FAILED,
    Code.INVALID_USER_ID,
    Code.DAILY_LIMIT,
    Code.COUNTRY_NOT_ALLOWED,
    Code.MINUTES_USED_UP,
)
CALL_ID = Id("callId", doc="As call POST returned it.")
CALL = {
    "userId": INT,
    "callId": INT,
    "mou": Leaf(NUM, "Billed minutes, rounded up to the next tenth."),
    "success": INT,
    "timeScheduled": INT,
    "timeOriginated": Empty(INT),
    "timeCompleted": Empty(INT),
    "callingNumber": Empty(TEXT),
    "attempts": Each("attempt", {"number": TEXT, "result": Leaf(TEXT, enum=ATTEMPT_RESULTS)}),
    "currentState": Leaf(TEXT, enum=CALL_STATES),
    "callComplete": INT,
}


@route(
    bp,
    "/call",
    ["POST"],
    variables=PLACE,
    errors=PLACE_ERRORS,
    returns=(Returns(201, {"callId": INT}, "Dialing starts after the response."),),
    summary="Place a call",
    idempotent=True,
)
@route(
    bp,
    "/call/{callId}",
    ["POST"],
    variables=PLACE,
    errors=PLACE_ERRORS,
    returns=(Returns(201, {"callId": INT}, "Dialing starts after the response."),),
    summary="Place a call (as the reference prints it: the path segment is ignored)",
    idempotent=True,
)
def place_call(req: Request) -> Reply:
    v = req.values
    call_id = calls.place(
        req.eid,
        calls.CallRequest(
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


@route(
    bp,
    ("/call/{callId}", "/call"),
    ["GET"],
    variables=(CALL_ID,),
    errors=(Code.INVALID_VALUE,),
    returns=(Returns(200, CALL),),
    summary="A call's status",
)
def get_call(req: Request) -> Reply:
    return Reply(call_body(calls.status(req.values["callId"], req.eid)))
