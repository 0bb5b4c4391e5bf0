"""Opt-out by keypress with the chime dialect (issue 27): the SIP media application's
handler against the local fake PSTN; its 555-0107 presses 9 during the blast's message."""

from __future__ import annotations

import pytest

from chalicelib.domain.compliance import BlastRules
from chalicelib.domain.kinds import VOICE
from chalicelib.store import blasts, donotcall, recipients
from chalicelib.workflows import fanout, fire
from tests.workflows.chime import chime  # noqa: F401 (the fixture)
from tests.workflows.conftest import NOW
from tests.workflows.test_blast_fanout import ORIGINATION, REQUESTER, drain, phone, run_all

pytestmark = pytest.mark.usefixtures("sfn_aws", "frozen_clock")


def test_a_recipient_who_presses_9_is_opted_out_thanked_and_listed(chime):
    blast_id, _scheduled = fanout.create(
        1,
        REQUESTER,
        VOICE,
        when=NOW + 60,
        text="School is closed tomorrow.",
        audio=None,
        hide_ani=False,
        allow_callback=True,
        origination=ORIGINATION,
        terminations=[phone("3035550107"), phone("3035551212")],
        compliance=BlastRules(opt_out_digit="9"),
    )
    fire.fire({"kind": "blast", "id": blast_id, "version": 1})
    drain()
    assert run_all(chime.board) == ["SUCCEEDED"] * 2
    got = [r.attempts for r in recipients.results(blasts.load(blast_id))]
    assert got == [(("3035550107", "OptedOut"),), (("3035551212", "Success"),)]
    found = donotcall.get(1, "+13035550107")
    assert found is not None and found.source == "voice"
    # the person pressed 1 (allowCallback) and was put through; 0107 was not
    assert chime.pstn.bridged == ["+17202108298"]
    assert chime.pstn.idle(5) and chime.pstn.errors == []
