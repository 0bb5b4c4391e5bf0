"""The pacing board in DynamoDB (store/pacing.py, over moto): one item every dialer
shares, changed only on condition that nobody changed it since it was read, and the
blasts' timelines, one per enterprise (workflows/pacing.plan)."""

from __future__ import annotations

import pytest

from chalicelib import settings
from chalicelib.domain.pacing import POLL_SECONDS, Limits, Request
from chalicelib.store import pacing

pytestmark = pytest.mark.usefixtures("aws")

LIMITS = Limits(per_second=10.0, concurrent=2, reserved=0)


def request(holder: str, share: str | None = None) -> Request:
    return Request(holder, 1, 60.0, share=share)


def test_the_board_is_shared_through_its_item_and_released_by_call():
    # Given two calls placed on the shared board
    assert pacing.admit(request("1:0.0"), LIMITS, 1000.0).admitted
    assert pacing.admit(request("2:0.0"), LIMITS, 1000.1).admitted
    # When a third asks, it waits for a slot (the board remembers the first two)
    refused = pacing.admit(request("3:0.0"), LIMITS, 1000.2)
    assert refused.wait == POLL_SECONDS and refused.why == "over the concurrent calls"
    # Then once call 1 ends (every one of its dials), the third gets its slot
    pacing.release(1)
    assert pacing.admit(request("3:0.0"), LIMITS, 1000.3).admitted
    # and an answered dial keeps its slot for the call's length
    pacing.answered("2:0.0", 1, 5000.0)
    assert not pacing.admit(request("4:0.0"), LIMITS, 1050.0).admitted
    # past its ringing lease, call 2 still holds its slot; call 3's lease is over
    assert pacing.admit(request("4:0.0"), LIMITS, 1100.0).admitted
    assert not pacing.admit(request("5:0.0"), LIMITS, 1100.5).admitted
    pacing.release(2, "0.0")
    assert pacing.admit(request("5:0.0"), LIMITS, 1101.0).admitted


def test_a_board_that_stays_contended_makes_the_dial_wait_not_fail(monkeypatch):
    monkeypatch.setattr(pacing, "update_if", lambda item, actions, condition: False)
    decision = pacing.admit(request("1:0.0"), LIMITS, 1000.0)
    assert not decision.admitted and decision.wait == POLL_SECONDS


def test_each_enterprise_s_blasts_have_a_timeline_of_their_own(monkeypatch):
    from chalicelib.workflows import pacing as paced

    monkeypatch.setenv("OCP_CALLS_PER_SECOND", "1")
    monkeypatch.setenv("OCP_CONCURRENT_CALLS", "3")
    monkeypatch.setenv("OCP_BLAST_DIAL_SECONDS", "45")
    settings.reload()
    try:
        # 2 blast lines of 45 s each: a recipient every 22.5 s
        assert paced.plan("7", 100, 1000.0) == (1000.0, 22.5)
        # another enterprise's blast starts now, beside it (they share at the gate) ...
        assert paced.plan("8", 10, 1001.0) == (1001.0, 22.5)
        # ... and the same enterprise's next blast after its first
        assert paced.plan("7", 10, 1002.0) == (1000.0 + 100 * 22.5, 22.5)
    finally:
        monkeypatch.undo()
        settings.reload()
