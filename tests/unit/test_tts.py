"""Speech keys and the voice allow-list (no AWS here)."""

from chalicelib.media import tts


def test_the_key_is_addressed_by_voice_and_text():
    key = tts.speech_key("Hello", "Joanna")
    assert key == tts.speech_key("Hello", "Joanna")
    assert key.startswith("tts/") and key.endswith(".mp3") and len(key) == len("tts/.mp3") + 64
    assert (
        len(
            {
                key,
                tts.speech_key("Hello", "Matthew"),
                tts.speech_key("Hello ", "Joanna"),
                tts.speech_key("hello", "Joanna"),
            }
        )
        == 4
    )


def test_no_separator_trick_makes_two_requests_share_a_key():
    assert tts.speech_key("b|c", "a") != tts.speech_key("c", "a|b")


def test_every_allowed_voice_is_a_polly_voice_id_that_moto_also_knows():
    import botocore.session
    from moto.polly.resources import VOICE_IDS

    model = botocore.session.get_session().get_service_model("polly")
    voice_ids = set(model.shape_for("VoiceId").enum)
    assert set(tts.VOICES) <= voice_ids
    assert set(tts.VOICES) <= VOICE_IDS  # so that tests and `make run` can use each one
