"""autoconference POST, GET, PUT, DELETE and conference POST, PUT.

An unexpected failure in these routes is the reference's 304 ("Internal error: SQL
execution failed"), not 105. The work behind them is imported on first use: a cold start
for any other route does not pay for the dialing and scheduling modules.
"""

from typing import TYPE_CHECKING

from chalice import Blueprint

from chalicelib.domain import limits
from chalicelib.errors import Code
from chalicelib.imports import on_first_use
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
    given,
    not_given,
    output_options,
    sent,
    subscription,
)
from chalicelib.protocol.render import NO_CONTENT, Items, Reply, status_ok
from chalicelib.protocol.routes import Request, route
from chalicelib.protocol.shapes import INT, NONE_FOUND, TEXT, Each, Leaf, Many, Maybe, Returns, ok
from chalicelib.protocol.types import USER_ID as BY_USER_ID
from chalicelib.protocol.types import Destination as Dest

bp = Blueprint(__name__)
if TYPE_CHECKING:
    from chalicelib.store import autoconferences
    from chalicelib.workflows import autoconference, conference
else:
    autoconference = on_first_use("chalicelib.workflows.autoconference")
    autoconferences = on_first_use("chalicelib.store.autoconferences")
    conference = on_first_use("chalicelib.workflows.conference")

INTERNAL = Code.CALL_WRITE_FAILED
CALL_ID = Id("callId", doc="As autoconference POST returned it.")
# A reservation (or an extension) of up to a day at a time.
MAX_DURATION_SECONDS = 86400


def _autoconference_fields(*, required: bool) -> list:
    return [
        Termination("phoneNumber", required=required, doc="The conference bridge's number."),
        Dtmf("pin", doc="Touch tones sent once the bridge answers (0-9, # and *)."),
        Destination(
            "origination",
            bad_type_code=Code.BAD_ORIGINATION,
            doc="Who to connect to the bridge, one `type:value` pair (default: the user).",
        ),
        Text("text", max_len=MAX_TEXT, doc="Spoken before connecting."),
        Flag("disableAMD", default=None, doc="1: no answering-machine detection."),
    ]


ORIGINATION = {
    "type": Leaf(INT, "1 userId, 2 email, 3 phone."),
    "value": Leaf((INT, TEXT), "The userId, email or phone number."),
}
AUTOCONFERENCE = {
    "conferenceNumber": TEXT,
    "conferencePin": TEXT,
    "conferenceTime": INT,
    "announcementText": TEXT,
    "origination": ORIGINATION,
}
STARTED = Returns(201, {"callId": INT}, "Started now (no time, or one not in the future).")
SCHEDULED = Returns(202, {"callId": INT}, "Scheduled for its time.")


# -- autoconference ----------------------------------------------------------------


@route(
    bp,
    "/autoconference",
    ["POST"],
    variables=(
        USER_ID,
        *_autoconference_fields(required=True),
        ScheduleTime("conferenceTime", doc="When to dial (Unix time); none or 0: now."),
        *STATUS_CALLBACK,
    ),
    internal_error=INTERNAL,
    errors=(Code.NO_SUCH_USER, Code.INVALID_USER_ID, Code.DAILY_LIMIT, Code.COUNTRY_NOT_ALLOWED),
    returns=(STARTED, SCHEDULED),
    summary="Dial into a conference bridge, now or at a time",
    idempotent=True,
)
def create_autoconference(req: Request) -> Reply:
    v = req.values
    # The user is dialed; an origination names someone else (or a number) to dial instead.
    origination = v["origination"] or Dest(BY_USER_ID, v["userId"])
    call_id, started = autoconference.create(
        req.eid,
        v["userId"],
        autoconferences.Autoconference(
            number=v["phoneNumber"],
            pin=v["pin"] or "",
            text=v["text"] or "",
            origination=origination,
            time=v["conferenceTime"] or 0,
            disable_amd=bool(v["disableAMD"]),
        ),
        callback=subscription(v),
    )
    return Reply({"callId": call_id}, 201 if started else 202)


LISTED = Returns(200, {"callIds": Each("callId", INT)}, "Without a callId: the user's.")
ONE = Returns(200, AUTOCONFERENCE, "With a callId.")


@route(
    bp,
    "/autoconference",
    ["GET"],
    variables=(USER_ID, CALL_ID.but(when=sent("callId"), doc="One autoconference.")),
    internal_error=INTERNAL,
    errors=(Code.NO_SUCH_USER, Code.NO_SUCH_CONFERENCE, Code.CORRUPTED_REQUEST),
    returns=(LISTED, ONE, NONE_FOUND),
    summary="A user's autoconferences, or one",
)
@route(
    bp,
    "/autoconference/{callId}",
    ["GET"],
    variables=(USER_ID, CALL_ID),
    internal_error=INTERNAL,
    errors=(Code.NO_SUCH_CONFERENCE, Code.CORRUPTED_REQUEST),
    returns=(ONE,),
    summary="An autoconference",
)
def get_autoconferences(req: Request) -> Reply:
    v = req.values
    if not req.variables.has("callId"):
        found = autoconferences.list_ids(req.eid, v["userId"])
        return Reply({"callIds": Items("callId", found)}) if found else NO_CONTENT
    c = autoconferences.get(v["callId"], req.eid, v["userId"]).conference
    return Reply(
        {
            "conferenceNumber": c.number.display,
            "conferencePin": c.pin,
            "conferenceTime": c.time,
            "announcementText": c.text,
            "origination": {"type": c.origination.type, "value": c.origination.label},
        }
    )


@route(
    bp,
    "/autoconference/{callId}",
    ["PUT"],
    variables=(
        USER_ID,
        CALL_ID,
        *_autoconference_fields(required=False),
        ScheduleTime("time", doc="The new time; none, or one not in the future: now."),
        ScheduleTime(
            "conferenceTime", doc="POST's name for `time`, read when `time` is not given."
        ),
    ),
    internal_error=INTERNAL,
    errors=(
        Code.NO_SUCH_CONFERENCE,
        Code.CORRUPTED_REQUEST,
        Code.INVALID_USER_ID,
        Code.COUNTRY_NOT_ALLOWED,
    ),
    returns=(ok(202, verbose_only=False),),
    summary="Change a scheduled autoconference (304 once it has fired)",
    idempotent=True,
)
def change_autoconference(req: Request) -> Reply:
    v = req.values
    # Only what is given changes; `time` as the reference says: none means now. POST's
    # name for it, conferenceTime, is read too.
    changes = {
        name: value
        for name, value in (
            ("number", v["phoneNumber"]),
            ("pin", v["pin"]),
            ("text", v["text"]),
            ("origination", v["origination"]),
            ("disable_amd", None if v["disableAMD"] is None else bool(v["disableAMD"])),
        )
        if value is not None
    }
    when = v["time"] if v["time"] is not None else v["conferenceTime"]
    autoconference.change(req.eid, v["userId"], v["callId"], changes, when)
    return status_ok(202, verbose_only=False)


# The reference's DELETE lists no userId; given, it must be the requester's.
@route(
    bp,
    "/autoconference/{callId}",
    ["DELETE"],
    variables=(UserId(required=False, doc="If given, the user who scheduled it."), CALL_ID),
    internal_error=INTERNAL,
    errors=(Code.NO_SUCH_CONFERENCE,),
    returns=(ok(200, verbose_only=False),),
    summary="Cancel a scheduled autoconference (304 once it has fired)",
)
def delete_autoconference(req: Request) -> Reply:
    v = req.values
    autoconference.cancel(req.eid, v["userId"], v["callId"])
    return status_ok(200, verbose_only=False)


# -- conference --------------------------------------------------------------------

DURATION = Int("duration", low=1, high=MAX_DURATION_SECONDS, doc="Seconds to reserve the room for.")
# conference PUT adds participants, extends, or both: each is optional alone.
PARTICIPANTS = ("destinationType", "destinationValue")


@route(
    bp,
    "/conference",
    ["POST"],
    variables=(
        USER_ID,
        DURATION.but(required=True),
        DestinationByType("destinationType", "destinationValue", required=True, single=True),
        Text("text", required=True, max_len=MAX_TEXT, doc="Spoken to the moderator."),
        *STATUS_CALLBACK,
    ),
    internal_error=INTERNAL,
    errors=(
        Code.NO_SUCH_USER,
        Code.BLACKLISTED_ORIGINATION,
        Code.INVALID_USER_ID,
        Code.DAILY_LIMIT,
        Code.COUNTRY_NOT_ALLOWED,
    ),
    returns=(Returns(201, {"conferenceid": INT, "callid": INT}),),
    summary="Open a conference room and call its moderator",
    idempotent=True,
)
def create_conference(req: Request) -> Reply:
    v = req.values
    conference_id, call_id = conference.create(
        req.eid,
        v["userId"],
        v["destinationType"][0],
        v["text"],
        v["duration"],
        callback=subscription(v),
    )
    return Reply({"conferenceid": conference_id, "callid": call_id}, 201)


@route(
    bp,
    "/conference/{conferenceId}",
    ["PUT"],
    variables=(
        Id("conferenceId", doc="As conference POST returned it."),
        UserId(required=False, doc="If given, the conference's moderator."),
        DURATION.but(required=not_given(*PARTICIPANTS), doc="Seconds to extend by."),
        DestinationByType(*PARTICIPANTS, max_items=limits.CONFERENCE_LEGS - 1),
        Text(
            "text",
            required=given(*PARTICIPANTS),
            max_len=MAX_TEXT,
            doc="Spoken to each new participant.",
        ),
    ),
    internal_error=INTERNAL,
    errors=(
        Code.FULL,
        Code.BLACKLISTED_ORIGINATION,
        Code.NO_SUCH_CONFERENCE,
        Code.CONFERENCE_NOT_EXTENDABLE,
        Code.INVALID_USER_ID,
        Code.DAILY_LIMIT,
        Code.COUNTRY_NOT_ALLOWED,
    ),
    returns=(
        Returns(
            201,
            {
                "callid": Many(INT),
                "status": Maybe(TEXT, "With verbose=1 and a duration: what was extended."),
            },
        ),
    ),
    summary="Add participants to a conference and/or extend it",
    idempotent=True,
)
def add_to_conference(req: Request) -> Reply:
    v = req.values
    destinations = v["destinationType"] or []
    call_ids = conference.add(
        req.eid, v["conferenceId"], v["userId"], destinations, v["text"] or "", v["duration"]
    )
    body: dict = {"callid": call_ids}
    if v["duration"] and output_options(req.variables)[1]:
        body["status"] = f"conference extended by {v['duration']}"  # verbose only
    return Reply(body, 201)
