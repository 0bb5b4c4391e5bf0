"""The Twilio webhooks over in-memory fakes (no IO): each step's TwiML, and the order of
webhooks Twilio does not promise (a machine detected after the 1 was pressed, a status
callback before the answer's, a webhook repeated) deciding nothing twice."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Any

from chalicelib.providers.twilio import signature
from chalicelib.store.legs import Kept
from chalicelib.telephony import Target
from chalicelib.telephony.twilio import dials
from chalicelib.telephony.twilio.dials import Spec
from chalicelib.telephony.twilio.hooks import Handler, Step
from local.fake_twilio import check_twiml
from tests.unit.test_twilio_adapter import BASE, carrier

KEY = "signing-key"


@dataclass
class MemoryLegs:
    """store.legs in memory, with its conditional moves."""

    dials: dict = field(default_factory=dict)

    def keep(self, call_id, key, spec, token):
        self.dials[(call_id, key)] = {"spec": spec, "tok": token, "st": {}, "fl": set()}

    def kept(self, call_id, key):
        found = self.dials.get((call_id, key))
        if found is None:
            return None
        return Kept(found["spec"], found["tok"], dict(found["st"]), frozenset(found["fl"]))

    def move(self, call_id, key, index, to, frm):
        found = self.dials.get((call_id, key))
        if found is None or (frm and found["st"].get(index) not in frm):
            return False
        found["st"][index] = to
        return True

    def once(self, call_id, key, flag):
        found = self.dials.get((call_id, key))
        if found is None or flag in found["fl"]:
            return False
        found["fl"].add(flag)
        return True


@dataclass
class Tasks:
    def alive(self, token):
        return True


@dataclass
class Dialer:
    reports: list = field(default_factory=list)
    ends: list = field(default_factory=list)
    tasks: Any = field(default_factory=Tasks)

    def report_dial(self, dial, outcome):
        self.reports.append((dial.key, outcome.result, [a.result for a in outcome.attempts]))

    def report_end(self, token, seconds):
        self.ends.append(seconds)


@dataclass
class Board:
    ended_with: list = field(default_factory=list)

    def reported(self, call_id, key, number):
        return False

    def ended(self, call_id, seconds):
        self.ended_with.append(seconds)
        return "watch-token" if len(self.ended_with) == 1 else None


def handler(spec: Spec) -> Handler:
    c = carrier()
    c.legs = MemoryLegs()
    c.legs.keep(spec.call_id, spec.key, spec.to_dict(), "tok")
    ended: list = []
    c.end_call = ended.append  # type: ignore[method-assign]
    h = Handler(
        carrier=c,
        dialer=Dialer(),
        signing_keys=lambda refreshed=False: (KEY,),
        presign=lambda key: f"https://s3.example/{key}?sig=1&x=2",
        board=Board(),
    )
    h.hung_up = ended  # type: ignore[attr-defined]
    return h


def destination(**options) -> Spec:
    base = {
        "call_id": 7,
        "key": "0.0",
        "role": "destination",
        "targets": (Target("7209814345", "+17209814345"),),
        "ask_for_one": True,
        "detect_machine": True,
        "announcement": "speech/a.mp3",
        "prompt": "speech/p.mp3",
        "hold": "speech/h.mp3",
        "caller": "+17205550100",
    }
    return Spec(**{**base, **options})


def step(name: str, **params: str) -> Step:
    return Step(name, 7, "0.0", 0, {"CallSid": "CA1", **params})


def twiml(text: str) -> ET.Element:
    doc = ET.fromstring(text)
    assert check_twiml(doc) == ""
    return doc


def test_the_question_then_1_then_held_for_the_next_leg():
    h = handler(destination())
    asked = twiml(h.handle(step(dials.ANSWER)))
    gather = asked.find("Gather")
    assert gather is not None and gather.get("action") == BASE + "/twilio/gather/7/0.0/0"
    assert [p.text for p in gather.findall("Play")] == [
        "https://s3.example/speech/a.mp3?sig=1&x=2",
        "https://s3.example/speech/p.mp3?sig=1&x=2",
    ]
    held = twiml(h.handle(step(dials.GATHER, Digits="1")))
    assert [v.tag for v in held] == ["Play", "Pause", "Redirect"]
    assert h.dialer.reports == [("0.0", "Success", ["Success"])]


def test_a_machine_detected_after_1_was_pressed_changes_nothing():
    h = handler(destination())
    h.handle(step(dials.ANSWER))
    h.handle(step(dials.GATHER, Digits="1"))
    assert h.handle(step(dials.AMD, AnsweredBy="machine_start")).endswith("<Response />")
    assert h.dialer.reports == [("0.0", "Success", ["Success"])]
    assert h.hung_up == []


def test_a_machine_detected_while_asked_is_machine_and_hung_up():
    h = handler(destination())
    h.handle(step(dials.ANSWER))
    h.handle(step(dials.AMD, AnsweredBy="machine_start"))
    assert h.dialer.reports == [("0.0", "Machine", ["Machine"])]
    assert h.hung_up == ["CA1"]
    # and the Gather's empty action that follows the hang up decides nothing more
    h.handle(step(dials.GATHER, Digits=""))
    h.handle(step(dials.STATUS, CallStatus="completed", CallDuration="4"))
    assert len(h.dialer.reports) == 1


def test_a_repeated_answer_gets_the_same_question_and_reports_nothing():
    h = handler(destination())
    first = h.handle(step(dials.ANSWER))
    assert h.handle(step(dials.ANSWER)) == first
    assert h.dialer.reports == []


def test_each_status_of_a_number_never_answered():
    for status, result in [
        ("busy", "Busy"),
        ("no-answer", "NoAnswer"),
        ("failed", "Failed"),
        ("canceled", "NoAnswer"),
    ]:
        h = handler(destination())
        h.handle(step(dials.STATUS, CallStatus=status))
        h.handle(step(dials.STATUS, CallStatus=status))  # Twilio's retry
        assert h.dialer.reports == [("0.0", result, [result])]


def test_a_connected_call_reports_its_end_once():
    h = handler(destination(ask_for_one=False, announcement=""))
    h.handle(step(dials.ANSWER))
    h.handle(step(dials.STATUS, CallStatus="completed", CallDuration="42"))
    h.handle(step(dials.STATUS, CallStatus="completed", CallDuration="42"))
    assert h.dialer.ends == [42]


def test_the_bridge_dials_up_to_10_numbers_each_screened_with_the_pin_as_send_digits():
    numbers = tuple(Target(f"30355512{n:02d}", f"+130355512{n:02d}") for n in range(12))
    spec = destination(key="1.all", role="origination", targets=numbers, ask_for_one=False)
    h = handler(spec.but(digits="1234#", bridged=True))
    doc = twiml(h.handle(Step(dials.BRIDGE, 7, "1.all", 0, {})))
    dial = doc.find("Dial")
    assert dial is not None and dial.get("action") == BASE + "/twilio/dialed/7/1.all/0"
    assert len(dial.findall("Number")) == 10
    assert {n.get("sendDigits") for n in dial.findall("Number")} == {"wwww1234#"}
    # Several numbers at once: each is asked for 1, so that no voicemail wins
    screen = twiml(h.handle(Step(dials.SCREEN, 7, "1.all", 3, {"CallSid": "CA3"})))
    assert screen.find("Gather") is not None


def test_a_screened_number_that_declines_is_hung_up_and_the_first_to_accept_wins():
    numbers = (Target("7205550104", "+17205550104"), Target("7205551212", "+17205551212"))
    spec = destination(key="1.all", role="origination", targets=numbers, ask_for_one=False)
    h = handler(spec.but(bridged=True))
    declined = twiml(h.handle(Step(dials.SCREENED, 7, "1.all", 0, {"Digits": "2"})))
    assert [v.tag for v in declined] == ["Hangup"]
    won = h.handle(Step(dials.SCREENED, 7, "1.all", 1, {"Digits": "1", "ParentCallSid": "CA1"}))
    assert won.endswith("<Response />")  # empty: the parties are connected
    late = twiml(h.handle(Step(dials.SCREENED, 7, "1.all", 1, {"Digits": "1"})))
    assert [v.tag for v in late] == ["Hangup"]
    assert h.dialer.reports == [("1.all", "Success", ["Declined", "Success"])]
    # The <Dial>'s action after the conversation: its length, once
    h.handle(
        Step(dials.DIALED, 7, "1.all", 0, {"DialCallStatus": "completed", "DialCallDuration": "30"})
    )
    assert h.dialer.ends == [30]


def test_a_signature_over_another_url_is_403_before_anything_is_read():
    h = handler(destination())
    h.carrier.legs = None  # any read would fail
    path = {"step": "answer", "call": "7", "key": "0.0", "index": "0"}
    body = b"CallSid=CA1&CallStatus=in-progress"
    params = signature.form(body)
    wrong = signature.sign(KEY, "https://elsewhere.example/twilio/answer/7/0.0/0", params)
    assert h.respond(path, {"X-Twilio-Signature": wrong}, body) == (403, "")
    assert h.respond({**path, "call": "seven"}, {}, body) == (403, "")
    right = signature.sign(KEY, BASE + "/twilio/nosuch/7/0.0/0", params)
    assert h.respond({**path, "step": "nosuch"}, {"X-Twilio-Signature": right}, body) == (404, "")


def test_a_webhook_signed_with_any_key_of_the_secret_passes_and_a_rotation_is_read_once():
    # During a rotation the secret holds the new token and the previous one
    # (store.carrier_secret.keys_for); a signature matching neither reads it again.
    reads: list[bool] = []
    current = [("new-token", "old-token")]

    def keys(refreshed: bool = False) -> tuple[str, ...]:
        reads.append(refreshed)
        return current[0]

    h = handler(destination())
    h.signing_keys = keys
    path = {"step": "nosuch", "call": "7", "key": "0.0", "index": "0"}
    body = b"CallSid=CA1"
    params = signature.form(body)
    url = BASE + "/twilio/nosuch/7/0.0/0"
    for key in ("new-token", "old-token"):
        given = signature.sign(key, url, params)
        assert h.respond(path, {"X-Twilio-Signature": given}, body) == (404, "")  # signed
    assert reads == [False, False]
    newest = signature.sign("newest-token", url, params)
    assert h.respond(path, {"X-Twilio-Signature": newest}, body) == (403, "")
    assert reads == [False, False, False, True]  # read again once, nothing newer: refused
    current[0] = ("newest-token",)
    assert h.respond(path, {"X-Twilio-Signature": newest}, body) == (404, "")
