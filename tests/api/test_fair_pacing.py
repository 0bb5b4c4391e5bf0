"""Fair telephony at the API (issue 26 item 3, docs/limits-pacing.md "Between
enterprises"): an enterprise whose dials already fill their places in line on the pacing
board is answered busy (116, Retry-After) for a new call request, nothing stored or
dialed; another enterprise is not."""

from __future__ import annotations

import time

import pytest

from chalicelib.domain.pacing import Request
from chalicelib.errors import Code
from chalicelib.store import pacing as board
from chalicelib.workflows import pacing
from tests.api.people import fails, new_user, ok, other_enterprise
from tests.examples import xml


@pytest.fixture
def paced(tuned):
    tuned(OCP_PACING="1", OCP_CONCURRENT_CALLS="1", OCP_ENTERPRISE_WAITING_DIALS="2")


def fill_the_line(eid: str, waiting: int) -> None:
    """One call of `eid` holds the account's only line; `waiting` more wait for it."""
    now = time.time()
    limits = pacing.limits()
    assert board.admit(Request("900:0.0", 1, 600.0, enterprise=eid), limits, now).admitted
    for n in range(waiting):
        refused = board.admit(Request(f"{901 + n}:0.0", 1, 600.0, enterprise=eid), limits, now)
        assert not refused.admitted


def post_call(api, user_id: int):
    return api.post(
        "/call",
        {
            "userId": user_id,
            "origination": f"1:{user_id}",
            "destination": "3:7209814345",
            "text": "Press 1.",
        },
    )


@pytest.mark.usefixtures("paced")
def test_an_enterprise_whose_places_in_line_are_full_is_busy_and_another_is_not(api, app_client):
    john = new_user(api)
    fill_the_line("1", waiting=2)
    response = post_call(api, john)
    fails(response, 503, Code.BUSY)
    # its 2 waiting dials need 2 s at 1 call a second
    assert response.headers["Retry-After"] == "2"
    # another enterprise's click-to-call is taken: its dial has a place of its own
    two = other_enterprise(app_client)
    ok(post_call(two, new_user(two)), 201)


@pytest.mark.usefixtures("paced")
def test_below_the_limit_a_call_request_is_taken(api):
    john = new_user(api)
    fill_the_line("1", waiting=1)
    response = post_call(api, john)
    ok(response, 201)
    assert xml(response.body).findtext("callId")


def test_without_pacing_nothing_is_checked(api, tuned):
    tuned(OCP_PACING="0", OCP_CONCURRENT_CALLS="1", OCP_ENTERPRISE_WAITING_DIALS="1")
    john = new_user(api)
    fill_the_line("1", waiting=1)
    ok(post_call(api, john), 201)


@pytest.mark.usefixtures("paced")
def test_a_conference_of_an_enterprise_whose_places_are_full_is_busy(api):
    from tests.api.test_conference import open_conference

    moderator = new_user(api)
    fill_the_line("1", waiting=2)
    fails(open_conference(api, moderator), 503, Code.BUSY)
