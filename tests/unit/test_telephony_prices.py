"""The cost table of docs/carriers.md ("What real calls cost") is the one
bench/telephony_prices.py computes from its dated prices."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest

from bench import telephony_prices as prices

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "carriers.md"


def test_the_guide_shows_the_table_the_prices_give():
    assert prices.table() in GUIDE.read_text()


def test_the_prices_say_when_they_were_read():
    assert datetime.date.fromisoformat(prices.AS_OF)
    assert f"as of {prices.AS_OF}" in GUIDE.read_text()


def test_a_call_is_two_legs_and_a_conference_participant_one_leg_and_an_attendee():
    leg = prices.US_OUTBOUND_PER_LEG_MINUTE + prices.PSTN_AUDIO_PER_LEG_MINUTE
    by_name = {f.name: f.per_answered_minute for f in prices.FLOWS}
    assert by_name["call (click-to-call)"] == pytest.approx(2 * leg)
    assert by_name["conference, per participant"] == pytest.approx(
        leg + prices.MEETING_PER_ATTENDEE_MINUTE
    )
    assert by_name["blastvoice, per recipient"] == pytest.approx(leg)
