"""autoconference POST, GET, PUT, DELETE and conference POST, PUT.

An unexpected failure in these routes is the reference's 304 ("Internal error: SQL
execution failed"), not 105. The work behind them is imported on first use: a cold start
for any other route does not pay for the dialing and scheduling modules.
"""

from chalice import Blueprint

from chalicelib.domain import limits
from chalicelib.media import MAX_TEXT
from chalicelib.protocol.params import (
    STATUS_CALLBACK,
    USER_ID,
    Destination,
    DestinationByType,
    Dtmf,
    Flag,
    Id,
    Int,
    ScheduleTime,
    Termination,
    Text,
    UserId,
    output_options,
    subscription,
)
from chalicelib.protocol.render import NO_CONTENT, Items, Reply, status_ok
from chalicelib.protocol.routes import Request, route
from chalicelib.protocol.types import USER_ID as BY_USER_ID
from chalicelib.protocol.types import Destination as Dest

bp = Blueprint(__name__)

INTERNAL = 304
CALL_ID = Id("callId")
# A reservation (or an extension) of up to a day at a time.
MAX_DURATION_SECONDS = 86400


def _autoconference_fields(*, required: bool) -> list:
    return [
        Termination("phoneNumber", required=required),
        Dtmf("pin"),
        Destination("origination", bad_type_code=302),
        Text("text", max_len=MAX_TEXT),
        Flag("disableAMD", default=None),
    ]


# -- autoconference ----------------------------------------------------------------


@route(bp, "/autoconference", ["POST"], internal_error=INTERNAL, idempotent=True)
def create_autoconference(req: Request) -> Reply:
    from chalicelib.store.autoconferences import Autoconference
    from chalicelib.workflows import autoconference

    v = req.read(
        USER_ID,
        *_autoconference_fields(required=True),
        ScheduleTime("conferenceTime"),
        *STATUS_CALLBACK,
    )
    # The user is dialed; an origination names someone else (or a number) to dial instead.
    origination = v["origination"] or Dest(BY_USER_ID, v["userId"])
    call_id, started = autoconference.create(
        req.eid,
        v["userId"],
        Autoconference(
            number=v["phoneNumber"].display,
            pin=v["pin"] or "",
            text=v["text"] or "",
            origination=origination.wire(),
            time=v["conferenceTime"] or 0,
            disable_amd=bool(v["disableAMD"]),
        ),
        callback=subscription(v),
    )
    return Reply({"callId": call_id}, 201 if started else 202)


@route(bp, "/autoconference", ["GET"], internal_error=INTERNAL)
@route(bp, "/autoconference/{callId}", ["GET"], internal_error=INTERNAL)
def get_autoconferences(req: Request) -> Reply:
    from chalicelib.store import autoconferences

    if not req.variables.has("callId"):
        found = autoconferences.list_ids(req.eid, req.read(USER_ID)["userId"])
        return Reply({"callIds": Items("callId", found)}) if found else NO_CONTENT
    v = req.read(USER_ID, CALL_ID)
    c = autoconferences.get(v["callId"], req.eid, v["userId"]).conference
    kind, _colon, value = c.origination.partition(":")
    return Reply(
        {
            "conferenceNumber": c.number,
            "conferencePin": c.pin,
            "conferenceTime": c.time,
            "announcementText": c.text,
            "origination": {"type": int(kind), "value": int(value) if kind == "1" else value},
        }
    )


@route(bp, "/autoconference/{callId}", ["PUT"], internal_error=INTERNAL, idempotent=True)
def change_autoconference(req: Request) -> Reply:
    from chalicelib.workflows import autoconference

    v = req.read(
        USER_ID,
        CALL_ID,
        *_autoconference_fields(required=False),
        ScheduleTime("time"),
        ScheduleTime("conferenceTime"),
    )
    # Only what is given changes; `time` as the reference says: none means now. POST's
    # name for it, conferenceTime, is read too.
    changes = {
        name: value
        for name, value in (
            ("number", v["phoneNumber"] and v["phoneNumber"].display),
            ("pin", v["pin"]),
            ("text", v["text"]),
            ("origination", v["origination"] and v["origination"].wire()),
            ("disable_amd", None if v["disableAMD"] is None else bool(v["disableAMD"])),
        )
        if value is not None
    }
    when = v["time"] if v["time"] is not None else v["conferenceTime"]
    autoconference.change(req.eid, v["userId"], v["callId"], changes, when)
    return status_ok(202, verbose_only=False)


@route(bp, "/autoconference/{callId}", ["DELETE"], internal_error=INTERNAL)
def delete_autoconference(req: Request) -> Reply:
    from chalicelib.workflows import autoconference

    # The reference's DELETE lists no userId; given, it must be the requester's.
    v = req.read(UserId(required=False), CALL_ID)
    autoconference.cancel(req.eid, v["userId"], v["callId"])
    return status_ok(200, verbose_only=False)


# -- conference --------------------------------------------------------------------

DURATION = Int("duration", low=1, high=MAX_DURATION_SECONDS)


@route(bp, "/conference", ["POST"], internal_error=INTERNAL, idempotent=True)
def create_conference(req: Request) -> Reply:
    from chalicelib.workflows import conference

    v = req.read(
        USER_ID,
        Int("duration", required=True, low=1, high=MAX_DURATION_SECONDS),
        DestinationByType("destinationType", "destinationValue", required=True, single=True),
        Text("text", required=True, max_len=MAX_TEXT),
        *STATUS_CALLBACK,
    )
    conference_id, call_id = conference.create(
        req.eid,
        v["userId"],
        v["destinationType"][0],
        v["text"],
        v["duration"],
        callback=subscription(v),
    )
    return Reply({"conferenceid": conference_id, "callid": call_id}, 201)


@route(bp, "/conference/{conferenceId}", ["PUT"], internal_error=INTERNAL, idempotent=True)
def add_to_conference(req: Request) -> Reply:
    from chalicelib.workflows import conference

    v = req.read(
        Id("conferenceId"),
        UserId(required=False),
        DURATION,
        DestinationByType(
            "destinationType", "destinationValue", max_items=limits.CONFERENCE_LEGS - 1
        ),
        Text("text", max_len=MAX_TEXT),
    )
    destinations = v["destinationType"] or []
    if not destinations:
        # Each is optional alone: the reference's PUT adds participants, extends, or both.
        req.read(Int("duration", required=True))
    elif v["text"] is None:
        req.read(Text("text", required=True))
    call_ids = conference.add(
        req.eid, v["conferenceId"], v["userId"], destinations, v["text"] or "", v["duration"]
    )
    body: dict = {"callid": call_ids}
    if v["duration"] and output_options(req.variables)[1]:
        body["status"] = f"conference extended by {v['duration']}"  # verbose only
    return Reply(body, 201)
