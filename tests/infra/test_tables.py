"""Tables come from the PynamoDB models: keys, indexes and TTL (no synthesis)."""

from __future__ import annotations

import pytest
from pynamodb.attributes import NumberAttribute, TTLAttribute, UnicodeAttribute
from pynamodb.indexes import (
    AllProjection,
    GlobalSecondaryIndex,
    IncludeProjection,
    LocalSecondaryIndex,
)
from pynamodb.models import Model

from infra.tables import IndexSpec, Key, table_specs


class ByUser(GlobalSecondaryIndex):
    class Meta:
        index_name = "by-user"
        projection = IncludeProjection(["state"])

    user_id = NumberAttribute(hash_key=True)
    kind = UnicodeAttribute(range_key=True)


class ByTime(LocalSecondaryIndex):
    class Meta:
        index_name = "by-time"
        projection = AllProjection()

    call_id = NumberAttribute(hash_key=True)
    created = NumberAttribute(range_key=True)


class Call(Model):
    class Meta:
        table_name = "ocp-x-Calls"

    call_id = NumberAttribute(hash_key=True)
    leg = UnicodeAttribute(range_key=True)
    user_id = NumberAttribute()
    kind = UnicodeAttribute()
    created = NumberAttribute()
    purge_at = TTLAttribute(attr_name="ttl")
    by_user = ByUser()
    by_time = ByTime()


class Plain(Model):
    class Meta:
        table_name = "ocp-x-Plain"

    name = UnicodeAttribute(hash_key=True)


def test_keys_indexes_and_ttl_are_read_off_the_model():
    # Given a model with a range key, a global and a local index and a TTL attribute
    [spec] = table_specs([Call], prefix="ocp-x-")
    # Then its table has all of them, named without the stage prefix
    assert spec.name == "Calls"
    assert spec.hash_key == Key("call_id", "N")
    assert spec.range_key == Key("leg", "S")
    assert spec.global_indexes == (
        IndexSpec("by-user", Key("user_id", "N"), Key("kind", "S"), "INCLUDE", ("state",)),
    )
    assert spec.local_indexes == (
        IndexSpec("by-time", Key("call_id", "N"), Key("created", "N"), "ALL"),
    )
    # The attribute's name in DynamoDB, not the Python one
    assert spec.ttl_attribute == "ttl"


def test_a_plain_model_has_a_hash_key_only():
    [spec] = table_specs([Plain], prefix="ocp-x-")
    assert (spec.range_key, spec.global_indexes, spec.local_indexes, spec.ttl_attribute) == (
        None,
        (),
        (),
        None,
    )


def test_a_table_outside_the_prefix_is_an_error():
    with pytest.raises(ValueError, match="lacks the prefix"):
        table_specs([Plain], prefix="ocp-y-")


def test_the_real_models_have_tables():
    from chalicelib import settings
    from chalicelib.store.models import ALL_MODELS

    specs = {s.name: s for s in table_specs(ALL_MODELS, settings.get().table_prefix)}
    assert {"Enterprises", "Sessions", "Users", "Uniques", "Counters"} <= set(specs)
    assert specs["Sessions"].ttl_attribute == "expires"


def test_every_list_is_served_by_a_key_or_an_index():
    """GET /calls, /blasts, /usage, /alerts (store/listing.py): each page is a Query on
    these keys; none may be a Scan. Blasts' index never projects the terminations (up to
    350 KB) nor the text; Alerts and the usage marks expire."""
    from chalicelib import settings
    from chalicelib.store.models import ALL_MODELS

    specs = {s.name: s for s in table_specs(ALL_MODELS, settings.get().table_prefix)}
    calls = {i.name: i for i in specs["Calls"].global_indexes}["eid-timeScheduled"]
    assert (calls.hash_key.name, calls.range_key.name) == ("eid", "time_scheduled")
    # a page is one Query, no BatchGetItem after it: what call GET prints is projected
    assert calls.projection == "INCLUDE"
    assert {"attempts", "state", "mou", "request"} <= set(calls.non_key_attributes)
    blasts = {i.name: i for i in specs["Blasts"].global_indexes}["eid-blastTime"]
    assert (blasts.hash_key.name, blasts.range_key.name) == ("eid", "blast_time")
    assert blasts.projection == "INCLUDE"
    assert "outcomes" in blasts.non_key_attributes
    assert not {"terminations", "text", "audio"} & set(blasts.non_key_attributes)
    usage, alerts = specs["Usage"], specs["Alerts"]
    assert (usage.hash_key, usage.range_key) == (Key("eid", "N"), Key("bucket", "S"))
    by_user = {i.name: i for i in usage.global_indexes}["eid-userDay"]
    assert (by_user.hash_key.name, by_user.range_key.name) == ("eid", "user_day")
    assert (alerts.hash_key, alerts.range_key) == (Key("eid", "N"), Key("at_id", "S"))
    assert usage.ttl_attribute == alerts.ttl_attribute == "expires"
