"""Blast audio checks: mp3 or wma by content, at most 5,242,880 bytes
(RULINGS "blastvoice audio")."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.errors import OcpError
from chalicelib.media import audio
from chalicelib.protocol import params
from tests.audio_samples import ASF_VIDEO_MEDIA, FRAME, FRAME_HEADER, id3_tag, mp3, wma

MAX = 5_242_880


def test_the_limit_is_five_mebibytes():
    assert audio.MAX_BYTES == MAX == 5 * 1024 * 1024


def test_an_mp3_of_exactly_the_limit_is_accepted():
    checked = audio.check("audioFile", "hello.mp3", mp3(MAX), "hello.mp3")
    assert (checked.kind, checked.name, len(checked.data)) == ("mp3", "hello.mp3", MAX)


def test_one_byte_over_the_limit_is_903():
    with pytest.raises(OcpError) as e:
        audio.check("audioFile", "hello.mp3", mp3(MAX + 1), "hello.mp3")
    assert e.value.code == 903
    assert e.value.details[0].message == (
        "audioFile (hello.mp3) does not meet the length requirements. "
        "It must be between 1 and 5242880 in length"
    )


def test_a_renamed_text_file_is_902():
    with pytest.raises(OcpError) as e:
        audio.check(
            "audioFile", "hello.mp3", b"Dear John,\nthis is not a song.\n" * 40, "hello.mp3"
        )
    assert e.value.code == 902
    assert e.value.details[0].message == "audioFile (hello.mp3) does not contain a valid value"


@pytest.mark.parametrize(
    "data, kind",
    [
        (mp3(), "mp3"),  # ID3v2 tag, then frames
        (mp3(tag=False), "mp3"),  # bare MPEG frames
        (b"\x00" * 100 + FRAME * 2, "mp3"),  # encoder padding before the first frame
        (FRAME, "mp3"),  # a single complete frame
        (wma(), "wma"),
    ],
)
def test_audio_is_recognised_by_content(data, kind):
    assert audio.kind_of(data) == kind


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"ID3",  # a tag header cut short
        id3_tag(),  # a tag and no audio
        id3_tag() + b"hello world, not audio at all",
        FRAME_HEADER + bytes(20),  # a header whose frame is cut short
        FRAME_HEADER + bytes(413) + b"\xff\xf0junk",  # the next "frame" does not agree
        bytes([0xFF, 0xE8, 0x90, 0x00]) + bytes(500),  # reserved MPEG version
        bytes([0xFF, 0xFB, 0xF0, 0x00]) + bytes(500),  # bitrate index 15
        b"RIFF\x24\x00\x00\x00WAVEfmt ",  # a WAV file
        b"%PDF-1.4\n" + bytes(600),
        wma(ASF_VIDEO_MEDIA),  # ASF without an audio stream (video)
        wma()[:40],  # header object cut short
    ],
)
def test_other_content_is_not_audio(data):
    assert audio.kind_of(data) is None


@given(st.text(max_size=400))
def test_no_text_is_taken_for_audio(text):
    # UTF-8 never has a 0xFF byte, so text cannot hold an MPEG frame sync.
    assert audio.kind_of(text.encode()) is None


# -- how long an mp3 plays, from its frame headers ------------------------------------

# MPEG-2 Layer III, 80 kbit/s, 22.05 kHz: another stream than FRAME's (MPEG-1, 44.1 kHz)
MPEG2_FRAME = bytes([0xFF, 0xF3, 0x90, 0x00]) + bytes(72 * 80000 // 22050 - 4)
SECONDS_A_FRAME = 1152 / 44100  # MPEG-1 Layer III: 1,152 samples a frame


@given(
    frames=st.integers(min_value=2, max_value=40),
    tag=st.booleans(),
    junk=st.sampled_from([b"", b"\x00" * 7, b"junk", b"\xff\x00\x12"]),
)
def test_every_frame_of_the_stream_is_counted_past_junk_between_them(frames, tag, junk):
    # Given an mp3 with junk between its two halves, as a damaged file has (its first
    # frame is taken once the next confirms it)
    half = max(2, frames // 2)
    data = (id3_tag() if tag else b"") + FRAME * half + junk + FRAME * (frames - half)
    # Then every frame counts, and only frames
    assert audio.mp3_seconds(data) == pytest.approx(frames * SECONDS_A_FRAME)


def test_what_ends_the_stream_ends_the_count():
    id3v1 = b"TAG" + bytes(125)
    assert audio.mp3_seconds(FRAME * 5 + id3v1) == pytest.approx(5 * SECONDS_A_FRAME)
    # a decoder stops where another stream starts (libsndfile's mpg123 does)
    assert audio.mp3_seconds(FRAME * 5 + MPEG2_FRAME * 9) == pytest.approx(5 * SECONDS_A_FRAME)
    assert audio.mp3_seconds(MPEG2_FRAME * 9) == pytest.approx(9 * 576 / 22050)


@pytest.mark.parametrize("data", [b"", b"hello", bytes(5000), wma(), id3_tag()])
def test_what_is_not_mp3_plays_for_no_time(data):
    assert audio.mp3_seconds(data) == 0.0


def test_the_name_says_what_the_content_is():
    assert audio.check("audioFile", "x", wma(), "hello.mp3").name == "hello.wma"
    assert audio.check("audioFile", "x", wma(), "hello.mp3").content_type == "audio/x-ms-wma"


@pytest.mark.parametrize(
    "raw, safe",
    [
        ("hello.mp3", "hello.mp3"),
        ("C:\\Documents and Settings\\bob\\My Music\\hello.mp3", "hello.mp3"),
        ("../../etc/passwd", "passwd.mp3"),
        ("<script>.mp3", "script.mp3"),
        ("rock & roll.MP3", "rock_roll.mp3"),
        ("", "audio.mp3"),
        (".mp3", "audio.mp3"),
        ("x" * 300 + ".mp3", "x" * 100 + ".mp3"),
    ],
)
def test_file_names_are_reduced_to_a_safe_last_component(raw, safe):
    assert audio.safe_filename(raw, "mp3") == safe


# -- the audioFile variable of a multipart body --------------------------------------


def multipart(data: bytes, filename: str = "hello.mp3") -> params.Variables:
    boundary = "OcpBoundary"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="userId"\r\n\r\n1\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="audioFile"; '
        f'filename="{filename}"\r\nContent-Type: audio/mpeg\r\n\r\n'
    ).encode()
    body += data + f"\r\n--{boundary}--\r\n".encode()
    return params.from_request(
        {}, {"content-type": f"multipart/form-data; boundary={boundary}"}, body
    )


def test_an_audio_file_part_of_exactly_the_limit_is_read():
    checked = params.read(multipart(mp3(MAX)), params.AudioFile("audioFile"))["audioFile"]
    assert (checked.kind, len(checked.data)) == ("mp3", MAX)


def test_an_audio_file_part_one_byte_over_is_903():
    with pytest.raises(OcpError) as e:
        params.read(multipart(mp3(MAX + 1)), params.AudioFile("audioFile"))
    assert e.value.code == 903


def test_a_renamed_text_file_part_is_902_with_every_other_bad_variable():
    with pytest.raises(OcpError) as e:
        params.read(
            multipart(b"just some text\n" * 10),
            params.AudioFile("audioFile"),
            params.Text("text", required=True),
        )
    assert [d.code for d in e.value.details] == [902, 900]


def test_an_audio_file_sent_as_a_plain_value_is_902():
    variables = params.Variables({"audiofile": "C:\\hello.mp3"})
    with pytest.raises(OcpError) as e:
        params.read(variables, params.AudioFile("audioFile"))
    assert e.value.code == 902


def test_an_absent_optional_audio_file_is_none_and_a_required_one_900():
    assert params.read(params.Variables(), params.AudioFile("audioFile")) == {"audioFile": None}
    with pytest.raises(OcpError) as e:
        params.read(params.Variables(), params.AudioFile("audioFile", required=True))
    assert e.value.code == 900
