"""Counting AWS requests per route: a botocore `before-call` hook, over moto.

The hook is added to botocore's built-in handlers, so every botocore session
(boto3's and PynamoDB's) counts. Each scenario runs after a warm-up request, so
the session is already validated in this process, as it is in a warm Lambda.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable
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
    }
)
os.environ.pop("AWS_ENDPOINT_URL", None)

import botocore.handlers

calls: Counter[str] = Counter()


def _count(model: Any = None, **_: Any) -> None:
    calls[f"{model.service_model.service_name}:{model.name}"] += 1


botocore.handlers.BUILTIN_HANDLERS.append(("before-call", _count))


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
    counted: dict[str, int] = field(default_factory=dict)


def run_scenarios(scenarios: list[Scenario]) -> None:
    from moto import mock_aws

    print("AWS requests per route (session already validated)")
    print(f"  {'route':42} {'dynamodb':>8} {'goal':>5}  other")
    failed = []
    for scenario in scenarios:
        with mock_aws(config=scenario.aws_config):
            api = _logged_in_api()
            prepared = scenario.setup(api)
            calls.clear()
            response = scenario.request(api, prepared)
            scenario.counted = dict(calls)
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

    bootstrap.create_resources()
    auth.forget_cached_sessions()
    enterprises.create("Bench", secret="bench", eid=1)
    client = Client(app, stage_name="test")
    body = client.http.get("/session", headers={"Authorization": session_header(1, "bench")}).body
    from xml.etree import ElementTree

    api = Api(client, f"Basic 1:{ElementTree.fromstring(body).findtext('sessionId')}")
    api.get("/user/0")  # warm-up: validates and caches the session
    return api
