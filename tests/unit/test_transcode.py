"""media.transcode: uploaded mp3 to the 8 kHz mono 16-bit WAV that PSTN Audio plays,
on real mp3 files encoded in the test (tests/audio_samples.tone_mp3)."""

from __future__ import annotations

import array
import io
import itertools
import wave

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.errors import OcpError
from chalicelib.media import transcode
from tests.audio_samples import mp3, tone_mp3, wma

# LAME adds its delay and pads to whole frames: up to ~1,200 samples at 8 kHz.
SLACK_SECONDS = 0.2


def read_wav(data: bytes) -> tuple[wave._wave_params, array.array]:
    with wave.open(io.BytesIO(data), "rb") as reader:
        params = reader.getparams()
        samples = array.array("h", reader.readframes(params.nframes))
    return params, samples


def dominant_hz(samples: array.array, rate: int = 8000) -> float:
    """Upward zero crossings per second over the middle half (away from the edges)."""
    middle = samples[len(samples) // 4 : 3 * len(samples) // 4]
    crossings = sum(1 for a, b in itertools.pairwise(middle) if a < 0 <= b)
    return crossings * rate / len(middle)


@pytest.mark.parametrize(
    ("rate", "channels"),
    [(44100, 2), (48000, 1), (32000, 2), (22050, 1), (16000, 2), (11025, 1), (8000, 1)],
)
def test_every_mpeg_version_becomes_8_khz_mono_16_bit_wav(rate, channels):
    # Given a one-second 440 Hz tone as MPEG-1, -2 or -2.5, mono or stereo
    data = tone_mp3(rate=rate, channels=channels, seconds=1.0)
    # When it is transcoded
    params, samples = read_wav(transcode.to_wav(data, "tone.mp3"))
    # Then it is 8 kHz mono 16-bit PCM, as long as the tone, at the tone's pitch
    assert (params.nchannels, params.sampwidth, params.framerate) == (1, 2, 8000)
    assert params.comptype == "NONE"
    assert abs(params.nframes / 8000 - 1.0) <= SLACK_SECONDS
    assert dominant_hz(samples) == pytest.approx(440, rel=0.03)
    assert max(samples) > 4000  # not silence: the tone's amplitude survives


def test_id3_tags_before_the_audio_are_skipped():
    params, samples = read_wav(transcode.to_wav(tone_mp3(tag=True), "tagged.mp3"))
    assert params.framerate == 8000 and dominant_hz(samples) == pytest.approx(440, rel=0.03)


def test_the_wav_header_is_the_canonical_44_bytes():
    data = transcode.to_wav(tone_mp3(seconds=0.5), "tone.mp3")
    assert data[:4] == b"RIFF" and data[8:16] == b"WAVEfmt "
    assert int.from_bytes(data[4:8], "little") == len(data) - 8
    assert data[36:40] == b"data" and int.from_bytes(data[40:44], "little") == len(data) - 44
    assert int.from_bytes(data[20:22], "little") == 1  # PCM
    assert int.from_bytes(data[28:32], "little") == 16000  # bytes a second


@settings(max_examples=12, deadline=None)
@given(
    rate=st.sampled_from([8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000]),
    channels=st.sampled_from([1, 2]),
    seconds=st.floats(min_value=0.2, max_value=1.5),
    kbps=st.sampled_from([32, 64, 128]),
)
def test_any_mp3_keeps_its_length(rate, channels, seconds, kbps):
    data = tone_mp3(rate=rate, channels=channels, seconds=seconds, kbps=kbps)
    params, _ = read_wav(transcode.to_wav(data, "tone.mp3"))
    assert (params.nchannels, params.sampwidth, params.framerate) == (1, 2, 8000)
    assert abs(params.nframes / 8000 - seconds) <= SLACK_SECONDS
    assert transcode.probe(data, "tone.mp3") == pytest.approx(seconds, abs=SLACK_SECONDS)


def test_wma_is_901_naming_what_is_accepted():
    with pytest.raises(OcpError) as e:
        transcode.to_wav(wma(), "hello.wma")
    assert e.value.code == 901
    assert e.value.details[0].message == "audioFile must be one of the following: mp3"


@pytest.mark.parametrize("data", [b"", b"hello", bytes(2000), b"RIFF" + bytes(100)])
def test_what_is_not_mp3_is_902(data):
    for check in (transcode.to_wav, transcode.probe):
        with pytest.raises(OcpError) as e:
            check(data, "x.mp3", variable="url")
        assert e.value.code == 902
        assert e.value.details[0].message == "url (x.mp3) does not contain a valid value"


def test_frames_that_pass_the_upload_check_but_hold_no_sound_decode_to_silence():
    # tests/audio_samples.mp3: valid frame headers, zero-filled frames
    params, samples = read_wav(transcode.to_wav(mp3(), "zero.mp3"))
    assert params.framerate == 8000 and params.nframes > 0 and not any(samples)


def test_audio_longer_than_playaudio_takes_is_903(monkeypatch):
    # PlayAudio plays at most 50 MB of WAV: 3,120 s at 8 kHz mono 16-bit
    assert transcode.MAX_SECONDS == 3120
    assert 44 + transcode.MAX_SECONDS * 16000 <= transcode.MAX_WAV_BYTES
    monkeypatch.setattr(transcode, "MAX_SECONDS", 1)
    data = tone_mp3(seconds=1.5)
    for check in (transcode.to_wav, transcode.probe):
        with pytest.raises(OcpError) as e:
            check(data, "long.mp3")
        assert e.value.code == 903
        assert e.value.details[0].message == (
            "audioFile (long.mp3) does not meet the length requirements. "
            "It must be between 1 and 1 seconds in length"
        )


def test_a_bytearray_is_taken_like_bytes():
    data = bytearray(tone_mp3(seconds=0.3))
    assert read_wav(transcode.to_wav(data, "tone.mp3"))[0].framerate == 8000


# -- at upload: audio.check with a carrier that plays WAV ---------------------------------


@pytest.fixture
def carrier(monkeypatch):
    from chalicelib import settings

    def use(name: str) -> None:
        monkeypatch.setenv("OCP_CARRIER", name)
        settings.reload()

    yield use
    monkeypatch.undo()
    settings.reload()


def test_with_chime_wma_is_refused_at_upload_with_901(carrier):
    from chalicelib.media import audio

    carrier("chime")
    for variable, value in [("audioFile", "hello.wma"), ("url", "https://a.example/x.wma")]:
        with pytest.raises(OcpError) as e:
            audio.check(variable, value, wma(), "hello.wma")
        assert e.value.code == 901
        assert e.value.details[0].message == f"{variable} must be one of the following: mp3"


def test_with_chime_an_mp3_too_long_to_play_is_refused_at_upload(carrier, monkeypatch):
    from chalicelib.media import audio

    carrier("chime")
    monkeypatch.setattr(transcode, "MAX_SECONDS", 1)
    with pytest.raises(OcpError) as e:
        audio.check("audioKey", "uploads/1/ab/long.mp3", tone_mp3(seconds=1.5), "long.mp3")
    assert e.value.code == 903
    assert "audioKey (uploads/1/ab/long.mp3)" in e.value.details[0].message


def test_with_chime_a_real_mp3_is_accepted(carrier):
    from chalicelib.media import audio

    carrier("chime")
    checked = audio.check("audioFile", "tone.mp3", tone_mp3(), "tone.mp3")
    assert (checked.kind, checked.name) == ("mp3", "tone.mp3")


def test_the_simulated_carrier_keeps_accepting_wma_as_the_reference_says(carrier):
    from chalicelib.media import audio

    carrier("simulated")
    assert audio.check("audioFile", "hello.wma", wma(), "hello.wma").kind == "wma"
