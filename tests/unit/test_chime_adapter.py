"""The Chime adapter's requests, checked by botocore's Stubber against the real
chime-sdk-voice and chime-sdk-meetings service models (names, types, required
parameters), and what Stubber does not check: E.164 numbers, at most 20 arguments, and
what each service error becomes (STYLE 12: a throttled dial is not a failed call)."""

import json

import boto3
import pytest
from botocore.stub import ANY, Stubber

from chalicelib.telephony import FAILED, CarrierBusy, CarrierError, Dial, Target, caller
from chalicelib.telephony.chime import legs
from chalicelib.telephony.chime.adapter import ChimeCarrier, parse_reference, reference
from chalicelib.telephony.chime.legs import Spec
from tests.unit.chime_fakes import FakeBoard, FakePacing

SMA = "b89ecad8-3f43-426b-a778-582a7fdb4db1"
POOL = ("+13035550100", "+17205550100")
TX = "0b1c8d2e-1111-2222-3333-444455556666"


class Clock:
    def __init__(self):
        self.t = 1_000_000.0
        self.slept: list[float] = []

    def __call__(self):
        return self.t

    def sleep(self, seconds):
        self.slept.append(seconds)
        self.t += seconds


@pytest.fixture
def voice():
    client = boto3.client("chime-sdk-voice", region_name="us-east-1")
    with Stubber(client) as stub:
        yield client, stub
        stub.assert_no_pending_responses()


@pytest.fixture
def meetings():
    client = boto3.client("chime-sdk-meetings", region_name="us-east-1")
    with Stubber(client) as stub:
        yield client, stub
        stub.assert_no_pending_responses()


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def board():
    return FakeBoard()


@pytest.fixture
def pacing():
    return FakePacing()


@pytest.fixture
def carrier(voice, meetings, clock, board, pacing):
    return ChimeCarrier(
        sma_id=SMA,
        numbers=POOL,
        calls_per_second=1.0,
        ring_seconds=60,
        voice=lambda: voice[0],
        meetings=lambda: meetings[0],
        speech=lambda text: f"wav/{len(text)}.wav",
        clock=clock,
        sleep=clock.sleep,
        pacing=pacing,
        board=board,
    )


def dial(*numbers, **options) -> Dial:
    defaults = {
        "call_id": 1177,
        "key": "0.0",
        "role": "destination",
        "targets": tuple(Target(n, f"+1{n}") for n in numbers),
        "ask_for_one": True,
        "detect_machine": True,
        "accept_machine": False,
        "announcement": {"text": "John is calling: press 1"},
        "caller_id": "+17202108298",
        "token": "task-token",
    }
    return Dial(**{**defaults, **options})


def created(stub, to: str, tx: str = TX, **expected) -> None:
    stub.add_response(
        "create_sip_media_application_call",
        {"SipMediaApplicationCall": {"TransactionId": tx}},
        {
            "FromPhoneNumber": expected.get("frm", ANY),
            "ToPhoneNumber": to,
            "SipMediaApplicationId": SMA,
            "ArgumentsMap": expected.get("arguments", ANY),
        },
    )


def refused(stub, code: str, status: int, operation="create_sip_media_application_call"):
    stub.add_client_error(operation, service_error_code=code, http_status_code=status)


# --- placing a call ------------------------------------------------------------------------


def test_one_number_is_one_call_carrying_the_dial(carrier, voice):
    _client, stub = voice
    d = dial("7209814345")
    expected = legs.arguments("dial", carrier.spec(d), "task-token")
    created(stub, "+17209814345", frm="+17205550100", arguments=expected)
    assert carrier.place(d) is None  # the handler reports
    spec = Spec.from_json(expected["dial"])
    assert (spec.call_id, spec.key, spec.ask_for_one) == (1177, "0.0", True)
    assert (spec.announcement, spec.prompt, spec.hold) == ("wav/24.wav", "wav/25.wav", "wav/39.wav")
    assert set(expected) == {"v", "op", "dial", "tok"}


def test_numbers_that_are_not_e164_are_refused_before_any_request(carrier):
    with pytest.raises(CarrierError):
        carrier.place(dial("123", targets=(Target("123", "123"),)))


def test_the_argument_limit_is_checked(monkeypatch):
    # (four pairs today; botocore's own validation lets 25 through)
    monkeypatch.setattr(legs, "MAX_ARGUMENTS", 3)
    spec = Spec(1, "0.0", "destination", (Target("1", "+13035551212"),))
    with pytest.raises(ValueError):
        legs.arguments("dial", spec, "t")


@pytest.mark.parametrize(
    "code, status, retry_after",
    [
        ("ThrottledClientException", 429, 1.0),
        ("ResourceLimitExceededException", 400, 5.0),
        ("ServiceUnavailableException", 503, 2.0),
    ],
)
def test_a_busy_service_is_busy_never_failed(carrier, voice, clock, code, status, retry_after):
    _client, stub = voice
    refused(stub, code, status)
    if retry_after < 2.0:  # tried again within the dial's patience (2 windows)
        refused(stub, code, status)
    with pytest.raises(CarrierBusy) as raised:
        carrier.place(dial("7209814345"))
    assert raised.value.retry_after == retry_after


def test_a_throttled_call_taken_on_the_second_try(carrier, voice, clock):
    _client, stub = voice
    refused(stub, "ThrottledClientException", 429)
    created(stub, "+17209814345")
    assert carrier.place(dial("7209814345")) is None
    assert clock.slept == [1.0]


@pytest.mark.parametrize(
    "code", ["BadRequestException", "ForbiddenException", "AccessDeniedException"]
)
def test_a_refused_request_is_a_carrier_error(carrier, voice, code):
    _client, stub = voice
    refused(stub, code, 400)
    with pytest.raises(CarrierError) as raised:
        carrier.place(dial("7209814345"))
    assert not isinstance(raised.value, CarrierBusy)


def test_over_the_calls_per_second_setting_nothing_is_requested(carrier, pacing):
    pacing.waits = [5.0]  # the shared limiter's next window is 5 s away
    with pytest.raises(CarrierBusy):
        carrier.place(dial("7209814345"))


def test_waiting_briefly_for_the_limiters_next_window(carrier, voice, pacing, clock):
    _client, stub = voice
    pacing.waits = [0.4]
    created(stub, "+17209814345")
    carrier.place(dial("7209814345"))
    assert clock.slept == [0.4]


def test_the_originators_number_is_shown_when_it_is_the_accounts(carrier, voice):
    _client, stub = voice
    created(stub, "+17209814345", frm="+13035550100")
    carrier.place(dial("7209814345", caller_id="+13035550100"))


def test_hide_ani_shows_a_pool_number(carrier, voice):
    _client, stub = voice
    created(stub, "+13035551212", frm="+13035550100")
    carrier.place(dial("3035551212", caller_id=None))


def test_without_a_sip_media_application_nothing_is_placed(carrier):
    carrier.sma_id = ""
    with pytest.raises(CarrierError):
        carrier.place(dial("7209814345"))


def test_blast_audio_must_be_prepared(carrier):
    with pytest.raises(CarrierError):
        carrier.place(dial("7209814345", role="recipient", announcement={"audioKey": "tts/x.mp3"}))


# --- try-all -----------------------------------------------------------------------------------


def test_try_all_places_one_call_per_number_in_one_race(carrier, voice, board):
    _client, stub = voice
    created(stub, "+13035551111", "11111111-0000-4000-8000-000000000000")
    refused(stub, "BadRequestException", 400)
    created(stub, "+13035553333", "33333333-0000-4000-8000-000000000000")
    d = dial("3035551111", "3035552222", "3035553333", key="0.all")
    assert carrier.place(d) is None
    race = board.race_of(1177, "0.all")
    assert race.count == 3 and race.results == {1: FAILED}
    assert race.placed == {
        0: "11111111-0000-4000-8000-000000000000",
        2: "33333333-0000-4000-8000-000000000000",
    }


def test_try_all_nothing_placed_when_the_first_is_throttled(carrier, voice, clock):
    _client, stub = voice
    refused(stub, "ResourceLimitExceededException", 400)
    with pytest.raises(CarrierBusy):
        carrier.place(dial("3035551111", "3035552222", key="0.all"))


def test_try_all_whose_calls_all_ended_before_they_were_recorded(carrier, voice, board):
    _client, stub = voice
    created(stub, "+13035551111")
    refused(stub, "BadRequestException", 400)
    original = board.placed

    def placed_after_the_call_ended(call_id, key, references, failed):
        board.lost(call_id, key, 0, "Busy")
        return original(call_id, key, references, failed)

    board.placed = placed_after_the_call_ended
    outcome = carrier.place(dial("3035551111", "3035552222", key="0.all"))
    assert outcome.result == "NoAnswer"
    assert [(a.number, a.result) for a in outcome.attempts] == [
        ("3035551111", "Busy"),
        ("3035552222", "Failed"),
    ]


# --- the next leg, hanging up, watching --------------------------------------------------------


def test_the_next_leg_is_an_update_of_the_held_call(carrier, voice):
    _client, stub = voice
    d = dial("7202108298", key="1.0", role="origination", ask_for_one=False, announcement={})
    d = Dial(**{**d.__dict__, "bridge_to": reference(1177, TX)})
    stub.add_response(
        "update_sip_media_application_call",
        {"SipMediaApplicationCall": {"TransactionId": TX}},
        {
            "SipMediaApplicationId": SMA,
            "TransactionId": TX,
            "Arguments": legs.arguments("bridge", carrier.spec(d), "task-token"),
        },
    )
    assert carrier.place(d) is None


def test_a_held_call_that_is_gone_fails_the_next_leg(carrier, voice):
    _client, stub = voice
    refused(stub, "NotFoundException", 404, "update_sip_media_application_call")
    d = dial("7202108298", key="1.0", role="origination", ask_for_one=False, announcement={})
    d = Dial(**{**d.__dict__, "bridge_to": reference(1177, TX)})
    outcome = carrier.place(d)
    assert outcome.result == FAILED and [a.result for a in outcome.attempts] == [FAILED]


def test_hang_up_asks_the_calls_handler(carrier, voice):
    _client, stub = voice
    stub.add_response(
        "update_sip_media_application_call",
        {"SipMediaApplicationCall": {"TransactionId": TX}},
        {
            "SipMediaApplicationId": SMA,
            "TransactionId": TX,
            "Arguments": {"v": "1", "op": "hangup"},
        },
    )
    carrier.hang_up(reference(1177, TX))


def test_hang_up_of_a_call_already_over_is_fine(carrier, voice):
    _client, stub = voice
    refused(stub, "NotFoundException", 404, "update_sip_media_application_call")
    carrier.hang_up(reference(1177, TX))


def test_hang_up_tries_again_when_throttled(carrier, voice, clock):
    _client, stub = voice
    refused(stub, "ThrottledClientException", 429, "update_sip_media_application_call")
    stub.add_response(
        "update_sip_media_application_call", {"SipMediaApplicationCall": {"TransactionId": TX}}
    )
    carrier.hang_up(reference(1177, TX))
    assert clock.slept == [1.0]


def test_watch_meets_the_end_of_the_call(carrier, board):
    assert carrier.watch(reference(1177, TX), "watch-token") is None
    board.ended_after[1178] = 30
    assert carrier.watch(reference(1178, TX), "watch-token") == 30


def test_references():
    assert parse_reference(reference(7, TX)) == (7, TX)
    with pytest.raises(CarrierError):
        parse_reference("sim:7:0.0")


# --- rooms -------------------------------------------------------------------------------------


MEETING = "5f0c2f6e-0000-4000-8000-000000000001"
MEETING2 = "5f0c2f6e-0000-4000-8000-000000000002"


def meeting_made(stub, meeting_id: str, room: str = "chime-room:conference-7"):
    stub.add_response(
        "create_meeting",
        {"Meeting": {"MeetingId": meeting_id}},
        {
            "ClientRequestToken": ANY,
            "MediaRegion": "us-east-1",
            "ExternalMeetingId": f"ocp-dev-{room}",
        },
    )


def attendee(stub, meeting_id: str):
    stub.add_response(
        "create_attendee",
        {"Attendee": {"AttendeeId": MEETING, "ExternalUserId": "call-1", "JoinToken": "jt"}},
        {"MeetingId": meeting_id, "ExternalUserId": ANY},
    )


def test_a_room_is_a_meeting_made_when_the_first_leg_joins(carrier, meetings, board):
    _client, stub = meetings
    room = carrier.open_room("conference-7")
    assert room == "chime-room:conference-7"
    meeting_made(stub, MEETING)
    attendee(stub, MEETING)
    assert carrier.join(room, 1, TX) == (MEETING, "jt")
    attendee(stub, MEETING)  # the second leg: the same meeting
    assert carrier.join(room, 2, TX)[0] == MEETING
    assert board.meetings == {7: MEETING}


def test_a_meeting_the_service_ended_is_made_again(carrier, meetings, board):
    _client, stub = meetings
    board.meetings[7] = MEETING
    refused(stub, "NotFoundException", 404, "create_attendee")
    meeting_made(stub, MEETING2)
    attendee(stub, MEETING2)
    assert carrier.join("chime-room:conference-7", 1, TX)[0] == MEETING2


def test_closing_a_room_deletes_its_meeting(carrier, meetings, board):
    _client, stub = meetings
    board.meetings[7] = MEETING
    stub.add_response("delete_meeting", {}, {"MeetingId": MEETING})
    carrier.close_room("chime-room:conference-7")
    carrier.close_room("chime-room:conference-8")  # never joined: nothing to delete


# --- audio and pacing of blasts ------------------------------------------------------------------


def test_a_blasts_text_is_spoken_into_a_wav_once(carrier):
    prepared = carrier.prepare({"audioKey": "tts/x.mp3", "callbackTo": "+1"}, "Practice moved")
    assert prepared == {"audioKey": "tts/x.mp3", "callbackTo": "+1", "wavKey": "wav/14.wav"}


def test_a_blasts_upload_is_transcoded(carrier, monkeypatch):
    from chalicelib.media import wav

    monkeypatch.setattr(wav, "upload", lambda key, name: f"wav/of-{name}")
    assert carrier.prepare({"audioKey": "uploads/1/abc/hello.wma"})["wavKey"] == "wav/of-hello.wma"


def test_a_blast_is_scheduled_at_the_calls_per_second(carrier, pacing, clock):
    assert carrier.schedule(10_000) == (clock.t, 1.0)
    assert carrier.schedule(5) == (clock.t + 10_000, 1.0)  # after the first blast's turns


# --- settings, caller id -------------------------------------------------------------------------


def test_numbers_in_settings_must_be_e164(monkeypatch):
    from chalicelib import settings

    monkeypatch.setenv("OCP_CHIME_NUMBERS", "+13035550100, 7205550100")
    settings.reload()
    try:
        with pytest.raises(ValueError):
            ChimeCarrier.from_settings()
    finally:
        monkeypatch.undo()
        settings.reload()


def test_caller_id_rules():
    assert caller.choose(POOL, "+13035550100", "+17209814345") == "+13035550100"
    assert caller.choose(POOL, "+17202108298", "+17209814345") == "+17205550100"
    assert caller.choose(POOL, None, "+447700900123", spread=1) in POOL
    with pytest.raises(ValueError):
        caller.choose((), None, "+17209814345")


def test_the_arguments_map_is_json_strings():
    spec = Spec(1, "0.0", "destination", (Target("3035551212", "+13035551212"),), digits="12#")
    args = legs.arguments("dial", spec, "tok")
    assert json.loads(args["dial"])["x"] == "12#" and Spec.from_json(args["dial"]) == spec


def test_with_the_dialers_pacing_on_the_adapter_takes_no_slot_of_its_own(carrier, voice, pacing):
    # workflows/pacing.py admitted the dial: the adapter's own limiter is not asked
    _client, stub = voice
    carrier.limited = False
    pacing.waits = [5.0]  # would refuse
    created(stub, "+17209814345")
    assert carrier.place(dial("7209814345")) is None
    assert pacing.waits == [5.0]


def test_the_adapter_limits_itself_only_when_the_dialer_does_not_pace(tuned):
    from chalicelib.telephony.chime.adapter import ChimeCarrier

    tuned(OCP_CARRIER="chime", OCP_CHIME_SMA_ID="sma-1", OCP_CHIME_NUMBERS="+13035550100")
    assert ChimeCarrier.from_settings().limited is False
    tuned(OCP_PACING="false")
    assert ChimeCarrier.from_settings().limited is True
