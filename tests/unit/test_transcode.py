"""media.transcode: uploaded mp3 to the 8 kHz mono 16-bit WAV that PSTN Audio plays,
on real mp3 files encoded in the test (tests/audio_samples.tone_mp3)."""

from __future__ import annotations

import array
import io
import itertools
import math
import wave

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.errors import OcpError
from chalicelib.media import transcode
from tests.audio_samples import FRAME, burst_then_silence_vbr_mp3, id3_tag, mp3, tone_mp3, wma

# LAME adds its delay (1,105 samples) and pads to whole frames (576 samples at 8-12 kHz),
# and without a LAME tag (lameenc writes none) a decoder plays them: up to 0.215 s at
# 8 kHz, measured over input lengths.
SLACK_SECONDS = 0.25


def read_wav(data: bytes) -> tuple[wave._wave_params, array.array]:
    with wave.open(io.BytesIO(data), "rb") as reader:
        params = reader.getparams()
        samples = array.array("h", reader.readframes(params.nframes))
    return params, samples


def middle(samples: array.array) -> array.array:
    """The middle half: away from the clicks where a tone starts and stops."""
    return samples[len(samples) // 4 : 3 * len(samples) // 4]


def rms(samples: array.array) -> float:
    return math.sqrt(sum(s * s for s in middle(samples)) / len(middle(samples)))


def dominant_hz(samples: array.array, rate: int = 8000) -> float:
    """Upward zero crossings per second over the middle half."""
    crossings = sum(1 for a, b in itertools.pairwise(middle(samples)) if a < 0 <= b)
    return crossings * rate / len(middle(samples))


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


def test_a_variable_bitrate_mp3_without_a_xing_header_is_decoded_to_its_end():
    # Given an mp3 whose first frames are big and the rest small: its length guessed from
    # the first frame's bitrate (what libsndfile stops at in a seekable file) is ~0.5 s
    data = burst_then_silence_vbr_mp3(burst=0.2, silence=3.0)
    # When it is checked and transcoded
    seconds = transcode.probe(data, "speech.mp3")
    params, _ = read_wav(transcode.to_wav(data, "speech.mp3"))
    # Then both see all of its 3.2 seconds
    assert seconds == pytest.approx(3.2, abs=SLACK_SECONDS)
    assert params.nframes / 8000 == pytest.approx(3.2, abs=SLACK_SECONDS)


@pytest.mark.parametrize("rate", [44100, 48000, 16000])
def test_content_above_4_khz_is_filtered_out_not_folded_back(rate):
    # The network carries 300-3,400 Hz; at 8 kHz anything above 4 kHz would alias
    reference = rms(read_wav(transcode.to_wav(tone_mp3(rate=rate, hz=440), "a.mp3"))[1])
    in_band = rms(read_wav(transcode.to_wav(tone_mp3(rate=rate, hz=3400), "b.mp3"))[1])
    _, above = read_wav(transcode.to_wav(tone_mp3(rate=rate, hz=6000), "c.mp3"))
    assert in_band == pytest.approx(reference, rel=0.05)  # the passband is flat to 3.4 kHz
    assert max(map(abs, middle(above))) <= 2  # a 6 kHz tone: nothing but rounding


def test_how_the_audio_is_cut_into_blocks_changes_nothing(monkeypatch):
    data = tone_mp3(rate=44100, channels=2, seconds=1.5)
    whole = transcode.to_wav(data, "tone.mp3")
    monkeypatch.setattr(transcode, "BLOCK_FRAMES", 1000)
    assert transcode.to_wav(data, "tone.mp3") == whole


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


def test_another_format_behind_mp3_frames_is_902():
    # An ID3 tag, then a WAV file whose samples look like mp3 frames: the upload check
    # sees mp3, the decoder a WAV file; it is not played as mp3 and not guessed at
    out = io.BytesIO()
    with wave.open(out, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(8000)
        writer.writeframes(FRAME * 4)
    with pytest.raises(OcpError) as e:
        transcode.to_wav(id3_tag() + out.getvalue(), "x.mp3")
    assert e.value.code == 902


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


def test_audio_longer_than_its_frame_headers_say_is_903_when_decoded(monkeypatch):
    # The decoded length is checked too, not only the headers' count
    monkeypatch.setattr(transcode, "MAX_SECONDS", 1)
    monkeypatch.setattr(transcode.formats, "mp3_seconds", lambda data: 0.5)
    with pytest.raises(OcpError) as e:
        transcode.to_wav(tone_mp3(seconds=1.5), "long.mp3")
    assert e.value.code == 903


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
