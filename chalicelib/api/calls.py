"""call POST and call GET (reference "call POST", "call GET"; RULINGS "call POST",
"Call vocabulary").

POST is `/call`, and `/call/{anything}` as the reference prints it (the path segment is
ignored). GET is `/call/{callId}`, or `/call?callId=`.
"""
from decimal import Decimal

from chalice import Blueprint

from chalicelib.protocol.params import Destination, Flag, Id, Text
from chalicelib.protocol.render import Items, Reply
from chalicelib.protocol.routes import Request, route
from chalicelib.store.calls import CallStatus
from chalicelib.telephony import SUCCESS
from chalicelib.workflows import calls
from chalicelib.workflows.calls import CallRequest

bp = Blueprint(__name__)

TENTH = Decimal("0.1")
# The announcement becomes speech: Polly's limit, as for ttspreview (RULINGS "ttspreview").
MAX_TEXT = 3000


@route(bp, "/call", ["POST"])
@route(bp, "/call/{callId}", ["POST"])
def place_call(req: Request) -> Reply:
    v = req.read(Id("userId", code=922),
                 Destination("origination", required=True, bad_type_code=302),
                 Destination("destination", required=True, bad_type_code=301),
                 Text("text", required=True, max_len=MAX_TEXT),
                 Flag("callOrigination"), Flag("disableAMD"))
    call_id = calls.place(req.eid, CallRequest(
        v["userId"], v["origination"], v["destination"], v["text"],
        call_origination=bool(v["callOrigination"]), disable_amd=bool(v["disableAMD"])))
    return Reply({"callId": call_id}, 201)


@route(bp, "/call", ["GET"])
@route(bp, "/call/{callId}", ["GET"])
def get_call(req: Request) -> Reply:
    return Reply(call_body(calls.status(req.read(Id("callId"))["callId"], req.eid)))


def call_body(status: CallStatus) -> dict:
    """The reference's body. `<attempt>`s are every number tried except the origination
    number that answered, which is `<callingNumber>` (as in the reference's example,
    where the one attempt is the destination's)."""
    return {
        "userId": status.user_id,
        "callId": status.call_id,
        "mou": status.mou.quantize(TENTH),
        "success": int(status.success),
        "timeScheduled": status.time_scheduled,
        "timeOriginated": status.time_originated,
        "timeCompleted": status.time_completed,
        "callingNumber": status.calling_number or None,
        "attempts": Items("attempt", [{"number": a.number, "result": a.result}
                                      for a in status.attempts
                                      if not (a.role == "origination" and a.result == SUCCESS)]),
        "currentState": status.state,
        "callComplete": int(status.complete),
    }
