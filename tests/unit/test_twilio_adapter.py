"""The Twilio adapter over in-memory fakes (no IO): what it asks of the REST API for each
kind of dial, answering-machine detection per leg, and the failures it maps."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from chalicelib.providers.twilio.rest import Gone
from chalicelib.telephony import FAILED, CarrierBusy, CarrierError, Dial, Target
from chalicelib.telephony.twilio import dials
from chalicelib.telephony.twilio.adapter import TwilioCarrier

BASE = "https://voice.example.com"


@dataclass
class FakeRest:
    account_sid: str = "AC" + "0" * 32
    answers: list = field(default_factory=list)  # exceptions to raise, in order, or None
    posts: list = field(default_factory=list)
    gets: list = field(default_factory=list)
    conferences: list = field(default_factory=list)

    def post(self, path, params):
        self.posts.append((path, dict(params)))
        if self.answers:
            found = self.answers.pop(0)
            if found is not None:
                raise found
        return {"sid": f"CA{len(self.posts):032d}"}

    def get(self, path, query=()):
        self.gets.append((path, dict(query)))
        return {"conferences": self.conferences}


@dataclass
class Legs:
    kept: dict = field(default_factory=dict)

    def keep(self, call_id, key, spec, token):
        self.kept[(call_id, key)] = (spec, token)


@dataclass
class Board:
    races: list = field(default_factory=list)

    def open_race(self, call_id, key, count):
        self.races.append((call_id, key, count))

    def placed(self, call_id, key, placed, failed):
        return None


def carrier(rest: FakeRest | None = None, now: list | None = None) -> TwilioCarrier:
    clock = now if now is not None else [1000.0]
    return TwilioCarrier(
        rest=rest or FakeRest(),  # type: ignore[arg-type]
        numbers=("+13035550100", "+17205550100"),
        public_base_url=BASE,
        speech=lambda text: f"speech/{len(text)}.mp3",
        clock=lambda: clock[0],
        sleep=lambda s: clock.__setitem__(0, clock[0] + s),
        board=Board(),
        legs=Legs(),
    )


def dial(*numbers: str, **options) -> Dial:
    defaults = {
        "call_id": 7,
        "key": "0.0",
        "role": "destination",
        "targets": tuple(Target(n, f"+1{n}") for n in numbers),
        "ask_for_one": True,
        "detect_machine": True,
        "accept_machine": False,
        "announcement": {"text": "Call from John"},
        "token": "tok",
    }
    return Dial(**{**defaults, **options})


def test_a_dial_is_kept_then_one_call_is_created_with_its_webhooks():
    c = carrier()
    assert c.place(dial("7209814345")) is None
    [(path, params)] = c.rest.posts
    assert path == "Calls.json"
    assert params["To"] == "+17209814345"
    assert params["From"] == "+17205550100"  # the pool number nearest the destination
    assert params["Url"] == BASE + "/twilio/answer/7/0.0/0"
    assert params["StatusCallback"] == BASE + "/twilio/status/7/0.0/0"
    spec, token = c.legs.kept[(7, "0.0")]
    assert token == "tok" and spec["a"] == "speech/14.mp3" and spec["p"]


@pytest.mark.parametrize(
    "options, expected",
    [
        # asked to press 1: detection runs while the question plays
        ({}, {"MachineDetection": "Enable", "AsyncAmd": "true"}),
        # asked nothing, must be a person: Twilio's answer waits for detection
        ({"ask_for_one": False}, {"MachineDetection": "Enable"}),
        # machines accepted, or disableAMD: no detection
        ({"accept_machine": True, "ask_for_one": False}, {}),
        ({"detect_machine": False}, {}),
        # a blast: the message waits for the machine's beep
        (
            {"role": "recipient", "ask_for_one": False, "accept_machine": True},
            {"MachineDetection": "DetectMessageEnd", "AsyncAmd": "true"},
        ),
    ],
)
def test_machine_detection_per_leg(options, expected):
    c = carrier()
    c.place(dial("7209814345", **options))
    [(_path, params)] = c.rest.posts
    asked = {k: params[k] for k in ("MachineDetection", "AsyncAmd") if k in params}
    assert asked == expected
    if params.get("AsyncAmd"):
        assert params["AsyncAmdStatusCallback"] == BASE + "/twilio/amd/7/0.0/0"


def test_a_try_all_rings_every_number_in_a_call_of_its_own():
    c = carrier()
    c.place(dial("3035550102", "3035550105", key="0.all"))
    assert [p["To"] for _path, p in c.rest.posts] == ["+13035550102", "+13035550105"]
    assert c.board.races == [(7, "0.all", 2)]


def test_a_bridged_dial_redirects_the_held_call_to_its_dial():
    c = carrier()
    assert (
        c.place(dial("7202108298", key="1.0", role="origination", bridge_to="twilio:7:CA9")) is None
    )
    [(path, params)] = c.rest.posts
    assert path == "Calls/CA9.json"
    assert params == {"Url": BASE + "/twilio/bridge/7/1.0/0", "Method": "POST"}


def test_a_held_call_that_is_gone_fails_the_bridged_dial_without_ringing():
    c = carrier(FakeRest(answers=[Gone("404")]))
    outcome = c.place(dial("7202108298", key="1.0", bridge_to="twilio:7:CA9"))
    assert outcome is not None and outcome.result == FAILED


def test_a_throttled_create_is_tried_again_then_given_back_to_the_state_machine():
    # Tried again within its patience (RETRY_SECONDS: 2 s)
    c = carrier(FakeRest(answers=[CarrierBusy("429", retry_after=0.5)]))
    c.place(dial("7209814345"))
    assert len(c.rest.posts) == 2
    # Past it, the dial is not failed: the state machine waits and dials again
    busy = [CarrierBusy("429", retry_after=1.5)] * 3
    c = carrier(FakeRest(answers=list(busy)))
    with pytest.raises(CarrierBusy):
        c.place(dial("7209814345"))


def test_what_cannot_be_dialed_is_a_clear_error():
    c = carrier()
    with pytest.raises(CarrierError, match="32 DTMF"):
        c.place(dial("7209814345", digits="1" * 40))
    c = carrier()
    c.public_base_url = ""
    with pytest.raises(CarrierError, match="OCP_PUBLIC_BASE_URL"):
        c.place(dial("7209814345"))
    c = carrier()
    c.numbers = ()
    with pytest.raises(CarrierError, match="OCP_TWILIO_NUMBERS"):
        c.place(dial("7209814345"))


def test_hang_up_completes_the_call_and_a_gone_call_is_fine():
    c = carrier(FakeRest(answers=[Gone("404")]))
    c.hang_up("twilio:7:CA9")
    assert c.rest.posts == [("Calls/CA9.json", {"Status": "completed"})]


def test_a_conference_room_is_ended_by_name_at_the_reservations_end():
    rest = FakeRest(conferences=[{"sid": "CF1"}])
    c = carrier(rest)
    room = c.open_room("conference-4")
    assert room == "ocp-dev-conference-4"
    c.close_room(room)
    assert rest.gets == [("Conferences.json", {"FriendlyName": room, "Status": "in-progress"})]
    assert rest.posts == [("Conferences/CF1.json", {"Status": "completed"})]


def test_a_blasts_audio_plays_as_it_is():
    assert carrier().prepare({"audioKey": "uploads/1/x/a.mp3"}) == {"audioKey": "uploads/1/x/a.mp3"}


def test_every_step_is_a_path_without_a_query():
    for step in dials.STEPS:
        path = dials.path(step, 12, "1.all", 3)
        assert "?" not in path and path == f"/twilio/{step}/12/1.all/3"
