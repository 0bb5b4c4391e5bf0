"""Counting AWS requests per route: botocore hooks, over moto.

The hooks are added to botocore's built-in handlers, so every botocore session
(boto3's and PynamoDB's) counts. Each scenario runs after a warm-up request, so
the session is already validated in this process, as it is in a warm Lambda.

Besides requests (`calls`, "service:Operation"), what the cost model (bench/costs.py)
prices by the unit (`units`): DynamoDB read and write request units, estimated from the
size of the items each request reads or writes (moto reports none); Polly characters;
SMS parts. `invocations` counts Lambda invocations by function group ("api": one per
HTTP request; "consumers": one per queue message or fired schedule), and
`requests_by` the AWS requests each group made (the API's run at 512 MB, the
consumers' at 256 MB).
"""

from __future__ import annotations

import math
import os
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

os.environ.update(
    {
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
        "OCP_STAGE": "bench",
        "OCP_EMAIL_DNS_CHECK": "0",
        "OCP_LOG_LEVEL": "WARNING",
        "OCP_METRICS": "0",
        # The bench counts requests, not the pace of texts: no waiting for turns.
        "OCP_SMS_MESSAGES_PER_SECOND": "1000000",
        # Nor the routes' own requests with an enterprise's rate: the shared request window
        # adds one UpdateItem to every admitted request (docs/limits.md "Request rate").
        "OCP_RATE_LIMITS": "0",
    }
)
os.environ.pop("AWS_ENDPOINT_URL", None)

import botocore.handlers

# The big blasts' recipients. 2,000 keeps `make bench` to minutes; what a recipient costs
# does not grow with the blast, which the blasts show at this size and a tenth of it
# (`OCP_BENCH_RECIPIENTS=10000 make bench` for the size the README quotes).
RECIPIENTS = int(os.environ.get("OCP_BENCH_RECIPIENTS", "2000"))

calls: Counter[str] = Counter()
units: Counter[str] = Counter()
invocations: Counter[str] = Counter()
requests_by: Counter[str] = Counter()
API, CONSUMERS = "api", "consumers"
_serving = [CONSUMERS]

READ_UNIT_BYTES, WRITE_UNIT_BYTES = 4096, 1024


def clear() -> None:
    for counter in (calls, units, invocations, requests_by):
        counter.clear()


@contextmanager
def serving(group: str) -> Iterator[None]:
    """AWS requests made meanwhile are the `group` function's (API by default for HTTP)."""
    _serving.append(group)
    try:
        yield
    finally:
        _serving.pop()


def _count(model: Any = None, **_: Any) -> None:
    calls[f"{model.service_model.service_name}:{model.name}"] += 1
    requests_by[_serving[-1]] += 1


def _keep_params(params: dict, model: Any, context: dict, **_: Any) -> None:
    context["bench_params"] = params
    service, operation = model.service_model.service_name, model.name
    if service == "polly" and operation == "SynthesizeSpeech":
        units["polly:characters"] += len(params.get("Text", ""))
    elif service == "pinpoint-sms-voice-v2" and operation == "SendTextMessage":
        count_text(params.get("MessageBody", ""))


def count_text(body: str) -> None:
    """A text sent: its parts (what every SMS provider bills by)."""
    from chalicelib.domain import segments

    units["sms:parts"] += segments.count(body).count


def _dynamodb_units(parsed: dict, model: Any, context: dict, **_: Any) -> None:
    params = context.get("bench_params") or {}
    read, write = _request_units(model.name, params, parsed)
    units["dynamodb:read units"] += read
    units["dynamodb:write units"] += write


def _request_units(operation: str, params: dict, parsed: dict) -> tuple[float, float]:
    """DynamoDB's on-demand request units: reads per 4 KB (half when eventually
    consistent, twice in a transaction), writes per 1 KB (twice in a transaction). The
    size of an update is that of the item after it (PynamoDB asks for it back)."""

    def reads(items: list, consistent: bool, per_item: bool = False, factor: float = 1) -> float:
        rate = factor * (1 if consistent else 0.5)
        if per_item:
            return sum(rate * _chunks(_size(i), READ_UNIT_BYTES) for i in items) or rate
        return rate * _chunks(sum(_size(i) for i in items), READ_UNIT_BYTES)

    consistent = bool(params.get("ConsistentRead"))
    if operation == "GetItem":
        return reads([parsed.get("Item", {})], consistent), 0
    if operation in ("Query", "Scan"):
        return reads(parsed.get("Items", []), consistent), 0
    if operation == "BatchGetItem":
        asked = params.get("RequestItems", {})
        return sum(
            reads(items, bool(asked.get(table, {}).get("ConsistentRead")), per_item=True)
            for table, items in parsed.get("Responses", {}).items()
        ), 0
    if operation == "TransactGetItems":
        found = [r.get("Item", {}) for r in parsed.get("Responses", [])] or [{}]
        return reads(found, True, per_item=True, factor=2), 0
    if operation == "PutItem":
        return 0, _chunks(_size(params.get("Item", {})), WRITE_UNIT_BYTES)
    if operation in ("UpdateItem", "DeleteItem"):
        return 0, _chunks(_size(parsed.get("Attributes", {})), WRITE_UNIT_BYTES)
    if operation == "BatchWriteItem":
        return 0, sum(
            _chunks(_size(r.get("PutRequest", {}).get("Item", {})), WRITE_UNIT_BYTES)
            for requests in params.get("RequestItems", {}).values()
            for r in requests
        )
    if operation == "TransactWriteItems":
        return 0, sum(
            2 * _chunks(_size(item.get("Put", {}).get("Item", {})), WRITE_UNIT_BYTES)
            for item in params.get("TransactItems", [])
        )
    return 0, 0


def _chunks(size: int, unit: int) -> int:
    return max(1, math.ceil(size / unit))


def _size(item: dict) -> int:
    """An item's size as DynamoDB counts it, near enough: its names and values in bytes."""
    return sum(len(name.encode()) + _value_size(value) for name, value in item.items())


def _value_size(value: dict) -> int:
    ((kind, inner),) = value.items()
    if kind == "S":
        return len(inner.encode())
    if kind == "B":
        return len(inner)
    if kind == "N":
        return len(inner.lstrip("-").replace(".", "")) // 2 + 1
    if kind == "SS":
        return sum(len(v.encode()) for v in inner)
    if kind == "NS":
        return sum(len(v) // 2 + 1 for v in inner)
    if kind == "BS":
        return sum(len(v) for v in inner)
    if kind == "L":
        return 3 + sum(1 + _value_size(v) for v in inner)
    if kind == "M":
        return 3 + len(inner) + _size(inner)
    return 1  # BOOL, NULL


botocore.handlers.BUILTIN_HANDLERS.extend(
    [
        ("before-call", _count),
        ("before-parameter-build", _keep_params),
        ("after-call.dynamodb", _dynamodb_units),
    ]
)


@dataclass
class Scenario:
    """`setup(api)` prepares data and returns what `request(api, prepared)` needs."""

    route: str
    request: Callable[[Any, Any], Any]
    setup: Callable[[Any], Any] = lambda api: None
    goal: int | None = None  # most DynamoDB requests allowed
    expect_status: tuple[int, ...] = (200, 201, 202, 204)
    notes: str = ""
    # moto's configuration, e.g. {"stepfunctions": {"execute_state_machine": True}}
    aws_config: dict | None = None
    # The scenario file's name (bench/scenarios_<family>.py), set when it is discovered.
    family: str = ""
    # A flow over many recipients (a blast): what it counts is also shown per recipient.
    recipients: int = 0
    counted: dict[str, int] = field(default_factory=dict)
    units: dict[str, float] = field(default_factory=dict)
    invocations: dict[str, int] = field(default_factory=dict)
    requests_by: dict[str, int] = field(default_factory=dict)


def run_scenarios(scenarios: list[Scenario]) -> None:
    from moto import mock_aws

    from local.aws_server import quiet_moto_absent_paths, share_stream_records

    quiet_moto_absent_paths()
    share_stream_records()

    print("AWS requests per route (session already validated)")
    print(f"  {'route':42} {'dynamodb':>8} {'goal':>5}  other")
    failed = []
    for scenario in scenarios:
        with mock_aws(config=scenario.aws_config):
            api = _logged_in_api()
            prepared = scenario.setup(api)
            clear()
            response = scenario.request(api, prepared)
            scenario.counted = dict(calls)
            scenario.units = dict(units)
            scenario.invocations = dict(invocations)
            scenario.requests_by = dict(requests_by)
        if response.status_code not in scenario.expect_status:
            failed.append(f"{scenario.route}: HTTP {response.status_code} {response.body[:200]!r}")
        dynamo = sum(n for k, n in scenario.counted.items() if k.startswith("dynamodb:"))
        other = ", ".join(
            f"{k} {n}" for k, n in sorted(scenario.counted.items()) if not k.startswith("dynamodb:")
        )
        goal = "" if scenario.goal is None else str(scenario.goal)
        mark = "  OVER GOAL" if scenario.goal is not None and dynamo > scenario.goal else ""
        print(f"  {scenario.route:42} {dynamo:>8} {goal:>5}  {other}{mark}")
    for line in failed:
        print(f"  ! {line}")


def _logged_in_api() -> Any:
    from chalice.test import Client

    from app import app
    from chalicelib.protocol import auth
    from chalicelib.store import enterprises
    from local import bootstrap
    from tests.conftest import Api, session_header

    class CountedApi(Api):
        """Each HTTP request is one invocation of the API function, which makes the AWS
        requests meanwhile."""

        def call(self, *args: Any, **kwargs: Any) -> Any:
            invocations[API] += 1
            with serving(API):
                return super().call(*args, **kwargs)

    bootstrap.create_resources()
    auth.forget_cached_sessions()
    enterprises.create("Bench", secret="bench", eid=1)
    client = Client(app, stage_name="test")
    body = client.http.get("/session", headers={"Authorization": session_header(1, "bench")}).body
    from xml.etree import ElementTree

    api = CountedApi(client, f"Basic 1:{ElementTree.fromstring(body).findtext('sessionId')}")
    api.get("/user/0")  # warm-up: validates and caches the session
    return api
