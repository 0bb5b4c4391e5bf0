"""store.calls over moto's DynamoDB: the conditions that make the dialer's writes safe
to repeat, and what call GET will read."""

from decimal import Decimal

import pytest
from pynamodb.exceptions import PutError

from chalicelib.errors import OcpError
from chalicelib.store import calls
from chalicelib.store.calls import AttemptRecord, Claim

pytestmark = pytest.mark.usefixtures("aws")

NOW = 1212186144


@pytest.fixture
def call():
    calls.create(
        1177,
        eid=1,
        user_id=235,
        kind="call",
        time_scheduled=NOW,
        calling_number="7202108298",
        request={"text": "hello"},
    )
    return 1177


@pytest.fixture
def charged(monkeypatch):
    """What the finishing transaction adds to mouused (store.accounts)."""
    seen = []
    monkeypatch.setattr(
        calls.accounts,
        "add_minutes_used_in",
        lambda tx, eid, user_id, minutes: seen.append((eid, user_id, minutes)),
    )
    return seen


def test_a_new_call_is_scheduled(call):
    status = calls.get(call, 1)
    assert (status.state, status.complete, status.success, status.mou) == (
        "scheduled",
        False,
        False,
        Decimal("0.0"),
    )
    assert (status.time_scheduled, status.time_originated, status.time_completed) == (
        NOW,
        None,
        None,
    )
    assert (status.user_id, status.kind, status.calling_number) == (235, "call", "7202108298")
    assert status.attempts == () and status.request == {"text": "hello"}


def test_a_call_id_is_never_reused(call):
    with pytest.raises(PutError):
        calls.create(1177, eid=1, user_id=1, kind="call", time_scheduled=NOW)


@pytest.mark.parametrize("call_id, eid", [(1177, 2), (999, 1)])
def test_an_unknown_or_foreign_call_is_902(call, call_id, eid):
    with pytest.raises(OcpError) as error:
        calls.get(call_id, eid)
    assert error.value.code == 902


def test_the_first_claim_dials_and_starts_the_clock(call):
    assert calls.claim_dial(call, "0.0", NOW + 1) == Claim.CLAIMED
    assert calls.claim_dial(call, "0.0", NOW + 5) == Claim.DUPLICATE
    assert calls.claim_dial(call, "0.1", NOW + 9) == Claim.CLAIMED
    status = calls.get(call, 1)
    assert (status.state, status.time_originated) == ("dialing", NOW + 1)


def test_no_claim_on_an_ended_or_missing_call(call):
    calls.finish(call, False, NOW)
    assert calls.claim_dial(call, "0.0", NOW) == Claim.ENDED
    assert calls.claim_dial(4242, "0.0", NOW) == Claim.MISSING


def test_attempts_are_recorded_once_per_key_in_order(call):
    busy = [AttemptRecord("3035550101", "Busy")]
    assert calls.record_attempts(call, "0.0", busy, NOW)
    assert not calls.record_attempts(call, "0.0", [AttemptRecord("3035550101", "NoAnswer")], NOW)
    assert calls.record_attempts(
        call, "0.all", [AttemptRecord("1", "NoAnswer"), AttemptRecord("2", "Success")], NOW
    )
    assert [(a.number, a.result) for a in calls.get(call, 1).attempts] == [
        ("3035550101", "Busy"),
        ("1", "NoAnswer"),
        ("2", "Success"),
    ]


def test_the_answering_origination_sets_the_calling_number(call):
    calls.record_attempts(
        call,
        "1.0",
        [AttemptRecord("7205550100", "Success", "origination")],
        NOW,
        calling_number="7205550100",
    )
    assert calls.get(call, 1).calling_number == "7205550100"


def test_a_completed_call_is_billed_once(call, charged):
    calls.mark_connected(call)
    assert calls.get(call, 1).state == "connected"
    # When the finish message is delivered twice
    assert calls.finish(call, True, NOW + 30, seconds=13)
    assert not calls.finish(call, True, NOW + 40, seconds=13)
    # Then the call is complete with 0.3 minutes, charged to the requester once
    status = calls.get(call, 1)
    assert (status.state, status.success, status.complete) == ("complete", True, True)
    assert (status.mou, status.time_completed) == (Decimal("0.3"), NOW + 30)
    assert charged == [(1, 235, Decimal("0.3"))]


def test_a_failed_call_costs_nothing(call, charged):
    assert calls.finish(
        call, False, NOW, key="0.screen", attempt=AttemptRecord("3035551212", "DND")
    )
    status = calls.get(call, 1)
    assert (status.state, status.mou, status.success) == ("failed", Decimal("0.0"), False)
    assert [(a.number, a.result) for a in status.attempts] == [("3035551212", "DND")]
    assert charged == []


def test_nothing_changes_an_ended_call(call):
    calls.finish(call, True, NOW, seconds=12)
    assert not calls.record_attempts(call, "0.0", [AttemptRecord("1", "Busy")], NOW)
    assert not calls.mark_connected(call)
    assert not calls.finish(call, False, NOW)
    assert calls.get(call, 1).state == "complete"


def test_calls_of_a_user_by_kind():
    from chalicelib.store.models import Call

    calls.create(1, eid=1, user_id=235, kind="call", time_scheduled=NOW)
    calls.create(2, eid=1, user_id=235, kind="autoconference", time_scheduled=NOW)
    calls.create(3, eid=1, user_id=236, kind="call", time_scheduled=NOW)
    assert [int(c.call_id) for c in Call.by_user.query(235, Call.kind == "call")] == [1]
