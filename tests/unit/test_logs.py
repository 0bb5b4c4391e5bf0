"""Structured logs: the context of a request or a queue message on each line."""

from __future__ import annotations

import json
import logging
from types import SimpleNamespace

import pytest

from chalicelib import logs


@pytest.fixture
def lines():
    kept: list[dict] = []

    class Keep(logging.Handler):
        def emit(self, record):
            kept.append(json.loads(logs.JsonFormatter().format(record)))

    logger = logging.getLogger("chalicelib.test")
    handler = Keep()
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield kept
    logger.removeHandler(handler)


log = logging.getLogger("chalicelib.test")


def test_fields_bound_in_a_scope_are_on_its_lines_and_gone_after_it(lines):
    with logs.scope(requestId="r1"):
        logs.bind(eid=1, userId=None)
        log.info("inside", extra={"fields": {"status": 200}})
        with logs.scope(callId=7):
            log.info("nested")
        log.info("after the nested one")
    log.info("outside")
    assert lines == [
        {
            "level": "INFO",
            "logger": "chalicelib.test",
            "message": "inside",
            "requestId": "r1",
            "eid": 1,
            "status": 200,
        },
        {
            "level": "INFO",
            "logger": "chalicelib.test",
            "message": "nested",
            "requestId": "r1",
            "eid": 1,
            "callId": 7,
        },
        {
            "level": "INFO",
            "logger": "chalicelib.test",
            "message": "after the nested one",
            "requestId": "r1",
            "eid": 1,
        },
        {"level": "INFO", "logger": "chalicelib.test", "message": "outside"},
    ]


def test_a_queue_message_s_lines_carry_the_lambda_request_id(lines):
    from chalicelib.workflows import handlers

    class Event(list):
        """Chalice's SQSEvent: its records, and the invocation's context."""

        context = SimpleNamespace(aws_request_id="lambda-1")

    record = SimpleNamespace(body='{"action": "x"}')
    handlers._each_message(Event([record]), "dial queue", lambda message: log.info("handled"))
    assert lines[-1]["requestId"] == "lambda-1"
    assert "requestId" not in logs.context()


def test_a_fired_schedule_s_lines_name_what_it_starts(lines, monkeypatch):
    from chalicelib.workflows import fire

    monkeypatch.setattr(fire, "fire", lambda event: log.info("fired"))
    fire.lambda_handler(
        {"kind": "blast", "id": 12, "version": 1}, SimpleNamespace(aws_request_id="l2")
    )
    assert (lines[-1]["requestId"], lines[-1]["blastId"]) == ("l2", 12)
