"""A service that accepts the connection and never answers: the route still answers with
an OCP error, once the client's bounded wait (settings: connect and read timeouts,
standard retries) is over, which the deployed settings keep well inside API Gateway's
29 s. tests/conftest.py shrinks the timeouts, so each stall here lasts well under a
second; the deployed budget is checked from the configuration, not by waiting for it.

The stalled service is a local socket; the others stay on moto. botocore sends one
service to it when AWS_ENDPOINT_URL_<SERVICE> is set (the clients are made again)."""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Iterator

import pytest

from tests.api.people import new_user
from tests.examples import error_codes, xml


@pytest.fixture
def stalled() -> Iterator[str]:
    """http://127.0.0.1:port of a server that accepts connections and never answers."""
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.05)
    held: list[socket.socket] = []
    done = threading.Event()

    def accept() -> None:
        while not done.is_set():
            try:
                held.append(server.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}"
    done.set()
    thread.join()
    for connection in held:
        connection.close()
    server.close()


def fresh_clients() -> None:
    """Forget every client (boto3's and PynamoDB's), so the next request makes new ones."""
    from chalicelib.store import aws, models

    aws.reset()
    for model in models.ALL_MODELS:
        model._connection = None
    models._shared_connection.cache_clear()


@pytest.fixture
def stall(stalled):
    """stall("DYNAMODB"): that service's requests go to the stalled server."""
    names: list[str] = []

    def redirect(service: str) -> None:
        names.append(f"AWS_ENDPOINT_URL_{service}")
        os.environ[names[-1]] = stalled
        fresh_clients()

    yield redirect
    for name in names:
        os.environ.pop(name, None)
    fresh_clients()


def internal_error(response, code: int) -> None:
    assert response.status_code == 500, response.body
    assert error_codes(response.body) == [code]
    request_id = xml(response.body).findtext("errors/error/requestId")
    assert request_id == response.headers["X-Request-Id"]


def test_a_stalled_dynamodb_is_105_with_the_request_id(api, stall):
    user_id = new_user(api)  # the session is validated and cached before the stall
    stall("DYNAMODB")
    internal_error(api.get(f"/user/{user_id}"), 105)


def test_opening_a_session_against_a_stalled_dynamodb_is_114(app_client, enterprise, stall):
    from tests.conftest import SECRET, session_header

    stall("DYNAMODB")
    response = app_client.http.get("/session", headers={"Authorization": session_header(1, SECRET)})
    assert error_codes(response.body) == [114]


def test_a_stalled_step_functions_is_the_calls_own_304(api, stall):
    user_id = new_user(api)
    stall("SFN")
    response = api.post(
        "/call",
        {
            "userId": user_id,
            "origination": f"1:{user_id}",
            "destination": "3:7209814345",
            "text": "Press 1",
        },
    )
    internal_error(response, 304)


def test_a_stalled_queue_is_the_blasts_own_304(api, stall):
    user_id = new_user(api)
    stall("SQS")
    response = api.post(
        "/blastvoice",
        {
            "userId": user_id,
            "origination": "3:7202108298",
            "destination": "3:7205551212",
            "text": "Practice moved to 5",
        },
    )
    internal_error(response, 304)


def test_a_stalled_polly_is_105(api, stall):
    user_id = new_user(api)
    stall("POLLY")
    internal_error(api.post("/ttspreview", {"userId": user_id, "text": "Hello"}), 105)


# --- email DNS -------------------------------------------------------------------------


@pytest.fixture
def stalled_name_server():
    """The email check (on, as deployed) asks a UDP socket that never answers."""
    from chalicelib import settings
    from chalicelib.protocol import types

    silent = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    silent.bind(("127.0.0.1", 0))
    saved = os.environ["OCP_EMAIL_DNS_CHECK"]
    os.environ["OCP_EMAIL_DNS_CHECK"] = "1"
    settings.reload()
    types._resolver.cache_clear()
    resolver = types._resolver()
    resolver.nameservers = ["127.0.0.1"]
    resolver.port = silent.getsockname()[1]
    yield resolver
    silent.close()
    os.environ["OCP_EMAIL_DNS_CHECK"] = saved
    settings.reload()
    types._resolver.cache_clear()


def test_a_silent_name_server_lets_a_new_email_through_after_its_timeout(api, stalled_name_server):
    from chalicelib import settings

    # The resolver gives up after the setting, not dnspython's or email-validator's default
    assert stalled_name_server.lifetime == settings.get().email_dns_timeout_seconds
    assert stalled_name_server.timeout == settings.get().email_dns_timeout_seconds
    # A slow name server is not a bad address (email-validator's choice): the user is made
    new_user(api, email="ann@example.com")  # asserts the 200


def test_emails_that_only_name_a_user_ask_no_name_server(api, stalled_name_server, monkeypatch):
    user_id = new_user(
        api, email="ann@example.com"
    )  # its email was checked: the one look-up allowed
    asked: list[str] = []
    monkeypatch.setattr(stalled_name_server, "resolve", lambda name, *a, **k: asked.append(name))
    assert api.get("/uidbyemail/ann@example.com").status_code == 200
    response = api.post(
        "/call",
        {
            "userId": user_id,
            "origination": "2:ann@example.com",
            "destination": "2:ann@example.com",
            "text": "Press 1",
        },
    )
    assert response.status_code == 201, response.body
    assert api.get(f"/email?userId={user_id}").status_code == 200
    assert asked == []
