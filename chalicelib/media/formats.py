"""Audio formats recognised by content, from the bytes alone: mp3 (frame headers, with
how long it plays) and wma (an ASF header declaring an audio stream). No decoding and
no compiled code: `media.audio` checks uploads with it, `media.transcode` probes before
it decodes.
"""

from __future__ import annotations

MP3, WMA = "mp3", "wma"
CONTENT_TYPES = {MP3: "audio/mpeg", WMA: "audio/x-ms-wma"}


def kind_of(data: bytes) -> str | None:
    """ "mp3", "wma", or None for anything else (an empty file included)."""
    if _is_wma(data):
        return WMA
    if _is_mp3(data):
        return MP3
    return None


# -- wma: an ASF file whose header declares an audio stream ------------------------

_ASF_HEADER = bytes.fromhex("3026B2758E66CF11A6D900AA0062CE6C")  # ASF_Header_Object
_ASF_AUDIO_MEDIA = bytes.fromhex("409E69F84D5BCF11A8FD00805F5C442B")  # ASF_Audio_Media


def _is_wma(data: bytes) -> bool:
    if len(data) < 30 or not data.startswith(_ASF_HEADER):
        return False
    header_size = int.from_bytes(data[16:24], "little")
    return 30 <= header_size <= len(data) and _ASF_AUDIO_MEDIA in data[30:header_size]


# -- mp3: optional ID3v2 tags, then two consecutive MPEG audio frame headers -------

# kbps by (MPEG-1?, layer), indexed by the header's 4-bit bitrate index (0 and 15 invalid)
_BITRATES = {
    (True, 1): (0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448),
    (True, 2): (0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384),
    (True, 3): (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    (False, 1): (0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256),
    (False, 2): (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
    (False, 3): (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}
# Hz by the header's 2-bit version (0 MPEG-2.5, 2 MPEG-2, 3 MPEG-1), then rate index
_SAMPLE_RATES = {0: (11025, 12000, 8000), 2: (22050, 24000, 16000), 3: (44100, 48000, 32000)}
# Encoders may leave junk or padding before the first frame; a frame is looked for
# this far past the tags, and only accepted when the next frame header follows it.
_SYNC_WINDOW = 4096


def _is_mp3(data: bytes) -> bool:
    start = _after_id3_tags(data)
    return start is not None and _frame_near(data, start) is not None


def mp3_seconds(data: bytes) -> float:
    """How long an mp3 plays, from its frame headers alone (no decoding): the frames of
    the first one's stream (same version, layer and sample rate) one after another, past
    junk between them as a decoder resyncs, up to what ends the stream (a trailing tag, a
    different stream). 0.0 for what is not an mp3.

    A decoder's quick length is a guess from the first frame's bitrate when the file has
    no Xing/VBRI header, far off for variable bitrate; this counts every frame.
    """
    start = _after_id3_tags(data)
    at = None if start is None else _frame_near(data, start)
    if at is None:
        return 0.0
    first = data[at : at + 4]
    stream = _stream_of(first)
    frames = 0
    while at is not None:
        frames += 1
        following = at + (_frame_length(data[at : at + 4]) or 0)
        nxt = data[following : following + 4]
        if _frame_length(nxt) is not None and _stream_of(nxt) == stream:
            at = following
        else:
            at = _frame_near(data, following, stream)
    rate = _SAMPLE_RATES[first[1] >> 3 & 3][first[2] >> 2 & 3]
    return frames * _samples_per_frame(first) / rate


def _frame_near(data: bytes, start: int, stream: tuple[int, int, int] | None = None) -> int | None:
    """Where the first frame within _SYNC_WINDOW bytes of `start` begins (of `stream`, if
    given), confirmed by the frame after it."""
    end = min(len(data), start + _SYNC_WINDOW)
    at = data.find(b"\xff", start, end)
    while at >= 0:
        header = data[at : at + 4]
        length = _frame_length(header)
        if (
            length is not None
            and (stream is None or _stream_of(header) == stream)
            and _next_frame_agrees(data, at, length)
        ):
            return at
        at = data.find(b"\xff", at + 1, end)
    return None


def _stream_of(header: bytes) -> tuple[int, int, int]:
    """Version, layer and sample rate (as coded): what stays the same through a stream."""
    return header[1] >> 3 & 3, header[1] >> 1 & 3, header[2] >> 2 & 3


def _samples_per_frame(header: bytes) -> int:
    mpeg1 = header[1] >> 3 & 3 == 3
    layer = 4 - (header[1] >> 1 & 3)
    if layer == 1:
        return 384
    return 576 if layer == 3 and not mpeg1 else 1152


def _after_id3_tags(data: bytes) -> int | None:
    """Where audio starts after any ID3v2 tags; None for a broken tag header."""
    at = 0
    while data.startswith(b"ID3", at):
        header = data[at : at + 10]
        if len(header) < 10 or header[3] not in (2, 3, 4) or header[4] == 0xFF:
            return None
        size_bytes = header[6:10]
        if any(b & 0x80 for b in size_bytes):  # sizes are "syncsafe": 7 bits per byte
            return None
        size = 0
        for b in size_bytes:
            size = size << 7 | b
        footer = 10 if header[5] & 0x10 else 0
        at += 10 + size + footer
    return at


def _frame_length(header: bytes) -> int | None:
    """Bytes in the MPEG audio frame starting with `header`, or None if it is not one."""
    if len(header) < 4 or header[0] != 0xFF or header[1] & 0xE0 != 0xE0:
        return None
    version = header[1] >> 3 & 3
    layer = 4 - (header[1] >> 1 & 3)  # 1, 2, 3; 4 is the reserved value 0
    bitrate_index = header[2] >> 4
    rate_index = header[2] >> 2 & 3
    padding = header[2] >> 1 & 1
    if (
        version == 1
        or layer == 4
        or bitrate_index in (0, 15)
        or rate_index == 3
        or header[3] & 3 == 2
    ):  # reserved version, layer, bitrate, rate, emphasis
        return None
    mpeg1 = version == 3
    bitrate = _BITRATES[(mpeg1, layer)][bitrate_index] * 1000
    rate = _SAMPLE_RATES[version][rate_index]
    if layer == 1:
        return (12 * bitrate // rate + padding) * 4
    per_frame = 72 if layer == 3 and not mpeg1 else 144
    return per_frame * bitrate // rate + padding


def _next_frame_agrees(data: bytes, at: int, length: int) -> bool:
    """The frame fits, and the next one (if the data goes on) has the same version,
    layer and sample rate: four bytes that merely look like a header rarely do."""
    following = at + length
    if following > len(data):
        return False
    if following + 4 > len(data):
        return True  # a single complete frame
    nxt = data[following : following + 4]
    return (
        _frame_length(nxt) is not None
        and nxt[1] & 0xFE == data[at + 1] & 0xFE
        and nxt[2] & 0x0C == data[at + 2] & 0x0C
    )
