"""The pure pieces of the Chime carrier: the actions' limits, what SIP codes and bridge
errors mean in OCP's vocabulary, the caller id, the telephone WAV header, the pacing
windows and the Wait state's timestamps."""

import io
import wave

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.media import wav
from chalicelib.store.pacing import window
from chalicelib.telephony import BUSY, FAILED, NO_ANSWER, caller, overall
from chalicelib.telephony.chime import actions, results
from chalicelib.workflows.dialing import timestamp

# --- actions -------------------------------------------------------------------------------


def test_at_most_ten_actions_a_response():
    assert len(actions.response([actions.pause("c", 1)] * 10)["Actions"]) == 10
    with pytest.raises(ValueError):
        actions.response([actions.pause("c", 1)] * 11)


def test_no_actions_keeps_the_pending_ones_and_no_attributes_keeps_the_stored():
    assert actions.response(None) == {"SchemaVersion": "1.0"}


@pytest.mark.parametrize("digits", [",,,,123456#", "*9#", "1" * 50, "ABCD"])
def test_send_digits_takes_dtmf_and_pauses(digits):
    assert actions.send_digits("c", digits)["Parameters"]["Digits"] == digits


@pytest.mark.parametrize("digits", ["", "1" * 51, "12x", "1 2"])
def test_send_digits_refuses_what_the_service_would(digits):
    with pytest.raises(ValueError):
        actions.send_digits("c", digits)


def test_call_and_bridge_rings_1_to_120_seconds_and_dials_e164():
    assert (
        actions.call_and_bridge("+13035550100", "+17202108298", 500)["Parameters"][
            "CallTimeoutSeconds"
        ]
        == 120
    )
    assert (
        actions.call_and_bridge("+13035550100", "+17202108298", 0)["Parameters"][
            "CallTimeoutSeconds"
        ]
        == 1
    )
    with pytest.raises(ValueError):
        actions.call_and_bridge("+13035550100", "7202108298", 30)


def test_the_question_has_the_parameters_the_service_requires():
    p = actions.play_and_get_digit("c", actions.audio("b", "k"), actions.audio("b", "f"))[
        "Parameters"
    ]
    assert {"FailureAudioSource", "RepeatDurationInMilliseconds", "InputDigitsRegex"} <= set(p)


# --- results ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "code, result",
    [
        (486, BUSY),
        ("486", BUSY),
        (600, BUSY),
        (603, BUSY),
        (480, NO_ANSWER),
        ("480", NO_ANSWER),
        (408, NO_ANSWER),
        (487, NO_ANSWER),
        (0, NO_ANSWER),
        (None, NO_ANSWER),
        (404, FAILED),
        (484, FAILED),
        ("503", FAILED),
    ],
)
def test_sip_codes_of_an_unanswered_leg(code, result):
    assert results.of_hangup(code) == result


@given(st.one_of(st.integers(), st.text(), st.none()))
def test_every_code_has_a_result(code):
    assert results.of_hangup(code) in (BUSY, NO_ANSWER, FAILED)


@pytest.mark.parametrize(
    "error_type, message, result",
    [
        ("CallNotAnswered", "Call not answered", NO_ANSWER),
        ("CallNotAnswered", "Busy Here (486)", BUSY),
        ("CallNotAnswered", None, NO_ANSWER),
        ("SystemException", "", FAILED),
        ("CallNotAnswered", "Service Unavailable (503)", FAILED),
    ],
)
def test_bridge_failures(error_type, message, result):
    assert results.of_bridge_failure(error_type, message) == result


def test_a_dial_nobody_answered():
    assert overall([BUSY, BUSY]) == BUSY
    assert overall([BUSY, FAILED]) == NO_ANSWER


# --- caller id --------------------------------------------------------------------------------

numbers = st.from_regex(r"\+[1-9][0-9]{9,13}", fullmatch=True)


@given(
    st.lists(numbers, min_size=1, max_size=5),
    st.one_of(st.none(), numbers),
    numbers,
    st.integers(0, 9),
)
def test_the_caller_id_is_always_a_number_of_the_pool(pool, wish, to, spread):
    chosen = caller.choose(tuple(pool), wish, to, spread)
    assert chosen in pool
    if wish in pool:
        assert chosen == wish


def test_the_nearest_pool_number_is_shown():
    pool = ("+13035550100", "+17205550100", "+442071838750")
    assert caller.choose(pool, None, "+17209814345") == "+17205550100"
    assert caller.choose(pool, None, "+442079460000") == "+442071838750"


# --- audio, pacing, timestamps --------------------------------------------------------------------


def test_polly_pcm_becomes_an_8khz_mono_16_bit_wav():
    from chalicelib.media import transcode

    data = transcode.wav(b"\x01\x00" * 8000)
    with wave.open(io.BytesIO(data)) as w:
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate(), w.getnframes()) == (
            1,
            2,
            8000,
            8000,
        )
    assert wav.seconds(len(data)) == 1.0


def test_speech_keys_depend_on_voice_and_text():
    a, b = wav.speech_key("hi", "Joanna"), wav.speech_key("hi", "Matthew")
    assert a != b and a.startswith("wav/") and a.endswith(".wav")


@pytest.mark.parametrize(
    "per_second, expected", [(1, (1.0, 1)), (5, (1.0, 5)), (0.25, (4.0, 1)), (2.5, (1.0, 2))]
)
def test_pacing_windows(per_second, expected):
    assert window(per_second) == expected


def test_a_wait_states_timestamp_is_utc_with_milliseconds():
    assert timestamp(1212186144.25) == "2008-05-30T22:22:24.250Z"
