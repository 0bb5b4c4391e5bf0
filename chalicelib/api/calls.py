"""call POST and call GET (reference "call POST", "call GET"; RULINGS "call POST",
"Call vocabulary").

POST is `/call`, and `/call/{anything}` as the reference prints it (the path segment is
ignored). GET is `/call/{callId}`, or `/call?callId=`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from chalice import Blueprint

from chalicelib.media import MAX_TEXT
from chalicelib.protocol.params import USER_ID, Destination, Flag, Id, Text
from chalicelib.protocol.render import Items, Reply
from chalicelib.protocol.routes import Request, route
from chalicelib.protocol.shapes import INT, NUM, TEXT, Each, Empty, Leaf, Returns

if TYPE_CHECKING:
    from chalicelib.store.calls import CallStatus

# chalicelib.workflows.calls (resolution, dialing, the carrier port) is imported by the
# views that use it: every Lambda cold start imports every route module.

bp = Blueprint(__name__)

TENTH = Decimal("0.1")

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
        bad_type_code=302,
        doc="Who the call connects the destination to: one `type:value` pair "
        "(1 userId, 2 email, 3 phone).",
    ),
    Destination(
        "destination",
        required=True,
        bad_type_code=301,
        doc="Who is called first and asked to press 1: one `type:value` pair.",
    ),
    Text(
        "text", required=True, max_len=MAX_TEXT, doc="The announcement spoken to the destination."
    ),
    Flag("callOrigination", doc="1: call the origination first."),
    Flag("disableAMD", doc="1: no answering-machine detection."),
)
# 106 no such requesting user, 922 a side names nobody visible, 303 blacklisted, 304 the
# call could not be stored or started.
PLACE_ERRORS = (106, 303, 304, 922)
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
)
@route(
    bp,
    "/call/{callId}",
    ["POST"],
    variables=PLACE,
    errors=PLACE_ERRORS,
    returns=(Returns(201, {"callId": INT}, "Dialing starts after the response."),),
    summary="Place a call (as the reference prints it: the path segment is ignored)",
)
def place_call(req: Request) -> Reply:
    v = req.values
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
        ),
    )
    return Reply({"callId": call_id}, 201)


@route(
    bp,
    "/call",
    ["GET"],
    variables=(CALL_ID,),
    errors=(902,),
    returns=(Returns(200, CALL),),
    summary="A call's status",
)
@route(
    bp,
    "/call/{callId}",
    ["GET"],
    variables=(CALL_ID,),
    errors=(902,),
    returns=(Returns(200, CALL),),
    summary="A call's status",
)
def get_call(req: Request) -> Reply:
    from chalicelib.workflows.calls import status

    return Reply(call_body(status(req.values["callId"], req.eid)))


def call_body(status: CallStatus) -> dict:
    """The reference's body. `<attempt>`s are every number tried except the origination
    number that answered, which is `<callingNumber>` (as in the reference's example,
    where the one attempt is the destination's)."""
    from chalicelib.telephony import SUCCESS

    return {
        "userId": status.user_id,
        "callId": status.call_id,
        "mou": status.mou.quantize(TENTH),
        "success": int(status.success),
        "timeScheduled": status.time_scheduled,
        "timeOriginated": status.time_originated,
        "timeCompleted": status.time_completed,
        "callingNumber": status.calling_number or None,
        "attempts": Items(
            "attempt",
            [
                {"number": a.number, "result": a.result}
                for a in status.attempts
                if not (a.role == "origination" and a.result == SUCCESS)
            ],
        ),
        "currentState": status.state,
        "callComplete": int(status.complete),
    }
