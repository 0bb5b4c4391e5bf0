"""PynamoDB models, one table each (DESIGN.md "Data"). Only `store/` imports these.

Table names, region and endpoint come from `settings`, read when this module is
first imported; tests and the local runner set the environment before that.
"""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from pynamodb.attributes import (
    Attribute,
    BinaryAttribute,
    BooleanAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    NumberSetAttribute,
    TTLAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
    VersionAttribute,
)
from pynamodb.connection import Connection
from pynamodb.constants import NUMBER
from pynamodb.indexes import (
    AllProjection,
    GlobalSecondaryIndex,
    IncludeProjection,
    KeysOnlyProjection,
)
from pynamodb.models import MetaProtocol, Model
from pynamodb.transactions import TransactGet, TransactWrite

from chalicelib import settings

if TYPE_CHECKING:
    from chalicelib.domain.subscriptions import Subscription


# The tables whose committed changes become status events and blast counts: their streams
# carry each item's old and new image (store/changes.py reads them; infra/tables.py and
# local/bootstrap.py turn them on).
STREAM_VIEW = "NEW_AND_OLD_IMAGES"


def _meta(table: str, streamed: bool = False) -> MetaProtocol:
    s = settings.get()

    class Meta:
        table_name = s.table(table)
        region = s.region
        host = s.aws_endpoint_url
        billing_mode = "PAY_PER_REQUEST"
        # PynamoDB's defaults (15 s to connect, 30 s to read) outlast API Gateway.
        connect_timeout_seconds = s.aws_connect_timeout_seconds
        read_timeout_seconds = s.aws_read_timeout_seconds
        max_retry_attempts = s.aws_max_attempts - 1  # retries after the first attempt

    if streamed:
        Meta.stream_view_type = STREAM_VIEW  # type: ignore[attr-defined]
    # PynamoDB reads the settings a Meta leaves out with hasattr (capacity units, tags, ...),
    # but its MetaProtocol lists every one of them as required.
    return Meta  # type: ignore[return-value]


class DecimalAttribute(Attribute[Decimal]):
    """A DynamoDB number read back as an exact Decimal (minutes, money), never a float."""

    attr_type = NUMBER

    def serialize(self, value: Decimal) -> str:
        return str(Decimal(value))

    def deserialize(self, value: str) -> Decimal:
        return Decimal(value)


class Enterprise(Model):
    Meta = _meta("Enterprises")
    eid = NumberAttribute(hash_key=True)
    name = UnicodeAttribute()
    # The secret, encrypted with the KMS key named in settings (EncryptionContext eid).
    secret = BinaryAttribute(legacy_encoding=False)
    active = BooleanAttribute(default=True)
    created = NumberAttribute()
    # Status callbacks are signed with these (store/enterprises.py), encrypted like the secret
    # (EncryptionContext eid and purpose "signing"). During a rotation both are valid.
    signing_secret = BinaryAttribute(legacy_encoding=False, null=True)
    previous_signing_secret = BinaryAttribute(legacy_encoding=False, null=True)
    # Bumped by suspend and rotate-secret: a session made under an older epoch has ended.
    session_epoch = NumberAttribute(default=0)
    # The operator's changes to the documented limits, as JSON (domain/tenants.Limits).
    limits = UnicodeAttribute(null=True)


class Session(Model):
    Meta = _meta("Sessions")
    # sha256 hex of the session id: the id itself is never stored (RULINGS "Authentication").
    id_hash = UnicodeAttribute(hash_key=True)
    eid = NumberAttribute()
    expires = TTLAttribute()
    # The enterprise's session_epoch when it was made (none: made before epochs, epoch 0).
    epoch = NumberAttribute(null=True)


class Quota(Model):
    """A counter of one enterprise (store/quotas.py): a daily cap's use ("day#{eid}#{kind}#
    {day}"), its failed sign-ins in a window, its shared request window. Changed only with
    atomic conditional ADDs; each expires once its day or window is long past."""

    Meta = _meta("Quotas")
    name = UnicodeAttribute(hash_key=True)
    value = DecimalAttribute(default=Decimal)  # exact: billed minutes have tenths (0 new)
    window = NumberAttribute(null=True)  # the request window a rate counter counts
    expires = TTLAttribute()


class IdempotentResponse(Model):
    """One Idempotency-Key of one enterprise (store/idempotency.py): claimed before the
    work by a conditional put, then holding the response to replay for 24 hours."""

    Meta = _meta("Idempotency")
    # "{eid}#{key}": one enterprise's key never finds another's response.
    key = UnicodeAttribute(hash_key=True)
    fingerprint = UnicodeAttribute()  # method, route and variables (protocol/idempotency.py)
    token = UnicodeAttribute()  # the claiming request's; only it may record the response
    lease_until = NumberAttribute()  # a pending claim older than this was abandoned
    status = NumberAttribute(null=True)  # set once the response is recorded
    body = UnicodeAttribute(null=True)
    content_type = UnicodeAttribute(null=True)
    expires = TTLAttribute()


class Callback(MapAttribute[str, Any]):
    """A statusCallback subscription (chalicelib/events): where, and which events."""

    url = UnicodeAttribute()
    events = ListAttribute(of=UnicodeAttribute)


def callback_map(subscription: Subscription | None) -> Callback | None:
    """A statusCallback as items keep it."""
    return None if subscription is None else Callback(**subscription.to_map())


class PhoneMap(MapAttribute[str, Any]):
    id = NumberAttribute()
    country_code = UnicodeAttribute()
    city_code = UnicodeAttribute(default="")
    digits = UnicodeAttribute()
    phone_type = NumberAttribute()
    carrier_id = NumberAttribute(default=0)
    validation_status = NumberAttribute(default=2)


class WindowMap(MapAttribute[str, Any]):
    """A dnd or call-time exception window as the client gave it (domain.windows.Window)."""

    start_hour = NumberAttribute()
    end_hour = NumberAttribute()
    days = NumberAttribute()
    timezone = NumberAttribute(default=0)


class ExceptionMap(WindowMap):
    """A call-time exception: a window and the id of the number it rings."""

    phone_id = NumberAttribute()


class BlockMap(MapAttribute[str, Any]):
    """A blacklist entry: type 1 with a userId (types 1 and 2 are stored resolved)
    or type 3 with a number's parts."""

    type = NumberAttribute()
    user_id = NumberAttribute(null=True)
    country_code = UnicodeAttribute(null=True)
    city_code = UnicodeAttribute(null=True)
    digits = UnicodeAttribute(null=True)


class User(Model):
    """The whole find-me/follow-me profile in one item: resolving a user is one read."""

    Meta = _meta("Users")
    user_id = NumberAttribute(hash_key=True)
    first_name = UnicodeAttribute()
    last_name = UnicodeAttribute()
    address1 = UnicodeAttribute(default="")
    address2 = UnicodeAttribute(default="")
    city = UnicodeAttribute(default="")
    state = UnicodeAttribute(default="")
    zip = UnicodeAttribute(default="")
    country = UnicodeAttribute(default="")
    gender = UnicodeAttribute(default="")
    created_by = NumberAttribute()
    # The enterprise the user is exclusive to; absent for users every enterprise sees.
    exclusive_eid = NumberAttribute(null=True)
    # PynamoDB types a list of scalars as a list of their attributes (PynamoDB#1246).
    emails: ListAttribute[str] = ListAttribute(of=UnicodeAttribute, default=list)  # type: ignore[arg-type]
    default_email = UnicodeAttribute()
    phones = ListAttribute(of=PhoneMap, default=list)
    default_phone_id = NumberAttribute()
    sms_phones = ListAttribute(of=PhoneMap, default=list)
    # find-me/follow-me preferences (store/profiles.py)
    default_sms_phone_id = NumberAttribute(null=True)
    hunt_order: ListAttribute[int] = ListAttribute(of=NumberAttribute, default=list)  # type: ignore[arg-type]
    tryall = BooleanAttribute(default=False)
    call_time_exceptions = ListAttribute(of=ExceptionMap, default=list)
    dnd = ListAttribute(of=WindowMap, default=list)
    blacklist = ListAttribute(of=BlockMap, default=list)
    created = NumberAttribute()
    version = VersionAttribute()


class Unique(Model):
    """ "email#addr" / "phone#+e164" -> the user holding it, system-wide."""

    Meta = _meta("Uniques")
    key = UnicodeAttribute(hash_key=True)
    user_id = NumberAttribute()
    # Copied from the user so that visibility checks need no second read.
    exclusive_eid = NumberAttribute(null=True)


class AttemptMap(MapAttribute[str, Any]):
    """One number tried, as call GET prints it (<attempt><number/><result/></attempt>)."""

    key = UnicodeAttribute()  # the dial attempt it belongs to: "{leg}.{n}", "{leg}.all"
    role = UnicodeAttribute()  # the leg's role: destination, origination, ...
    number = UnicodeAttribute()  # as the requester wrote it (Phone.display)
    result = UnicodeAttribute()  # RULINGS "Call vocabulary": Success, Busy, NoAnswer, ...
    at = NumberAttribute()
    # A text (blastsms): the provider's message id, and its receipt's named outcome
    # (chalicelib/messaging: delivered, optedOut, ...) once it has come.
    message_id = UnicodeAttribute(null=True)
    reason = UnicodeAttribute(null=True)


class CallsByUser(GlobalSecondaryIndex["Call"]):
    class Meta:
        index_name = "userId-kind"
        projection = AllProjection()

    user_id = NumberAttribute(hash_key=True)
    kind = UnicodeAttribute(range_key=True)


class Call(Model):
    """A call, autoconference, conference leg or blast recipient and its dialing progress.

    The call API creates the item; the dialer (workflows/dialer.py) is the only writer
    after that (see chalicelib/workflows/README.md)."""

    Meta = _meta("Calls", streamed=True)
    call_id = NumberAttribute(hash_key=True)
    eid = NumberAttribute()  # the requesting enterprise: its mouused is charged
    user_id = NumberAttribute()  # the requesting user
    kind = UnicodeAttribute()  # call, autoconference, conference, blast
    by_user = CallsByUser()
    # The request as the API read it, for GET routes that print it back.
    request: MapAttribute[str, Any] = MapAttribute(default=dict)
    # scheduled, dialing, connected, complete, cancelled, failed
    state = UnicodeAttribute(default="scheduled")
    success = BooleanAttribute(default=False)
    time_scheduled = NumberAttribute()
    time_originated = NumberAttribute(null=True)
    time_completed = NumberAttribute(null=True)
    calling_number = UnicodeAttribute(default="")
    attempts = ListAttribute(of=AttemptMap, default=list)
    # Dial attempt keys the dialer has placed, and attempt keys whose results are
    # recorded: a redelivered message neither dials nor records twice.
    dialed = UnicodeSetAttribute(null=True)
    recorded = UnicodeSetAttribute(null=True)
    seconds = NumberAttribute(null=True)
    mou = DecimalAttribute(null=True)
    schedule_version = NumberAttribute(default=0)
    # A carrier that reports from its own events (telephony/chime; store/rendezvous.py):
    # try-all races by attempt key, and the watch task's token meeting the end of the
    # connected call, whichever comes first.
    race: MapAttribute[str, Any] = MapAttribute(null=True)
    watch_token = UnicodeAttribute(null=True)
    ended_after = NumberAttribute(null=True)  # seconds the connected call lasted
    # A carrier whose calls keep no state of their own (telephony/twilio; store/legs.py):
    # each dial by attempt key, its task token and the stage each of its numbers reached.
    legs: MapAttribute[str, Any] = MapAttribute(null=True)
    callback = Callback(null=True)  # statusCallback: events of this call (chalicelib/events)
    # A blast SMS recipient's receipts that came before its texts were recorded (the
    # provider's callback outran the send's write; store/texts.py hold_receipt), by
    # attempt index: texts.record applies them.
    early: MapAttribute[str, Any] = MapAttribute(null=True)
    # A blast recipient's end has been counted on its Blast (store/recipients.py
    # count_end, from the Calls stream): counted once however often it is read.
    counted = BooleanAttribute(null=True)


class Counter(Model):
    Meta = _meta("Counters")
    name = UnicodeAttribute(hash_key=True)
    value = NumberAttribute(default=0)
    window = NumberAttribute(null=True)  # a rate limiter's current window (store/pacing.py)
    # The pacing board (domain/pacing.py) as JSON; `value` is then its version.
    board = UnicodeAttribute(null=True)


class Account(Model):
    """Currency and minutes of use of one user as one enterprise sees them (RULINGS: kept per
    enterprise and user pair). Changed only with atomic ADD/SET updates."""

    Meta = _meta("Accounts")
    user_id = NumberAttribute(hash_key=True)
    eid = NumberAttribute(range_key=True)
    currency = DecimalAttribute(null=True)
    mou_allowed = DecimalAttribute(null=True)
    mou_used = DecimalAttribute(null=True)


class GroupsByIdIndex(GlobalSecondaryIndex["Group"]):
    """groupId -> owner; read only to tell another user's group (112) from no group (115)."""

    class Meta:
        index_name = "by-group-id"
        projection = KeysOnlyProjection()

    group_id = NumberAttribute(hash_key=True)


class Group(Model):
    """A contact group. Keyed by its owner so that listing a user's groups is a consistent
    query; every request names the userId anyway."""

    Meta = _meta("Groups")
    user_id = NumberAttribute(hash_key=True)
    group_id = NumberAttribute(range_key=True)
    name = UnicodeAttribute()
    # Copied from the owner (it never changes), so visibility needs no read of the user.
    exclusive_eid = NumberAttribute(null=True)
    # Destinations in their wire form ("3:3035551212"): a set, so adding and removing
    # members are atomic ADD/DELETE updates.
    members = UnicodeSetAttribute(null=True)
    by_group_id = GroupsByIdIndex()


class Conference(Model):
    """A conference room (reference "conference POST/PUT"; RULINGS "conference"): reserved for
    `duration` seconds from `started`, extended by PUT; one Calls item (kind "conference") per
    leg. It closes once its reservation has passed and every leg has ended, and then charges
    its moderator the minutes it lasted (store/conferences.py)."""

    Meta = _meta("Conferences", streamed=True)
    conference_id = NumberAttribute(hash_key=True)
    eid = NumberAttribute()  # the requesting enterprise: its mouused is charged
    moderator = NumberAttribute()  # userId
    room = UnicodeAttribute()  # the carrier's reference of the room the legs join
    state = UnicodeAttribute(default="open")  # open, closed
    started = NumberAttribute()
    duration = NumberAttribute()  # seconds reserved from `started`
    calls = NumberSetAttribute(null=True)  # callId of every leg
    legs = NumberAttribute(default=0)  # how many legs were added
    ended_legs = NumberAttribute(default=0)  # how many of them have ended
    # Numbers the reservation's schedule (workflows/schedule.py), moved by each extension.
    schedule_version = NumberAttribute(default=0)
    closed = NumberAttribute(null=True)
    mou = DecimalAttribute(null=True)  # minutes charged to the moderator
    # The carrier's meeting for the room, made when the first leg joins (telephony/chime).
    meeting = UnicodeAttribute(null=True)
    callback = Callback(null=True)  # statusCallback: the conference's and its legs' events


class BlastsByUser(GlobalSecondaryIndex["Blast"]):
    """blast GET without a blastId: a user's blasts of one kind (filtered by enterprise)."""

    class Meta:
        index_name = "userId-kind"
        projection = IncludeProjection(["eid"])

    user_id = NumberAttribute(hash_key=True)
    kind = UnicodeAttribute(range_key=True)


class AudioMap(MapAttribute[str, Any]):
    """Blast audio in the private bucket (media.uploads.StoredAudio)."""

    key = UnicodeAttribute()
    kind = UnicodeAttribute()  # mp3, wma
    name = UnicodeAttribute()  # shown as <audiofile><name>
    size = NumberAttribute()


class Blast(Model):
    """A voice or SMS blast (store/blasts.py). Its recipients' results are Calls items
    `first_call_id + n`, written by the fan-out and the dialer, not this item."""

    Meta = _meta("Blasts", streamed=True)
    blast_id = NumberAttribute(hash_key=True)
    eid = NumberAttribute()
    user_id = NumberAttribute()
    kind = UnicodeAttribute()  # voice, sms
    by_user = BlastsByUser()
    text = UnicodeAttribute(null=True)
    audio = AudioMap(null=True)
    blast_time = NumberAttribute()
    hide_ani = BooleanAttribute(default=False)
    allow_callback = BooleanAttribute(default=True)
    origination = UnicodeAttribute()  # JSON of domain.recipients.Termination
    # zlib-compressed JSON list of Terminations: 10,000 destinations of any kind stay
    # far below DynamoDB's 400 KB item limit, and GET, PUT and firing read one item.
    terminations = BinaryAttribute(legacy_encoding=False)
    recipients = NumberAttribute()
    state = UnicodeAttribute(default="scheduled")  # scheduled, starting, started
    # Bumped by every PUT; the schedule carries it, so a superseded firing is dropped.
    version = NumberAttribute(default=1)
    first_call_id = NumberAttribute(null=True)  # recipient n is Calls item first_call_id + n
    started = NumberAttribute(null=True)
    created = NumberAttribute()
    # Unix time of recipient 0's turn when its carrier paces new calls (workflows/fanout.py)
    paced_from = NumberAttribute(null=True)
    callback = Callback(null=True)  # statusCallback: the blast's and its recipients' events
    # Recipients whose Calls item has ended, and of them those that succeeded: counted
    # only for a blast with a statusCallback, from the Calls stream (store/changes.py),
    # and the count that reaches `recipients` makes the blast's "completed".
    ended = NumberAttribute(null=True)
    succeeded = NumberAttribute(null=True)
    # issue 27: callingWindow, retries, retryInterval, optOutDigit as JSON
    # (domain.compliance.BlastRules); absent for a blast that names none.
    compliance = UnicodeAttribute(null=True)


class Compliance(Model):
    """An enterprise's blast compliance (issue 27; store/donotcall.py), one partition per
    enterprise so that its do-not-call list is one Query, never a Scan:

        "dnc#{e164}"            a number on its do-not-call list: source, added
        "cap#{e164}#{date}"     the blast recipients (callIds) called or texted at a
                                number on the recipient's date (expires two days after)
        "settings"              the operator's settings: window, zone, daily_cap
    """

    Meta = _meta("Compliance")
    eid = NumberAttribute(hash_key=True)
    key = UnicodeAttribute(range_key=True)
    source = UnicodeAttribute(null=True)  # api, sms (STOP), voice (the opt-out digit)
    added = NumberAttribute(null=True)
    ids = NumberSetAttribute(null=True)
    window = UnicodeAttribute(null=True)
    zone = UnicodeAttribute(null=True)
    daily_cap = NumberAttribute(null=True)
    expires = TTLAttribute(null=True)


ALL_MODELS: tuple[type[Model], ...] = (
    Enterprise,
    Session,
    User,
    Unique,
    Counter,
    Account,
    Group,
    Call,
    Conference,
    Blast,
    IdempotentResponse,
    Quota,
    Compliance,
)


def create_tables() -> None:
    """Create every table that does not exist yet (local runner and tests only;
    deployed stages get their tables from infra/)."""
    for model in ALL_MODELS:
        if not model.exists():
            model.create_table(billing_mode="PAY_PER_REQUEST", wait=True)
    client = Session._get_connection().connection.client
    for model in (Session, IdempotentResponse, Quota, Compliance):
        client.update_time_to_live(
            TableName=model.Meta.table_name,
            TimeToLiveSpecification={"Enabled": True, "AttributeName": "expires"},
        )


@lru_cache(maxsize=1)
def _shared_connection() -> Connection:
    """A lazily made connection for transactions, with the models' region and endpoint."""
    s = settings.get()
    return Connection(
        region=s.region,
        host=s.aws_endpoint_url,
        connect_timeout_seconds=s.aws_connect_timeout_seconds,
        read_timeout_seconds=s.aws_read_timeout_seconds,
        max_retry_attempts=s.aws_max_attempts - 1,
    )


def transaction() -> TransactWrite:
    return TransactWrite(connection=_shared_connection())


def transaction_get() -> TransactGet:
    return TransactGet(connection=_shared_connection())
