"""The lists through a real flow (state machines executed, the streams read as the
`events` function reads them): a call that ends shows in GET /calls, counts once in GET
/usage, and a status callback that fails raises an alert in GET /alerts."""

from __future__ import annotations

import datetime as dt

import pytest

from chalicelib import clock
from tests.api.test_status_callbacks import (  # noqa: F401
    URL,
    aws,
    deliver_all,
    dial,
    enterprise,
    inbox,
    john,
    place,
)
from tests.examples import xml
from tests.workflows.conftest import frozen_clock, sfn_aws, switchboard  # noqa: F401

pytestmark = pytest.mark.usefixtures("frozen_clock")


def test_an_ended_call_is_listed_counted_once_and_a_failing_callback_alerts(
    api, john, switchboard, inbox
):
    # Given a call whose callback URL answers 500 the first time
    inbox.answers = [500]
    call_id = place(api, john, "3:7209814345")
    # When it is dialed to its end and its changes are read from the streams, twice
    dial(switchboard, call_id)
    deliver_all()
    from local import worker

    worker.drain_event_streams()
    # Then it is listed as complete, with its kind
    listed = next(xml(api.get("/calls").body).iter("call"))
    assert (listed.findtext("callId"), listed.findtext("kind")) == (str(call_id), "call")
    assert listed.findtext("currentState") == "complete"
    # and counted once on today's usage, its minutes as call GET prints them
    today = dt.datetime.fromtimestamp(clock.now(), dt.UTC).date().isoformat()
    row = next(xml(api.get(f"/usage?from={today}&to={today}").body).iter("row"))
    assert (row.findtext("day"), row.findtext("calls")) == (today, "1")
    assert row.findtext("mou") == xml(api.get(f"/call/{call_id}").body).findtext("mou")
    # and the failed delivery is an alert with its URL, error and attempts
    alert = next(xml(api.get("/alerts").body).iter("alert"))
    assert (alert.findtext("level"), alert.findtext("kind")) == ("warning", "callback")
    detail = {d.findtext("name"): d.findtext("value") for d in alert.iter("detail")}
    assert detail["url"] == URL and "HTTP 500" in detail["error"] and detail["attempts"] == "1"
