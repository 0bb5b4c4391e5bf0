"""PynamoDB models, one table each (DESIGN.md "Data"). Only `store/` imports these.

Table names, region and endpoint come from `settings`, read when this module is
first imported; tests and the local runner set the environment before that.
"""
from __future__ import annotations

from pynamodb.attributes import (
    BinaryAttribute,
    BooleanAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
    VersionAttribute,
)
from pynamodb.connection import Connection
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from chalicelib import settings


def _meta(table: str) -> type:
    s = settings.get()

    class Meta:
        table_name = s.table(table)
        region = s.region
        host = s.aws_endpoint_url
        billing_mode = "PAY_PER_REQUEST"
    return Meta


class Enterprise(Model):
    Meta = _meta("Enterprises")
    eid = NumberAttribute(hash_key=True)
    name = UnicodeAttribute()
    # The secret, encrypted with the KMS key named in settings (EncryptionContext eid).
    secret = BinaryAttribute(legacy_encoding=False)
    active = BooleanAttribute(default=True)
    created = NumberAttribute()


class Session(Model):
    Meta = _meta("Sessions")
    # sha256 hex of the session id: the id itself is never stored (RULINGS "Authentication").
    id_hash = UnicodeAttribute(hash_key=True)
    eid = NumberAttribute()
    expires = TTLAttribute()


class PhoneMap(MapAttribute):
    id = NumberAttribute()
    country_code = UnicodeAttribute()
    city_code = UnicodeAttribute(default="")
    digits = UnicodeAttribute()
    phone_type = NumberAttribute()
    carrier_id = NumberAttribute(default=0)
    validation_status = NumberAttribute(default=2)


class WindowMap(MapAttribute):
    """A dnd or call-time exception window as the client gave it (domain.windows.Window)."""
    start_hour = NumberAttribute()
    end_hour = NumberAttribute()
    days = NumberAttribute()
    timezone = NumberAttribute(default=0)


class ExceptionMap(WindowMap):
    """A call-time exception: a window and the id of the number it rings."""
    phone_id = NumberAttribute()


class BlockMap(MapAttribute):
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
    emails = ListAttribute(of=UnicodeAttribute, default=list)
    default_email = UnicodeAttribute()
    phones = ListAttribute(of=PhoneMap, default=list)
    default_phone_id = NumberAttribute()
    sms_phones = ListAttribute(of=PhoneMap, default=list)
    # find-me/follow-me preferences (store/profiles.py)
    default_sms_phone_id = NumberAttribute(null=True)
    hunt_order = ListAttribute(of=NumberAttribute, default=list)
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


class Counter(Model):
    Meta = _meta("Counters")
    name = UnicodeAttribute(hash_key=True)
    value = NumberAttribute(default=0)


ALL_MODELS: tuple[type[Model], ...] = (Enterprise, Session, User, Unique, Counter)


def create_tables() -> None:
    """Create every table that does not exist yet (local runner and tests only;
    deployed stages get their tables from infra/)."""
    for model in ALL_MODELS:
        if not model.exists():
            model.create_table(billing_mode="PAY_PER_REQUEST", wait=True)
    client = Session._get_connection().connection.client
    client.update_time_to_live(
        TableName=Session.Meta.table_name,
        TimeToLiveSpecification={"Enabled": True, "AttributeName": "expires"},
    )


_connection: Connection | None = None


def transaction() -> TransactWrite:
    """A TransactWrite on a lazily made, cached connection (region and endpoint from settings)."""
    global _connection
    if _connection is None:
        s = settings.get()
        _connection = Connection(region=s.region, host=s.aws_endpoint_url)
    return TransactWrite(connection=_connection)
