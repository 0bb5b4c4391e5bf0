"""What an operator sees of a request: X-Request-Id on every response, the same id in an
error body and in the log lines, which carry the ids the route read; metrics as EMF lines."""

from __future__ import annotations

import json
import logging

import pytest

from tests.api.people import new_user
from tests.examples import error_codes, xml

REQUEST_ID = "X-Request-Id"


def emf_lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.startswith('{"_aws"')]


@pytest.fixture
def json_logs():
    """The app's JSON log lines, as chalicelib.logs formats them."""
    from chalicelib.logs import JsonFormatter

    lines: list[dict] = []

    class Keep(logging.Handler):
        def emit(self, record):
            lines.append(json.loads(JsonFormatter().format(record)))

    logger = logging.getLogger("chalicelib")
    handler, level = Keep(), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield lines
    logger.removeHandler(handler)
    logger.setLevel(level)


def test_every_response_has_a_request_id(api, app_client):
    user_id = new_user(api)
    responses = [
        api.get(f"/user/{user_id}"),  # 200
        api.get("/user/999"),  # an OCP error
        api.call("PATCH", "/user/1"),  # Chalice's own 405
        app_client.http.get("/user/1"),  # no session: 401
    ]
    ids = [r.headers.get(REQUEST_ID) for r in responses]
    assert all(ids)
    assert len(set(ids)) == len(ids)


def test_the_request_id_of_a_105_is_the_header_and_the_logs(api, monkeypatch, json_logs):
    from chalicelib.store import users

    def broken(*args, **kwargs):
        raise RuntimeError("down")

    monkeypatch.setattr(users, "get", broken)
    response = api.get("/user/7")
    assert error_codes(response.body) == [105]
    request_id = xml(response.body).findtext("errors/error/requestId")
    assert response.headers[REQUEST_ID] == request_id
    error = next(line for line in json_logs if line["message"] == "unhandled error")
    assert error["requestId"] == request_id
    assert error["eid"] == 1
    assert error["userId"] == 7
    assert "down" in error["exception"]


def test_each_log_line_of_a_request_carries_its_ids(api, json_logs):
    user_id = new_user(api)
    json_logs.clear()
    response = api.get(f"/user/{user_id}")
    (line,) = [line for line in json_logs if line["message"] == "request"]
    assert line["requestId"] == response.headers[REQUEST_ID]
    assert (line["eid"], line["userId"], line["status"]) == (1, user_id, 200)


def test_the_context_of_one_request_does_not_leak_into_the_next(api, json_logs):
    user_id = new_user(api)
    api.get(f"/user/{user_id}")
    json_logs.clear()
    api.get("/session", headers={"Authorization": "Basic 1:1:bad"})
    (line,) = [line for line in json_logs if line["message"] == "request"]
    assert "userId" not in line


def test_a_refused_url_is_a_metric(api, capsys):
    user_id = new_user(api)
    capsys.readouterr()
    response = api.post(
        "/blastvoice",
        {
            "userId": user_id,
            "origination": "3:7202108298",
            "destination": "3:3035551234",
            "url": "http://169.254.169.254/latest/meta-data/",
        },
    )
    assert error_codes(response.body) == [902]
    (point,) = [p for p in emf_lines(capsys.readouterr().out) if "RefusedUrls" in p]
    assert point["RefusedUrls"] == 1
    assert point["Stage"] == "test"
    assert point["requestId"] == response.headers[REQUEST_ID]
    (definition,) = point["_aws"]["CloudWatchMetrics"]
    assert definition["Namespace"] == "OCP"
    assert definition["Dimensions"] == [["Stage"]]


def test_speech_counts_polly_syntheses_and_cache_hits(api, capsys):
    user_id = new_user(api)
    capsys.readouterr()
    for _ in range(2):
        api.post("/ttspreview", {"userId": user_id, "text": "Hello there"})
    points = emf_lines(capsys.readouterr().out)
    assert [p["Source"] for p in points if "Speech" in p] == ["polly", "cache"]
    assert [p["PollyCharacters"] for p in points if "PollyCharacters" in p] == [11]
