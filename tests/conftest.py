"""Fixtures compose: credentials -> mock_aws -> tables and key -> app client.

The environment is set here, before any application module is imported, so
that `chalicelib.settings` reads the test values. Tests never reach AWS.
"""

from __future__ import annotations

import os

for _name in ("AWS_ENDPOINT_URL", "AWS_PROFILE"):
    os.environ.pop(_name, None)
os.environ.update(
    {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SECURITY_TOKEN": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
        "OCP_STAGE": "test",
        "OCP_EMAIL_DNS_CHECK": "0",
        # moto answers in-process, so these never apply but to the stalled-endpoint
        # tests, which then wait a fraction of a second instead of the deployed budget.
        "OCP_AWS_CONNECT_TIMEOUT_SECONDS": "0.1",
        "OCP_AWS_READ_TIMEOUT_SECONDS": "0.1",
        "OCP_AWS_MAX_ATTEMPTS": "2",
        "OCP_EMAIL_DNS_TIMEOUT_SECONDS": "0.1",
        # Texts are not paced in tests (tests/api/test_sms_pacing.py tests the limiter).
        "OCP_SMS_MESSAGES_PER_SECOND": "1000",
        # Nor are requests limited by their enterprise's rate, which the tests' bursts of
        # requests under a frozen clock would pass (tests/api/test_tenant_limits.py tests it).
        "OCP_RATE_LIMITS": "0",
    }
)

import gc  # noqa: E402
from dataclasses import dataclass  # noqa: E402

import pytest  # noqa: E402
from moto import mock_aws  # noqa: E402

from chalicelib import clock  # noqa: E402
from local.aws_server import serialise_dynamodb, share_stream_records  # noqa: E402
from local.session import login_header  # noqa: E402

# As `make run`'s moto server does (local/aws_server.py). DynamoDB applies each request
# atomically and moto in process does not: the workflow tests' threads (Step Functions
# executions, the fake carriers' webhooks) would otherwise interleave inside one
# UpdateItem, and a conditional write meant to decide a race could let both sides win.
share_stream_records()
serialise_dynamodb()

SECRET = "56789"

# Garbage collection took a fifth of the API tier's CPU (docs/testing.md, "Where the time
# goes"): a test process holds some 800,000 long-lived objects (modules, botocore's and
# moto's service models, moto's saved state), and every full collection walked them all.
# What outlives the tests is frozen (`gc.freeze`: never walked again, never collected), and
# the youngest generation is larger, so that a test's objects mostly die before they are
# promoted. About 150 MB more memory per process.
gc.set_threshold(10_000, 10, 10)
FREEZE_EVERY_TESTS = 50
_finished_tests = 0


def pytest_collection_finish(session):
    gc.freeze()


def pytest_runtest_logfinish(nodeid, location):
    """After the first test (its bootstrap loads what most tests use) and every 50th: what
    is alive between two tests outlives them."""
    global _finished_tests
    _finished_tests += 1
    if _finished_tests == 1 or _finished_tests % FREEZE_EVERY_TESTS == 0:
        gc.collect()
        gc.freeze()


@pytest.fixture
def aws():
    """moto, with the local resources in it and nothing else (tests/moto_state.py)."""
    with mock_aws():
        from chalicelib.protocol import auth
        from chalicelib.workflows import texting
        from tests import moto_state

        moto_state.create_resources()
        auth.forget_cached_sessions()
        texting.default.cache_clear()  # the simulated messenger's outbox, fresh
        yield


@pytest.fixture
def enterprise(aws):
    from chalicelib.store import enterprises

    return enterprises.create("Enterprise One", secret=SECRET, eid=1)


@pytest.fixture
def app_client(aws):
    from chalice.test import Client

    from app import app

    with Client(app, stage_name="test") as client:
        yield client


@pytest.fixture
def tuned(monkeypatch):
    """`tuned(OCP_X="1")`: settings changed for one test, as the environment would."""
    from chalicelib import settings

    def tune(**values: str) -> None:
        for name, value in values.items():
            monkeypatch.setenv(name, value)
        settings.reload()

    yield tune
    monkeypatch.undo()
    settings.reload()


def session_header(eid: int, secret: str, at: int | None = None) -> str:
    """`GET /session`'s header (local/session.py's), at the tests' clock by default."""
    return login_header(eid, secret, clock.now() if at is None else at)


@dataclass
class Api:
    """A logged-in client: every call carries the session header."""

    client: object
    auth: str

    def call(
        self,
        method: str,
        path: str,
        body: dict | None = None,
        headers: dict | None = None,
        raw: bytes | str | None = None,
    ):
        from urllib.parse import urlencode

        all_headers = {"Authorization": self.auth}
        if body is not None:
            raw = urlencode(body)
            all_headers["Content-Type"] = "application/x-www-form-urlencoded"
        all_headers.update(headers or {})
        return getattr(self.client.http, method.lower())(path, headers=all_headers, body=raw)

    def get(self, path, **kw):
        return self.call("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.call("POST", path, body, **kw)

    def put(self, path, body=None, **kw):
        return self.call("PUT", path, body, **kw)

    def delete(self, path, **kw):
        return self.call("DELETE", path, **kw)


@pytest.fixture
def api(app_client, enterprise) -> Api:
    response = app_client.http.get("/session", headers={"Authorization": session_header(1, SECRET)})
    assert response.status_code == 200, response.body
    from xml.etree import ElementTree

    session_id = ElementTree.fromstring(response.body).findtext("sessionId")
    return Api(app_client, f"Basic 1:{session_id}")
