"""blastvoice and blastsms POST, PUT, GET, DELETE (reference "blastvoice ..." and
"blastsms ..."; RULINGS "Scheduled work", "blastvoice audio", "allowCallback").

POST stores the blast and schedules it (202) or starts it at once (201); the fan-out
(workflows/fanout.py) does the rest. PUT replaces what it names, the destinations as a
whole set, and a variable named `0` removes the audio. GET lists the user's blastIds or
prints one blast, with each recipient's result once it has started. DELETE cancels a
scheduled blast. 307: the blast has fired; 308: this user has no such blast; 304: any
internal failure (the reference's code for these routes).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalice import Blueprint

from chalicelib.api import compliance
from chalicelib.domain import limits
from chalicelib.domain.kinds import EMAIL, SMS, VOICE
from chalicelib.domain.kinds import USER_ID as BY_USER_ID
from chalicelib.domain.numbers import Phone
from chalicelib.errors import Code
from chalicelib.imports import on_first_use
from chalicelib.media import MAX_TEXT
from chalicelib.protocol.params import (
    STATUS_CALLBACK,
    USER_ID,
    AudioFile,
    Destination,
    Destinations,
    Field,
    Flag,
    Id,
    ScheduleTime,
    Text,
    not_given,
    subscription,
)
from chalicelib.protocol.render import NO_CONTENT, Items, Reply, status_ok
from chalicelib.protocol.routes import Request, route
from chalicelib.protocol.shapes import INT, NONE_FOUND, TEXT, Each, Empty, Leaf, Maybe, Returns, ok

if TYPE_CHECKING:
    from chalicelib.domain.recipients import Termination
    from chalicelib.store.blasts import AudioRef, BlastInfo

bp = Blueprint(__name__)
if TYPE_CHECKING:
    from chalicelib.domain import recipients
    from chalicelib.media import uploads
    from chalicelib.store import blasts, users
    from chalicelib.store import recipients as recipient_calls
    from chalicelib.workflows import fanout, spend
else:
    users = on_first_use("chalicelib.store.users")  # with PynamoDB: not at cold start
    recipients = on_first_use("chalicelib.domain.recipients")  # only the views use it
    # The dialing, the carrier port, the blast store: every Lambda cold start imports every
    # route module, and only these views need them.
    fanout = on_first_use("chalicelib.workflows.fanout")
    spend = on_first_use("chalicelib.workflows.spend")
    blasts = on_first_use("chalicelib.store.blasts")
    recipient_calls = on_first_use("chalicelib.store.recipients")
    uploads = on_first_use("chalicelib.media.uploads")


# A text is at most 1,600 bytes (domain/limits.py; fanout.check_text counts the bytes),
# so at most 1,600 characters.
MAX_SMS_TEXT = limits.SMS_TEXT_BYTES

BLAST_ID = Id("blastId", code=Code.NO_SUCH_BLAST, doc="As blast POST returned it.")
TIME = ScheduleTime("time", doc="When to send (Unix time); none, or one not in the future: now.")
AUDIO_FILE = AudioFile("audioFile")
# The key of a presigned upload (POST /audioupload): an addition to the reference.
AUDIO_KEY = Text(
    "audioKey", max_len=300, doc="The `key` of a POST /audioupload form, once uploaded."
).but(addition="Audio uploaded to S3 with a presigned form (POST /audioupload).")
URL = Text("url", max_len=2048, doc="An http(s) address of an mp3 or wma file, fetched once.")
AUDIO_NAMES = ("audioFile", "audioKey", "url")


def origination(*, required: bool) -> Field:
    return Destination(
        "origination",
        required=required,
        bad_type_code=Code.BAD_ORIGINATION,
        doc="Who sends the blast: one `type:value` pair (1 userId, 2 email, 3 phone).",
    )


def destinations(*, required: bool) -> Field:
    return Destinations(
        "destination",
        required=required,
        bad_type_code=Code.BAD_TERMINATION,
        doc="The recipients: `type:value` pairs, comma-separated (1 userId, 2 email, 3 phone).",
    )


HIDE_ANI = "1: recipients do not see the origination's number."
ALLOW_CALLBACK = "1: a recipient may press 1 to be connected to the originator; 0: not."
# 106 no such requesting user, 922 a destination or origination names nobody visible, 902
# and 903 audio that is not mp3/wma or too large, 903 too many destinations.
# 118 a daily cap of the enterprise reached, 119 a phone outside its countries.
CREATE_ERRORS = (
    Code.NO_SUCH_USER,
    Code.INVALID_VALUE,
    Code.BAD_LENGTH,
    Code.INVALID_USER_ID,
    Code.DAILY_LIMIT,
    Code.COUNTRY_NOT_ALLOWED,
)
# PUT also: 307 it has fired, 308 no such blast of this user, 900 removing the audio of
# a blast without text.
CHANGE_ERRORS = (*CREATE_ERRORS, Code.ALREADY_STARTED, Code.NO_SUCH_BLAST, Code.REQUIRED)
CREATED = (
    Returns(201, {"blastid": INT}, "Started now (no time, or one not in the future)."),
    Returns(202, {"blastid": INT}, "Scheduled for its time."),
)
PAIR = {"type": Leaf(INT, "1 userId, 2 email, 3 phone."), "value": Leaf((INT, TEXT))}
# issue 27: results a recipient may end with, added to RULINGS "Call vocabulary".
COMPLIANCE_RESULTS = (
    " Additions: DoNotCall (on the do-not-call list: not dialled or texted), OptedOut "
    "(pressed the optOutDigit), Capped (over the daily frequency cap for 7 days), "
    "OutsideCallingHours (its calling window did not open within 7 days)."
)
# An SMS attempt's receipt (docs/sms.md "Results"): additions to the 2008 body.
SMS_RESULT = Leaf(
    TEXT,
    "Addition: Sent while the text's delivery receipt is awaited; then Success (delivered) "
    "or Failed, or DND / Blacklisted (not texted)." + COMPLIANCE_RESULTS,
)
SMS_REASON = Maybe(
    Leaf(
        TEXT,
        enum=("invalid", "unreachable", "blocked", "optedOut", "expired", "rejected", "unknown"),
    ),
    "Addition, on a text that failed: why, as its receipt said: invalid, unreachable, "
    "blocked, optedOut (replied STOP: not texted), expired, rejected, or unknown (no "
    "receipt within 72 h).",
)


def recipient(result: Any, **more: Any) -> dict:
    return {
        **PAIR,
        "callId": Maybe(INT, "Once the blast has started."),
        "currentState": Maybe(TEXT, "Once the blast has started."),
        # issue 27
        "notBefore": Maybe(
            INT,
            "Addition: a recipient waiting for its calling window (currentState "
            "scheduled): the Unix time it opens.",
        ),
        "success": Maybe(INT, "Once the blast has started."),
        "attempts": Maybe(
            Each("attempt", {"number": TEXT, "result": result, **more}),
            "Once the blast has started.",
        ),
    }


RECIPIENT = recipient(
    Leaf(TEXT, "Success, Busy, NoAnswer, Machine, Failed, DND, ..." + COMPLIANCE_RESULTS)
)
SMS_BODY = {
    "blastTime": INT,
    "announcementText": Empty(TEXT),
    "origination": PAIR,
    "terminations": Each("termination", recipient(SMS_RESULT, reason=SMS_REASON)),
    "currentState": Maybe(Leaf(TEXT, enum=("started", "complete")), "Once it has started."),
}
VOICE_BODY = {
    "allowCallback": INT,
    "hideAni": INT,
    "blastTime": INT,
    "announcementText": Empty(TEXT),
    "audiofile": Empty({"url": TEXT, "name": TEXT}),
    **{k: v for k, v in SMS_BODY.items() if k not in ("blastTime", "announcementText")},
    "terminations": Each("termination", RECIPIENT),
}
BLAST_IDS = Returns(200, {"blastIds": Each("blastId", INT)}, "Without a blastId: the user's.")
GET_VARIABLES = (USER_ID, BLAST_ID.but(required=False, doc="One blast."))


# -- blastvoice ------------------------------------------------------------------------------


@route(
    bp,
    "/blastVoice",
    ["POST"],
    variables=(
        USER_ID,
        origination(required=True),
        destinations(required=True),
        Text(
            "text",
            required=not_given(*AUDIO_NAMES),
            max_len=MAX_TEXT,
            doc="Spoken to each recipient (by Polly), unless audio is given.",
        ),
        TIME,
        Flag("hideAni", doc=HIDE_ANI),
        Flag("allowCallback", default=1, doc=ALLOW_CALLBACK),
        AUDIO_FILE,
        AUDIO_KEY,
        URL,
        *STATUS_CALLBACK,
        *compliance.VOICE_VARIABLES,  # issue 27
    ),
    internal_error=Code.CALL_WRITE_FAILED,
    errors=(*CREATE_ERRORS, *compliance.ERRORS),
    returns=CREATED,
    summary="Call a list of recipients with an announcement",
    idempotent=True,
)
def create_voice(req: Request) -> Reply:
    v = req.values
    _check_users(req.eid, v)
    blast_id, scheduled = fanout.create(
        req.eid,
        v["userId"],
        VOICE,
        when=v["time"],
        text=v["text"],
        audio=_audio(req.eid, v),
        hide_ani=bool(v["hideAni"]),
        allow_callback=bool(v["allowCallback"]),
        origination=_termination(v["origination"]),
        terminations=_terminations(v["destination"]),
        callback=subscription(v),
        compliance=compliance.rules_of(v),  # issue 27
    )
    return Reply({"blastid": blast_id}, 202 if scheduled else 201)


@route(
    bp,
    "/blastVoice/{blastId}",
    ["PUT"],
    variables=(
        USER_ID,
        BLAST_ID,
        origination(required=False),
        destinations(required=False),
        Text("text", max_len=MAX_TEXT),
        TIME,
        Flag("hideAni", default=None, doc=HIDE_ANI),
        Flag("allowCallback", default=None, doc=ALLOW_CALLBACK),
        AUDIO_FILE,
        AUDIO_KEY,
        URL,
        *compliance.VOICE_VARIABLES,  # issue 27
    ),
    internal_error=Code.CALL_WRITE_FAILED,
    errors=(*CHANGE_ERRORS, *compliance.ERRORS),
    returns=(ok(200, verbose_only=False),),
    summary="Change a scheduled voice blast (a variable named 0 removes its audio)",
    idempotent=True,
)
def change_voice(req: Request) -> Reply:
    v = req.values
    _check_users(req.eid, v)
    changes = _rules_changes(req, VOICE, _changes(v))
    for name, field in (("hideAni", "hide_ani"), ("allowCallback", "allow_callback")):
        if v[name] is not None:
            changes[field] = bool(v[name])
    audio = _audio(req.eid, v)
    if audio is not None:
        changes["audio"] = audio
    elif req.variables.has("0"):
        changes["audio"] = None
    fanout.change(req.eid, v["userId"], VOICE, v["blastId"], changes)
    return status_ok(200, verbose_only=False)


@route(
    bp,
    "/blastVoice",
    ["GET"],
    variables=GET_VARIABLES,
    internal_error=Code.CALL_WRITE_FAILED,
    errors=(Code.NO_SUCH_USER, Code.ALREADY_STARTED, Code.NO_SUCH_BLAST),
    returns=(BLAST_IDS, Returns(200, VOICE_BODY, "With a blastId."), NONE_FOUND),
    summary="A user's voice blasts, or one",
)
@route(
    bp,
    "/blastVoice/{blastId}",
    ["GET"],
    variables=(USER_ID, BLAST_ID),
    internal_error=Code.CALL_WRITE_FAILED,
    errors=(Code.NO_SUCH_USER, Code.ALREADY_STARTED, Code.NO_SUCH_BLAST),
    returns=(Returns(200, VOICE_BODY),),
    summary="A voice blast and its recipients' results",
)
def get_voice(req: Request) -> Reply:
    return _get(req, VOICE)


@route(
    bp,
    "/blastVoice/{blastId}",
    ["DELETE"],
    variables=(USER_ID, BLAST_ID),
    internal_error=Code.CALL_WRITE_FAILED,
    errors=(Code.ALREADY_STARTED, Code.NO_SUCH_BLAST),
    returns=(ok(200, verbose_only=False),),
    summary="Cancel a scheduled voice blast",
)
def delete_voice(req: Request) -> Reply:
    return _delete(req, VOICE)


# -- blastsms ---------------------------------------------------------------------------------


SMS_TEXT = "The text, at most 1,600 bytes in UTF-8."


@route(
    bp,
    "/blastsms",
    ["POST"],
    variables=(
        USER_ID,
        origination(required=True),
        destinations(required=True),
        Text("text", required=True, max_len=MAX_SMS_TEXT, doc=SMS_TEXT),
        TIME,
        *STATUS_CALLBACK,
        *compliance.SMS_VARIABLES,  # issue 27
    ),
    internal_error=Code.CALL_WRITE_FAILED,
    errors=(*CREATE_ERRORS, *compliance.ERRORS),
    returns=CREATED,
    summary="Text a list of recipients",
    idempotent=True,
)
def create_sms(req: Request) -> Reply:
    v = req.values
    _check_users(req.eid, v)
    blast_id, scheduled = fanout.create(
        req.eid,
        v["userId"],
        SMS,
        when=v["time"],
        text=v["text"],
        audio=None,
        hide_ani=False,
        allow_callback=False,
        origination=_termination(v["origination"]),
        terminations=_terminations(v["destination"]),
        callback=subscription(v),
        compliance=compliance.rules_of(v),  # issue 27
    )
    return Reply({"blastid": blast_id}, 202 if scheduled else 201)


@route(
    bp,
    "/blastsms/{blastId}",
    ["PUT"],
    variables=(
        USER_ID,
        BLAST_ID,
        origination(required=False),
        destinations(required=False),
        Text("text", max_len=MAX_SMS_TEXT, doc=SMS_TEXT),
        TIME,
        *compliance.SMS_VARIABLES,  # issue 27
    ),
    internal_error=Code.CALL_WRITE_FAILED,
    errors=(
        Code.NO_SUCH_USER,
        Code.ALREADY_STARTED,
        Code.NO_SUCH_BLAST,
        Code.BAD_LENGTH,
        Code.INVALID_USER_ID,
        *compliance.ERRORS,
    ),
    returns=(ok(200, verbose_only=False),),
    summary="Change a scheduled SMS blast",
    idempotent=True,
)
def change_sms(req: Request) -> Reply:
    v = req.values
    _check_users(req.eid, v)
    fanout.change(req.eid, v["userId"], SMS, v["blastId"], _rules_changes(req, SMS, _changes(v)))
    return status_ok(200, verbose_only=False)


@route(
    bp,
    "/blastsms",
    ["GET"],
    variables=GET_VARIABLES,
    internal_error=Code.CALL_WRITE_FAILED,
    errors=(Code.NO_SUCH_USER, Code.ALREADY_STARTED, Code.NO_SUCH_BLAST),
    returns=(BLAST_IDS, Returns(200, SMS_BODY, "With a blastId."), NONE_FOUND),
    summary="A user's SMS blasts, or one",
)
@route(
    bp,
    "/blastsms/{blastId}",
    ["GET"],
    variables=(USER_ID, BLAST_ID),
    internal_error=Code.CALL_WRITE_FAILED,
    errors=(Code.NO_SUCH_USER, Code.ALREADY_STARTED, Code.NO_SUCH_BLAST),
    returns=(Returns(200, SMS_BODY),),
    summary="An SMS blast and its recipients' results",
)
def get_sms(req: Request) -> Reply:
    return _get(req, SMS)


@route(
    bp,
    "/blastsms/{blastId}",
    ["DELETE"],
    variables=(USER_ID, BLAST_ID),
    internal_error=Code.CALL_WRITE_FAILED,
    errors=(Code.ALREADY_STARTED, Code.NO_SUCH_BLAST),
    returns=(ok(200, verbose_only=False),),
    summary="Cancel a scheduled SMS blast",
)
def delete_sms(req: Request) -> Reply:
    return _delete(req, SMS)


# -- shared -------------------------------------------------------------------------------------


def _get(req: Request, kind: str) -> Reply:
    v = req.values
    if v["blastId"] is None:
        found = blasts.ids_of(req.eid, v["userId"], kind)
        return Reply({"blastIds": Items("blastId", found)}) if found else NO_CONTENT
    blast = blasts.get(v["blastId"], req.eid, v["userId"], kind)
    return Reply(body(blast, recipient_calls.results(blast)))


def _delete(req: Request, kind: str) -> Reply:
    v = req.values
    fanout.remove(req.eid, v["userId"], kind, v["blastId"])
    return status_ok(200, verbose_only=False)


def _check_users(eid: int, v: dict[str, Any]) -> None:
    """903 for more destinations than one blast of the enterprise may have, and 119 for a
    phone outside its countries, before anything is read (a 1 MB form names 130,000);
    then 106 for a requesting user the enterprise does not see, 922 for each destination
    or origination naming such a user (RULINGS "Destinations")."""
    if v.get("destination") is not None:
        distinct = _terminations(v["destination"])
        fanout.check_recipients(distinct, most=spend.recipients_cap(eid))
        for term in distinct:
            if isinstance(term.value, Phone):  # a type 3 destination
                spend.check_phone(eid, term.value, "destination")
    users.get(v["userId"], eid)
    for name in ("origination", "destination"):
        named = v.get(name)
        named = [named] if named is not None and not isinstance(named, list) else named or []
        refs = [d.value for d in named if d.type in (BY_USER_ID, EMAIL)]
        if refs:
            users.require_visible(eid, refs, name=name)


def _audio(eid: int, v: dict[str, Any]) -> AudioRef | None:
    """The blast's audio, stored privately: a multipart audioFile, a presigned upload's
    key, or a copy of what `url` serves (the first of these given)."""
    if v["audioFile"] is not None:
        stored = uploads.store(eid, v["audioFile"])
    elif v["audioKey"]:
        stored = uploads.claim(eid, v["audioKey"])
    elif v["url"]:
        stored = uploads.store_from_url(eid, v["url"])
    else:
        return None
    return blasts.AudioRef(stored.key, stored.kind, stored.name, stored.size)


def _changes(v: dict[str, Any]) -> dict[str, Any]:
    """What a PUT names of the fields both kinds have."""
    changes: dict[str, Any] = {}
    if v["origination"] is not None:
        changes["origination"] = _termination(v["origination"])
    if v["destination"] is not None:
        changes["terminations"] = _terminations(v["destination"])
    if v["text"] is not None:
        changes["text"] = v["text"]
    if v["time"] is not None:
        changes["blast_time"] = v["time"]
    return changes


def _rules_changes(req: Request, kind: str, changes: dict[str, Any]) -> dict[str, Any]:
    """issue 27: the compliance variables a PUT names, over the blast's own."""
    v = req.values
    if any(v.get(n) is not None for n in compliance.NAMES):
        current = blasts.get(v["blastId"], req.eid, v["userId"], kind)
        changes["compliance"] = compliance.rules_of(v, current.compliance)
    return changes


def _termination(d: Any) -> Termination:
    return recipients.Termination(d.type, d.value)


def _terminations(found: list) -> list[Termination]:
    """A destination named twice is one recipient."""
    return list(dict.fromkeys(_termination(d) for d in found))


def body(blast: BlastInfo, results: list) -> dict[str, Any]:
    """blast GET: the reference's body; once the blast has started, each termination also
    shows its recipient's callId, state and attempts, and the blast its state."""
    out: dict[str, Any] = {}
    if blast.kind == VOICE:
        out["allowCallback"] = int(blast.allow_callback)
        out["hideAni"] = int(blast.hide_ani)
    out["blastTime"] = blast.blast_time
    out["announcementText"] = blast.text
    if blast.kind == VOICE:
        audio = blast.audio
        out["audiofile"] = (
            None
            if audio is None
            else {
                "url": uploads.StoredAudio(audio.key, audio.kind, audio.name, audio.size).url(),
                "name": audio.name,
            }
        )
    out["origination"] = _pair(blast.origination)
    started = blast.first_call_id is not None
    out["terminations"] = Items(
        "termination",
        [
            {**_pair(t), **(_result(blast.call_id(n), results[n]) if started else {})}
            for n, t in enumerate(blast.terminations)
        ],
    )
    if started:
        done = all(r is not None and r.done for r in results)
        out["currentState"] = "complete" if done else "started"
    return out


def _reason(why: str | None) -> dict[str, str]:
    """A failed text's receipt outcome (an addition); a delivered one's is its Success."""
    return {"reason": why} if why and why != "delivered" else {}


def _pair(term: Termination) -> dict[str, Any]:
    return {"type": term.type, "value": term.label}


def _result(call_id: int, status: Any) -> dict[str, Any]:
    if status is not None and status.state == "scheduled" and status.not_before:
        # issue 27: waiting for its calling window
        return {
            "callId": call_id,
            "currentState": "scheduled",
            "notBefore": status.not_before,
            "success": 0,
            "attempts": Items("attempt", []),
        }
    if status is None:
        return {
            "callId": call_id,
            "currentState": "scheduled",
            "success": 0,
            "attempts": Items("attempt", []),
        }
    return {
        "callId": call_id,
        "currentState": status.state,
        "success": int(status.success),
        "attempts": Items(
            "attempt",
            [
                {"number": number, "result": result, **_reason(why)}
                for (number, result), why in zip(
                    status.attempts, status.reasons or (None,) * len(status.attempts), strict=True
                )
            ],
        ),
    }
