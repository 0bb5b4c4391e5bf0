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

if TYPE_CHECKING:
    from chalicelib.store.calls import CallStatus

# chalicelib.workflows.calls (resolution, dialing, the carrier port) is imported by the
# views that use it: every Lambda cold start imports every route module.

bp = Blueprint(__name__)

TENTH = Decimal("0.1")


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
        ),
    )
    return Reply({"callId": call_id}, 201)


@route(bp, "/call", ["GET"])
@route(bp, "/call/{callId}", ["GET"])
def get_call(req: Request) -> Reply:
    from chalicelib.workflows.calls import status

    return Reply(call_body(status(req.read(Id("callId"))["callId"], req.eid)))


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
