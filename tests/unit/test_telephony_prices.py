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


def test_twilio_prices_are_dated_and_unconfirmed_beside_chime_s():
    # Given the second-hand Twilio figures (../shared/telephony/twilio-compatible.md)
    assert prices.TWILIO_AS_OF == "2026-12-06"
    assert "not read on twilio.com" in prices.TWILIO_SOURCE
    # Then the table bench prints has both columns, every row priced, and says so
    table = prices.comparison_table()
    assert "chime" in table and "twilio" in table and "UNCONFIRMED" in table
    rows = {what: (chime, twilio) for what, chime, twilio in prices.comparison()}
    assert rows["call, per answered minute"][1] == pytest.approx(2 * 0.0140)
    blast = next(v for k, v in rows.items() if k.startswith("blast recipient"))
    assert blast[1] == pytest.approx(0.0140 + 0.0075)  # one leg's minute and the detection
    call = next(v for k, v in rows.items() if k.startswith("call, per answered call"))
    assert call[1] == pytest.approx(prices.TYPICAL_CALL_MINUTES * 2 * 0.0140)
    assert all(chime > 0 and twilio > 0 for chime, twilio in rows.values())


def test_bench_prints_the_twilio_column():
    # What bench/costs.telephony() prints. (Importing bench.costs here would import
    # bench.harness, which sets the bench's environment for the whole test process.)
    out = prices.comparison_table()
    assert "twilio" in out and "$0.0280" in out
