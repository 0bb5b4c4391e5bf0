"""DynamoDB tables derived from the PynamoDB models (`store.models.ALL_MODELS`).

A model added to ALL_MODELS gets its table here with no change to infra: keys,
secondary indexes, TTL and the stream (its Meta's `stream_view_type`) come from the
model itself, as `create_table` would make them locally.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pynamodb.attributes import TTLAttribute

from infra.stage import Stage


@dataclass(frozen=True)
class Key:
    name: str
    type: str  # S, N or B


@dataclass(frozen=True)
class IndexSpec:
    name: str
    hash_key: Key
    range_key: Key | None
    projection: str
    non_key_attributes: tuple[str, ...] = ()


@dataclass(frozen=True)
class TableSpec:
    name: str  # without the stage prefix: "Users"
    hash_key: Key
    range_key: Key | None
    global_indexes: tuple[IndexSpec, ...]
    local_indexes: tuple[IndexSpec, ...]
    ttl_attribute: str | None
    stream_view_type: str | None = None  # the table's stream, if its changes are read


def table_specs(models: Iterable[Any], prefix: str) -> list[TableSpec]:
    """What each model's table needs. `prefix` is what settings put before every
    table name when the models were imported (it is stripped off)."""
    specs = []
    for model in models:
        table_name = model.Meta.table_name
        if not table_name.startswith(prefix):
            raise ValueError(f"{model.__name__}: table {table_name!r} lacks the prefix {prefix!r}")
        schema = model._get_schema()
        types = {d["AttributeName"]: d["AttributeType"] for d in schema["attribute_definitions"]}
        for index in schema["global_secondary_indexes"] + schema["local_secondary_indexes"]:
            types.update(
                {d["AttributeName"]: d["AttributeType"] for d in index["attribute_definitions"]}
            )
        hash_key, range_key = _keys(schema["key_schema"], types)
        ttl = [a.attr_name for a in model.get_attributes().values() if isinstance(a, TTLAttribute)]
        if len(ttl) > 1:
            raise ValueError(f"{model.__name__}: DynamoDB allows one TTL attribute, found {ttl}")
        specs.append(
            TableSpec(
                name=table_name[len(prefix) :],
                hash_key=hash_key,
                range_key=range_key,
                global_indexes=tuple(_index(i, types) for i in schema["global_secondary_indexes"]),
                local_indexes=tuple(_index(i, types) for i in schema["local_secondary_indexes"]),
                ttl_attribute=ttl[0] if ttl else None,
                stream_view_type=getattr(model.Meta, "stream_view_type", None),
            )
        )
    return specs


def _keys(key_schema: list[dict], types: dict[str, str]) -> tuple[Key, Key | None]:
    by_type = {k["KeyType"]: Key(k["AttributeName"], types[k["AttributeName"]]) for k in key_schema}
    return by_type["HASH"], by_type.get("RANGE")


def _index(index: dict, types: dict[str, str]) -> IndexSpec:
    hash_key, range_key = _keys(index["key_schema"], types)
    projection = index["projection"]
    return IndexSpec(
        name=index["index_name"],
        hash_key=hash_key,
        range_key=range_key,
        projection=projection["ProjectionType"],
        non_key_attributes=tuple(projection.get("NonKeyAttributes", ())),
    )


def define_tables(scope: Any, stage: Stage, specs: list[TableSpec]) -> dict[str, Any]:
    """On-demand, point-in-time recovery, TTL where the model has one; prod tables
    have deletion protection and outlive the stack."""
    from aws_cdk import RemovalPolicy
    from aws_cdk import aws_dynamodb as dynamodb

    types = {
        "S": dynamodb.AttributeType.STRING,
        "N": dynamodb.AttributeType.NUMBER,
        "B": dynamodb.AttributeType.BINARY,
    }
    projections = {
        "ALL": dynamodb.ProjectionType.ALL,
        "KEYS_ONLY": dynamodb.ProjectionType.KEYS_ONLY,
        "INCLUDE": dynamodb.ProjectionType.INCLUDE,
    }

    def attribute(key: Key) -> Any:
        return dynamodb.Attribute(name=key.name, type=types[key.type])

    tables = {}
    for spec in specs:
        table = dynamodb.Table(
            scope,
            f"{spec.name}Table",
            table_name=f"{stage.table_prefix}{spec.name}",
            partition_key=attribute(spec.hash_key),
            sort_key=attribute(spec.range_key) if spec.range_key else None,
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            time_to_live_attribute=spec.ttl_attribute,
            stream=dynamodb.StreamViewType(spec.stream_view_type)
            if spec.stream_view_type
            else None,
            deletion_protection=stage.prod,
            removal_policy=RemovalPolicy.RETAIN if stage.prod else RemovalPolicy.DESTROY,
        )
        for index in spec.global_indexes:
            table.add_global_secondary_index(
                index_name=index.name,
                partition_key=attribute(index.hash_key),
                sort_key=attribute(index.range_key) if index.range_key else None,
                projection_type=projections[index.projection],
                non_key_attributes=list(index.non_key_attributes) or None,
            )
        for index in spec.local_indexes:
            if index.range_key is None:  # DynamoDB requires one
                raise ValueError(f"{spec.name}: local index {index.name} has no range key")
            table.add_local_secondary_index(
                index_name=index.name,
                sort_key=attribute(index.range_key),
                projection_type=projections[index.projection],
                non_key_attributes=list(index.non_key_attributes) or None,
            )
        tables[spec.name] = table
    return tables
