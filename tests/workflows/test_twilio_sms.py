"""A blastsms with the Twilio carrier under moto (docs/sms.md "Twilio"): OCP_MESSAGING
follows OCP_CARRIER=twilio, the real adapter sends each text to the local fake Twilio
(local/fake_twilio.py) over HTTP, checked against Twilio's OpenAPI description, and the
fake's signed status callbacks go through the real route to the recipients' results, each
as the SMS test numbers say."""

from __future__ import annotations

from dataclasses import replace

import pytest

from chalicelib import clock, settings
from chalicelib.domain.kinds import SMS
from chalicelib.store import blasts, recipients
from chalicelib.workflows import fire, texting
from tests.workflows.test_blast_fanout import NOW, drain, new_blast, phone
from tests.workflows.twilio import QUICK, network

# A number each: delivered, invalid, unreachable, blocked, opted out (refused at the
# send: 21610), no receipt (Sent still), expired.
NUMBERS = ["7205551212"] + [f"303555011{d}" for d in range(1, 7)]


# 0: the status callbacks start before the create's answer, so most outrun the write
# of their own send (held, then applied by it); 0.05: most come after it.
@pytest.mark.parametrize("callback_after", [0.0, 0.05])
@pytest.mark.usefixtures("aws")
def test_a_blastsms_ends_each_recipient_as_the_test_numbers_say(monkeypatch, callback_after):
    monkeypatch.setenv("OCP_SMS_MESSAGES_PER_SECOND", "50")
    net = network(monkeypatch, timing=replace(QUICK, text=callback_after))
    try:
        assert settings.get().messaging == "twilio"
        texting.default.cache_clear()
        with clock.frozen(NOW):
            blast_id = new_blast(SMS, [phone(n) for n in NUMBERS], text="Game cancelled")
            fire.fire({"kind": "blast", "id": blast_id, "version": 1})
            drain()
            assert net.twilio.idle(20)
        assert net.twilio.errors == []
        assert sorted(net.twilio.texted) == sorted(f"+1{n}" for n in NUMBERS if n[-1] != "4")
        got = [(r.state, r.attempts, r.reasons) for r in recipients.results(blasts.load(blast_id))]
        assert got == [
            ("complete", (("7205551212", "Success"),), ("delivered",)),
            ("failed", (("3035550111", "Failed"),), ("invalid",)),
            ("failed", (("3035550112", "Failed"),), ("unreachable",)),
            ("failed", (("3035550113", "Failed"),), ("blocked",)),
            ("failed", (("3035550114", "Failed"),), ("optedOut",)),
            ("dialing", (("3035550115", "Sent"),), (None,)),  # until the receipt window
            ("failed", (("3035550116", "Failed"),), ("expired",)),
        ]
        # Every status callback was signed and taken, the ones on the way (sent) too.
        sms = [url for url, _ in net.twilio.webhooks if "/twilio-sms/" in url]
        assert len(sms) == 6 + 5  # sent for each text taken, a final status but 0115's
    finally:
        texting.default.cache_clear()
        net.close()
