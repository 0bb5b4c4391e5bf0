"""The SIP media application handler, fed recorded-shape invocation events
(tests/fixtures/chime/*.json: the envelope, CallDetails and ActionData as the Chime SDK
developer guide and logged events show them; our own ArgumentsMap and
TransactionAttributes inside). In-memory fakes stand for DynamoDB and the task API."""

import json
import logging
from pathlib import Path

import pytest

from chalicelib.telephony import Target
from chalicelib.telephony.chime import legs
from chalicelib.telephony.chime.legs import Spec, State
from chalicelib.telephony.chime.sma import HOLD_MS, Handler
from tests.unit.chime_fakes import FakeBoard, FakeCarrier, FakeDialer

FIXTURES = Path(__file__).parents[1] / "fixtures" / "chime"
TX = "8c9372d0-e766-4890-823a-32ca8403201a"
A = "2adfe491-55b4-4b1f-9a51-3c3b0c0d1e01"
B = "7f3e0c11-9d2a-4c61-8e0b-6a5d2c9b8f02"
NOW = 1212186144
BUCKET = "ocp-test-audio"


def fixture(name: str) -> dict:
    return json.loads((FIXTURES / f"{name}.json").read_text())


def state_of(event_or_response: dict) -> State:
    attributes = event_or_response.get("TransactionAttributes") or event_or_response[
        "CallDetails"
    ].get("TransactionAttributes")
    return State.from_attributes(attributes)


def with_state(event: dict, **changes) -> dict:
    """The event with its TransactionAttributes changed (another stage, spec...)."""
    state = state_of(event)
    for name, value in changes.items():
        setattr(state, name, value)
    event["CallDetails"]["TransactionAttributes"] = state.attributes()
    return event


@pytest.fixture
def board():
    return FakeBoard()


@pytest.fixture
def dialer(board):
    return FakeDialer(board)


@pytest.fixture
def carrier():
    return FakeCarrier()


@pytest.fixture
def handler(board, dialer, carrier):
    return Handler(carrier=carrier, dialer=dialer, bucket=BUCKET, board=board, now=lambda: NOW)


def types(response: dict) -> list[str]:
    return [a["Type"] for a in response.get("Actions") or []]


def outcomes(dialer) -> list[tuple[str, str, list]]:
    return [
        (d.key, o.result, [(a.number, a.result) for a in o.attempts], o.reference)
        for d, o in dialer.dials
    ]


# --- each event type ---------------------------------------------------------------------


def test_a_new_outbound_call_keeps_its_dial_as_transaction_attributes(handler, dialer):
    response = handler.handle(fixture("new_outbound_call"))
    assert response["SchemaVersion"] == "1.0" and response["Actions"] == []
    state = state_of(response)
    assert (state.stage, state.dial.call_id, state.dial.key, state.token[:4]) == (
        "ringing",
        1177,
        "0.0",
        "AQCE",
    )
    # At most 10 pairs (the service's smaller documented limit), all strings
    attributes = response["TransactionAttributes"]
    assert len(attributes) <= 10 and all(isinstance(v, str) for v in attributes.values())
    assert dialer.dials == []


def test_ringing_changes_nothing(handler, dialer):
    response = handler.handle(fixture("ringing"))
    assert "Actions" not in response  # the service ignores an answer to RINGING anyway
    assert state_of(response).stage == "ringing" and dialer.dials == []


def test_an_answered_leg_hears_the_announcement_and_is_asked_for_1(handler):
    response = handler.handle(fixture("call_answered"))
    assert types(response) == ["Pause", "PlayAudioAndGetDigits"]
    ask = response["Actions"][1]["Parameters"]
    assert ask["CallId"] == A and ask["InputDigitsRegex"] == "^1$"
    assert ask["AudioSource"] == {"Type": "S3", "BucketName": BUCKET, "Key": "wav/announcement.wav"}
    assert ask["FailureAudioSource"]["Key"] == "wav/press-1.wav"
    assert ask["RepeatDurationInMilliseconds"] > 0  # required by the service
    assert state_of(response).stage == "asking"


def test_1_pressed_reports_success_and_holds_the_leg(handler, dialer):
    response = handler.handle(fixture("press1_success"))
    assert outcomes(dialer) == [("0.0", "Success", [("7209814345", "Success")], f"chime:1177:{TX}")]
    assert types(response) == ["PlayAudio", "Pause"]
    assert response["Actions"][1]["Parameters"]["DurationInMilliseconds"] == HOLD_MS
    state = state_of(response)
    assert (state.stage, state.reported) == ("held", True)


def test_no_1_is_declined_and_hung_up(handler, dialer):
    response = handler.handle(fixture("press1_failed"))
    assert outcomes(dialer) == [("0.0", "Declined", [("7209814345", "Declined")], None)]
    assert types(response) == ["Hangup"]


@pytest.mark.parametrize(
    "name, code, result",
    [
        ("hangup_busy", 486, "Busy"),
        ("hangup_noanswer", "480", "NoAnswer"),
        ("hangup_busy", "603", "Busy"),
        ("hangup_busy", 404, "Failed"),
        ("hangup_busy", 503, "Failed"),
        ("hangup_noanswer", 0, "NoAnswer"),
    ],
)
def test_each_sip_outcome_of_an_unanswered_leg(handler, dialer, name, code, result):
    event = fixture(name)
    event["ActionData"]["Parameters"]["SipResponseCode"] = code
    handler.handle(event)
    assert outcomes(dialer) == [("0.0", result, [("7209814345", result)], None)]


def test_a_held_leg_keeps_waiting(handler, dialer):
    response = handler.handle(fixture("pause_done"))
    assert types(response) == ["Pause"] and dialer.dials == []


def test_an_interruption_needs_no_answer(handler, dialer):
    response = handler.handle(fixture("action_interrupted"))
    assert "Actions" not in response and dialer.dials == []


# --- the leg bridged second ---------------------------------------------------------------


def test_a_bridge_request_rings_the_next_leg_from_a_pool_number(handler):
    response = handler.handle(fixture("update_bridge"))
    [bridge] = response["Actions"]
    assert bridge["Type"] == "CallAndBridge"
    assert bridge["Parameters"]["Endpoints"] == [
        {"BridgeEndpointType": "PSTN", "Uri": "+17202108298"}
    ]
    assert bridge["Parameters"]["CallerIdNumber"] == "+17205550100"
    assert 1 <= bridge["Parameters"]["CallTimeoutSeconds"] <= 120
    state = state_of(response)
    assert (state.stage, state.bridge.key, state.bridge_token[:4]) == ("bridging", "1.0", "AQCE")


def test_a_bridged_leg_reports_success_with_the_same_reference(handler, dialer):
    response = handler.handle(fixture("bridge_success"))
    assert outcomes(dialer) == [("1.0", "Success", [("7202108298", "Success")], f"chime:1177:{TX}")]
    assert dialer.dials[0][0].token.endswith("origination-dial")
    assert response["Actions"] == []
    state = state_of(response)
    assert (state.stage, state.connected_at) == ("connected", NOW)


@pytest.mark.parametrize(
    "message, result",
    [
        ("Call not answered", "NoAnswer"),
        ("Busy Here (486)", "Busy"),
        ("Service Unavailable (503)", "Failed"),
    ],
)
def test_a_bridge_that_fails_reports_and_holds_leg_a_again(handler, dialer, message, result):
    event = fixture("bridge_noanswer")
    event["ActionData"]["ErrorMessage"] = message
    response = handler.handle(event)
    assert outcomes(dialer) == [("1.0", result, [("7202108298", result)], None)]
    assert types(response) == ["Pause"]
    assert state_of(response).stage == "held"


def test_a_bridge_of_another_error_type_is_failed(handler, dialer):
    event = fixture("bridge_noanswer")
    event["ActionData"].update(ErrorType="SystemException", ErrorMessage="error")
    handler.handle(event)
    assert outcomes(dialer)[0][1] == "Failed"


def test_a_try_all_second_leg_rings_its_numbers_one_after_another(handler, dialer):
    event = fixture("bridge_noanswer")
    state = state_of(event)
    two = Spec(
        **{
            **state.bridge.__dict__,
            "targets": (Target("7202108298", "+17202108298"), Target("7205551111", "+17205551111")),
        }
    )
    event = with_state(event, bridge=two)
    response = handler.handle(event)
    assert dialer.dials == []
    assert response["Actions"][0]["Parameters"]["Endpoints"][0]["Uri"] == "+17205551111"
    # the second number answers: both numbers' results are reported
    success = with_state(fixture("bridge_success"), bridge=state_of(response).bridge)
    success["CallDetails"]["TransactionAttributes"] = response["TransactionAttributes"]
    handler.handle(success)
    assert outcomes(dialer) == [
        (
            "1.0",
            "Success",
            [("7202108298", "NoAnswer"), ("7205551111", "Success")],
            f"chime:1177:{TX}",
        )
    ]


def test_an_autoconference_pin_is_sent_down_leg_b_after_the_bridge(handler, dialer):
    event = fixture("bridge_success")
    state = state_of(event)
    event = with_state(event, bridge=Spec(**{**state.bridge.__dict__, "digits": "123456#"}))
    response = handler.handle(event)
    assert response["Actions"] == [
        {
            "Type": "SendDigits",
            "Parameters": {"CallId": B, "Digits": ",,,,123456#", "ToneDurationInMilliseconds": 250},
        }
    ]
    assert dialer.dials == []
    sent = fixture("bridge_success")
    sent["InvocationEventType"] = "ACTION_SUCCESSFUL"
    sent["ActionData"] = {"Type": "SendDigits", "Parameters": response["Actions"][0]["Parameters"]}
    sent["CallDetails"]["TransactionAttributes"] = response["TransactionAttributes"]
    handler.handle(sent)
    assert outcomes(dialer)[0][:2] == ("1.0", "Success")


def test_the_pin_is_never_logged(handler, caplog):
    event = fixture("bridge_success")
    state = state_of(event)
    event = with_state(event, bridge=Spec(**{**state.bridge.__dict__, "digits": "987654#"}))
    with caplog.at_level(logging.DEBUG):
        handler.handle(event)
    assert "987654" not in caplog.text
    assert "AQCEAAAA" not in caplog.text  # nor a task token


# --- the end of a connected call ---------------------------------------------------------------


def test_a_hang_up_ends_the_call_and_the_other_leg_is_hung_up(handler, dialer, board):
    board.watch_tokens[1177] = "watch-token"
    response = handler.handle(fixture("hangup_connected"))
    assert response["Actions"] == [
        {"Type": "Hangup", "Parameters": {"CallId": A, "SipResponseCode": "0"}}
    ]
    assert dialer.ends == [("watch-token", 0)]
    assert state_of(response).stage == "ended"


def test_the_end_before_the_watch_waits_for_it(handler, dialer, board):
    handler.now = lambda: NOW + 42
    handler.handle(fixture("hangup_connected"))
    assert dialer.ends == [] and board.ended_after == {1177: 42}


def test_a_hang_up_request_hangs_up_every_leg(handler):
    response = handler.handle(fixture("update_hangup"))
    assert types(response) == ["Hangup"]
    assert state_of(response).stage == "ended"


# --- late, lost and repeated -------------------------------------------------------------------


def test_a_late_answer_after_the_task_timed_out_is_hung_up(handler, dialer):
    dialer.tasks.waiting = False
    response = handler.handle(fixture("call_answered"))
    assert types(response) == ["Hangup"]
    assert dialer.dials == []  # the state machine recorded NoAnswer itself


def test_a_press_1_after_the_task_timed_out_is_hung_up(handler, dialer):
    dialer.tasks.waiting = False
    response = handler.handle(fixture("press1_success"))
    assert types(response) == ["Hangup"]
    assert dialer.dials == []


def test_a_repeated_event_reports_once_and_answers_the_same(handler, dialer):
    # The service repeats an event it got no answer to in 5 s; the first was handled
    first = handler.handle(fixture("press1_success"))
    dialer.tasks.waiting = False  # the report closed the task
    again = handler.handle(fixture("press1_success"))
    assert len(dialer.dials) == 1
    assert types(again) == types(first) == ["PlayAudio", "Pause"]


def test_an_invalid_response_is_answered_with_a_clean_end(handler, dialer):
    response = handler.handle(fixture("invalid_lambda_response"))
    assert types(response) == ["Hangup"]
    assert outcomes(dialer) == [("0.0", "Failed", [("7209814345", "Failed")], None)]
    state = state_of(response)
    assert (state.stage, state.invalid) == ("ended", 1)


def test_the_application_id_comes_from_the_event_when_settings_lack_it(board, dialer):
    from chalicelib.telephony.chime.adapter import ChimeCarrier

    carrier = ChimeCarrier(sma_id="", numbers=("+17205550100",), board=board, pacing=object())
    handler = Handler(carrier=carrier, dialer=dialer, bucket=BUCKET, board=board, now=lambda: NOW)
    handler.handle(fixture("ringing"))
    assert carrier.sma_id == "b89ecad8-3f43-426b-a778-582a7fdb4db1"


def test_an_event_without_our_attributes_is_hung_up(handler, dialer):
    event = fixture("call_answered")
    del event["CallDetails"]["TransactionAttributes"]
    assert types(handler.handle(event)) == ["Hangup"]
    assert dialer.dials == []


# --- try-all ---------------------------------------------------------------------------------


def race_event(name: str, index: int) -> dict:
    event = fixture(name)
    state = state_of(event)
    targets = (
        Target("7209814345", "+17209814345"),
        Target("3035551212", "+13035551212"),
        Target("3035550101", "+13035550101"),
    )
    return with_state(
        event, dial=Spec(**{**state.dial.__dict__, "targets": targets, "index": index})
    )


def test_the_first_to_press_1_wins_and_the_others_are_hung_up(handler, dialer, board, carrier):
    board.open_race(1177, "0.0", 3)
    board.placed(1177, "0.0", {0: "tx-0", 1: "tx-1", 2: "tx-2"}, {})
    board.lost(1177, "0.0", 2, "Busy")
    handler.handle(race_event("press1_success", 1))
    assert outcomes(dialer) == [
        (
            "0.0",
            "Success",
            [("7209814345", "NoAnswer"), ("3035551212", "Success"), ("3035550101", "Busy")],
            f"chime:1177:{TX}",
        )
    ]
    assert carrier.hung_up == ["chime:1177:tx-0"]
    # A loser answering later is hung up, and reports nothing
    response = handler.handle(race_event("call_answered", 0))
    assert types(response) == ["Hangup"] and len(dialer.dials) == 1
    # as is a loser pressing 1 a moment too late
    response = handler.handle(race_event("press1_success", 0))
    assert types(response) == ["Hangup"] and len(dialer.dials) == 1


def test_the_last_leg_to_fail_reports_for_all(handler, dialer, board):
    board.open_race(1177, "0.0", 3)
    board.placed(1177, "0.0", {0: "tx-0", 1: "tx-1"}, {2: "Failed"})
    handler.handle(race_event("hangup_busy", 0))
    assert dialer.dials == []
    handler.handle(race_event("press1_failed", 1))
    assert outcomes(dialer) == [
        (
            "0.0",
            "NoAnswer",
            [("7209814345", "Busy"), ("3035551212", "Declined"), ("3035550101", "Failed")],
            None,
        )
    ]


# --- conference rooms, blasts -------------------------------------------------------------------


def room_event(name: str) -> dict:
    event = fixture(name)
    state = state_of(event)
    return with_state(
        event, dial=Spec(**{**state.dial.__dict__, "room": "chime-room:conference-7", "hold": ""})
    )


def test_a_participant_who_presses_1_joins_the_rooms_meeting(handler, dialer, carrier):
    response = handler.handle(room_event("press1_success"))
    assert response["Actions"] == [
        {
            "Type": "JoinChimeMeeting",
            "Parameters": {
                "CallId": A,
                "ParticipantTag": "LEG-A",
                "MeetingId": "5f0c2f6e-0000-4000-8000-000000000001",
                "JoinToken": "join-token-1",
            },
        }
    ]
    assert carrier.joins == [("chime-room:conference-7", 1177)] and dialer.dials == []
    joined = room_event("press1_success")
    joined["ActionData"] = {
        "Type": "JoinChimeMeeting",
        "Parameters": response["Actions"][0]["Parameters"],
    }
    joined["CallDetails"]["TransactionAttributes"] = response["TransactionAttributes"]
    after = handler.handle(joined)
    assert outcomes(dialer)[0][:2] == ("0.0", "Success")
    assert after["Actions"] == [] and state_of(after).stage == "connected"


def test_a_room_that_cannot_be_joined_fails_the_leg(handler, dialer, carrier):
    carrier.fail_join = True
    response = handler.handle(room_event("press1_success"))
    assert types(response) == ["Hangup"]
    assert outcomes(dialer)[0][1] == "Failed"


def blast_event(name: str, callback: str = "+17202108298") -> dict:
    event = fixture(name)
    state = state_of(event)
    spec = Spec(
        **{
            **state.dial.__dict__,
            "role": "recipient",
            "ask_for_one": False,
            "accept_machine": True,
            "hold": "",
            "callback": callback,
            "prompt": "wav/callback.wav" if callback else "",
        }
    )
    return with_state(event, dial=spec)


def test_a_blast_recipient_is_reported_at_answer_and_hears_the_message(handler, dialer):
    response = handler.handle(blast_event("call_answered"))
    assert outcomes(dialer) == [("0.0", "Success", [("7209814345", "Success")], f"chime:1177:{TX}")]
    assert types(response) == ["Pause", "PlayAudio", "PlayAudioAndGetDigits"]
    assert response["Actions"][2]["Parameters"]["AudioSource"]["Key"] == "wav/callback.wav"
    assert state_of(response).stage == "playing"


def test_a_blast_without_callback_hangs_up_after_the_message(handler):
    response = handler.handle(blast_event("call_answered", callback=""))
    assert types(response) == ["Pause", "PlayAudio", "Hangup"]


def test_a_recipient_who_presses_1_is_bridged_to_the_originator(handler, dialer):
    event = blast_event("press1_success")
    event = with_state(event, stage=legs.PLAYING, reported=True, connected_at=NOW)
    response = handler.handle(event)
    [bridge] = response["Actions"]
    assert bridge["Type"] == "CallAndBridge"
    assert bridge["Parameters"]["Endpoints"][0]["Uri"] == "+17202108298"
    assert state_of(response).stage == "calling-back" and dialer.dials == []


def test_a_recipient_who_does_not_press_1_is_hung_up_and_the_end_reported(handler, board):
    event = with_state(blast_event("press1_failed"), stage=legs.PLAYING, connected_at=NOW - 30)
    response = handler.handle(event)
    assert types(response) == ["Hangup"]
    assert board.ended_after == {1177: 30}
