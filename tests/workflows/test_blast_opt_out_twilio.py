"""Opt-out by keypress with the twilio dialect (issue 27): the local fake Twilio runs the
production webhooks; its 555-0107 presses 9 during the blast's message."""

from __future__ import annotations

import pytest

from chalicelib.domain.compliance import BlastRules
from chalicelib.domain.kinds import VOICE
from chalicelib.store import blasts, donotcall, recipients
from chalicelib.workflows import fanout, fire
from tests.workflows.conftest import NOW
from tests.workflows.test_blast_fanout import ORIGINATION, REQUESTER, drain, phone, run_all
from tests.workflows.twilio import twilio  # noqa: F401 (the fixture)

pytestmark = pytest.mark.usefixtures("sfn_aws", "frozen_clock")


def test_a_recipient_who_presses_9_is_opted_out_thanked_and_listed(twilio):
    blast_id, _scheduled = fanout.create(
        1,
        REQUESTER,
        VOICE,
        when=NOW + 60,
        text="School is closed tomorrow.",
        audio=None,
        hide_ani=False,
        allow_callback=False,
        origination=ORIGINATION,
        terminations=[phone("3035550107"), phone("3035551212")],
        compliance=BlastRules(opt_out_digit="9"),
    )
    fire.fire({"kind": "blast", "id": blast_id, "version": 1})
    drain()
    assert run_all(twilio.board) == ["SUCCEEDED"] * 2
    got = [r.attempts for r in recipients.results(blasts.load(blast_id))]
    assert got == [(("3035550107", "OptedOut"),), (("3035551212", "Success"),)]
    found = donotcall.get(1, "+13035550107")
    assert found is not None and found.source == "voice"
    assert donotcall.get(1, "+13035551212") is None
    assert twilio.twilio.idle(5)
    assert twilio.twilio.errors == []
