"""Blast audio the telephone network can play: 8 kHz mono 16-bit PCM WAV.

Chime SDK PSTN Audio's PlayAudio takes "raw, uncompressed PCM .wav files of no more
than 50 MB ... 8 KHz mono" from S3 (../shared/telephony/chime-pstn-audio.md §3), so
an uploaded mp3 is decoded and resampled once per blast (`to_wav`), and checked at
upload (`probe`) so that a file the carrier cannot play is refused while the client
is still there to fix it.

The decoder is miniaudio (MIT; its dr_mp3 decoder and resampler in one ~0.6 MB
wheel, through cffi; no FFmpeg): about 0.4 s for five minutes of 128 kbit/s stereo
mp3 on one core. It is compiled code, so infra/ vendors the Lambda platform's wheel
(infra/lambda_wheels.py), and it is imported only here, on first use.

wma is refused (901) when the carrier needs WAV: decoding it needs FFmpeg (PyAV's
wheels are ~130 MB unpacked and bundle GPL codecs), which no function here can
carry. README "Blast audio on real calls" says so.
"""

from __future__ import annotations

import io
import wave
from typing import Any

from chalicelib.errors import OcpError
from chalicelib.media import audio

RATE = 8000  # Hz: the rate PSTN Audio recommends, and the telephone network's
CHANNELS = 1
SAMPLE_BYTES = 2  # signed 16-bit little-endian PCM
# PlayAudio's limit is 50 MB of WAV (taken as 50,000,000 bytes, the stricter reading):
# 16,000 bytes a second at 8 kHz mono 16-bit, so a little over 52 minutes.
MAX_WAV_BYTES = 50_000_000
MAX_SECONDS = (MAX_WAV_BYTES - 44) // (RATE * CHANNELS * SAMPLE_BYTES) // 60 * 60  # 3120
# The kinds `to_wav` decodes, and so the kinds a carrier that plays WAV accepts.
DECODABLE = frozenset({audio.MP3})


def to_wav(data: bytes, filename: str, *, variable: str = "audioFile") -> bytes:
    """The audio as 8 kHz mono 16-bit PCM WAV bytes.

    901 for wma (not decodable here), 902 for what is not mp3 or does not decode (or
    decodes to nothing), 903 for audio longer than MAX_SECONDS; `variable (filename)`
    names it in the message.
    """
    _decodable_kind(data, filename, variable)
    miniaudio = _miniaudio()
    try:
        decoded = miniaudio.decode(
            bytes(data),
            output_format=miniaudio.SampleFormat.SIGNED16,
            nchannels=CHANNELS,
            sample_rate=RATE,
        )
    except miniaudio.MiniaudioError:
        raise OcpError(902, name=variable, value=filename) from None
    frames = decoded.num_frames
    if frames == 0:
        raise OcpError(902, name=variable, value=filename)
    if frames > MAX_SECONDS * RATE:
        raise _too_long(variable, filename)
    return wav(decoded.samples.tobytes())


def probe(data: bytes, filename: str, *, variable: str = "audioFile") -> float:
    """Seconds of audio, after checking that `to_wav` will take it (same errors).

    Reads the frame headers only (about 10 ms for five minutes of mp3), so an upload
    can be checked without decoding it.
    """
    _decodable_kind(data, filename, variable)
    miniaudio = _miniaudio()
    try:
        info = miniaudio.mp3_get_info(bytes(data))
    except miniaudio.MiniaudioError:
        raise OcpError(902, name=variable, value=filename) from None
    if info.num_frames == 0 or not info.sample_rate:
        raise OcpError(902, name=variable, value=filename)
    seconds = info.num_frames / info.sample_rate
    if seconds > MAX_SECONDS:
        raise _too_long(variable, filename)
    return seconds


def wav(pcm: bytes) -> bytes:
    """8 kHz mono signed 16-bit little-endian PCM wrapped in a WAV header."""
    out = io.BytesIO()
    with wave.open(out, "wb") as writer:
        writer.setnchannels(CHANNELS)
        writer.setsampwidth(SAMPLE_BYTES)
        writer.setframerate(RATE)
        writer.writeframes(pcm)
    return out.getvalue()


def _decodable_kind(data: bytes, filename: str, variable: str) -> str:
    kind = audio.kind_of(data)
    if kind is None:
        raise OcpError(902, name=variable, value=filename)
    if kind not in DECODABLE:
        raise OcpError(901, name=variable, choices=", ".join(sorted(DECODABLE)))
    return kind


def _too_long(variable: str, filename: str) -> OcpError:
    return OcpError(903, name=variable, value=filename, low=1, high=f"{MAX_SECONDS} seconds")


def _miniaudio() -> Any:
    import miniaudio  # compiled (cffi); only blasts with audio under a WAV carrier need it

    return miniaudio
