"""Small audio files built byte by byte: MPEG-1 Layer III frames, ID3v2 tags, an ASF header."""

from __future__ import annotations

# MPEG-1 Layer III, 128 kbit/s, 44.1 kHz, no padding: 144 * 128000 // 44100 = 417 bytes a frame
FRAME_HEADER = bytes([0xFF, 0xFB, 0x90, 0x00])
FRAME = FRAME_HEADER + bytes(413)


def id3_tag(payload: bytes = b"TIT2\x00\x00\x00\x06\x00\x00\x03hello") -> bytes:
    size = len(payload)
    syncsafe = bytes([size >> 21 & 0x7F, size >> 14 & 0x7F, size >> 7 & 0x7F, size & 0x7F])
    return b"ID3\x04\x00\x00" + syncsafe + payload


def mp3(size: int | None = None, *, tag: bool = True) -> bytes:
    """An mp3 of exactly `size` bytes (frames, then zero filler), or a short one."""
    head = (id3_tag() if tag else b"") + FRAME * 3
    if size is None:
        return head
    return (head + bytes(max(0, size - len(head))))[:size]


ASF_HEADER_GUID = bytes.fromhex("3026B2758E66CF11A6D900AA0062CE6C")
ASF_AUDIO_MEDIA = bytes.fromhex("409E69F84D5BCF11A8FD00805F5C442B")
ASF_VIDEO_MEDIA = bytes.fromhex("C0EFA0BC4D5BCF11A8FD00805F5C442B")


def wma(media: bytes = ASF_AUDIO_MEDIA) -> bytes:
    """An ASF header object holding one stream properties object of the given media type."""
    stream_properties = (
        bytes.fromhex("9107DCB7B7A9CF118EE600C00C205365") + (24 + 16).to_bytes(8, "little") + media
    )
    header_size = 30 + len(stream_properties)
    return (
        ASF_HEADER_GUID
        + header_size.to_bytes(8, "little")
        + (1).to_bytes(4, "little")
        + b"\x01\x02"
        + stream_properties
        + b"\x00" * 64
    )


# -- real audio: a tone encoded by LAME (lameenc, a test-only dependency) ---------------------


def tone_mp3(
    *,
    rate: int = 44100,
    channels: int = 1,
    seconds: float = 1.0,
    hz: float = 440.0,
    kbps: int = 64,
    tag: bool = False,
) -> bytes:
    """A real mp3 of a sine tone: MPEG-1 at 32/44.1/48 kHz, MPEG-2 at 16/22.05/24 kHz,
    MPEG-2.5 at 8/11.025/12 kHz (LAME picks the version from the rate)."""
    import array
    import math

    import lameenc

    frames = int(rate * seconds)
    step = 2 * math.pi * hz / rate
    pcm = array.array(
        "h", (int(8000 * math.sin(step * i)) for i in range(frames) for _ in range(channels))
    )
    encoder = lameenc.Encoder()
    encoder.set_bit_rate(kbps)
    encoder.set_in_sample_rate(rate)
    encoder.set_channels(channels)
    encoder.set_quality(7)
    encoded = bytes(encoder.encode(pcm.tobytes()) + encoder.flush())
    return (id3_tag() if tag else b"") + encoded


def burst_then_silence_vbr_mp3(*, rate: int = 44100, burst: float = 0.2, silence: float = 3.0):
    """A variable-bitrate mp3 with no Xing header: a noise burst (big frames) then silence
    (small ones), so that a length guessed from the first frame's bitrate is far too short."""
    import array
    import random

    import lameenc

    noise = random.Random(7)
    pcm = array.array(
        "h",
        [int(noise.uniform(-20000, 20000)) for _ in range(int(rate * burst))]
        + [0] * int(rate * silence),
    )
    encoder = lameenc.Encoder()
    encoder.set_in_sample_rate(rate)
    encoder.set_channels(1)
    encoder.set_quality(7)
    encoder.set_vbr(4)  # vbr_default
    encoder.set_vbr_quality(2)
    return bytes(encoder.encode(pcm.tobytes()) + encoder.flush())
