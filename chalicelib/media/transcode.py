"""Blast audio the telephone network can play: 8 kHz mono 16-bit PCM WAV.

Chime SDK PSTN Audio's PlayAudio takes "raw, uncompressed PCM .wav files of no more
than 50 MB ... 8 KHz mono" from S3 (../shared/telephony/chime-pstn-audio.md §3), so
an uploaded mp3 is decoded and resampled once per blast (`to_wav`), and checked at
upload (`probe`) so that a file the carrier cannot play is refused while the client
is still there to fix it.

The decoder is libsndfile (its mpg123 backend), through soundfile, and the resampler
libsoxr, through soxr, both on numpy: they publish Linux wheels for x86_64 and arm64
with the C libraries inside, so no FFmpeg and nothing of the system's. About 0.5 s of CPU
for five minutes of 128 kbit/s stereo mp3 on one core; memory stays flat whatever
the length, as the audio goes through in blocks. They are compiled, so infra/ vendors
the Lambda platform's wheels (infra/lambda_wheels.py), and they are imported only
here, on first use: `probe` needs none of them.

libsndfile reads a seekable file only as far as mpg123's quick length, which for a
variable-bitrate mp3 without a Xing header is a guess from the first frame's bitrate
(300 s read as 120 s): the mp3 is handed over through a pipe instead, which it reads
to the end of the stream.

wma is refused (901) when the carrier needs WAV: decoding it needs FFmpeg (PyAV's
wheels are ~130 MB unpacked and bundle GPL codecs), which no function here can
carry. docs/api-blasts-and-media.md#blast-audio-two-ways-to-upload-used-by-blastvoice
says so.
"""

from __future__ import annotations

import contextlib
import io
import os
import threading
import wave
from collections.abc import Iterator
from typing import Any

from chalicelib.errors import Code, OcpError
from chalicelib.media import formats

RATE = 8000  # Hz: the rate PSTN Audio recommends, and the telephone network's
CHANNELS = 1
SAMPLE_BYTES = 2  # signed 16-bit little-endian PCM
# PlayAudio's limit is 50 MB of WAV (taken as 50,000,000 bytes, the stricter reading):
# 16,000 bytes a second at 8 kHz mono 16-bit, so a little over 52 minutes.
MAX_WAV_BYTES = 50_000_000
MAX_SECONDS = (MAX_WAV_BYTES - 44) // (RATE * CHANNELS * SAMPLE_BYTES) // 60 * 60  # 3120
# The kinds `to_wav` decodes, and so the kinds a carrier that plays WAV accepts.
DECODABLE = frozenset({formats.MP3})
# Decoded frames handled at a time: 0.5 MB of float stereo, whatever the file's length.
BLOCK_FRAMES = 65536
# libsoxr's "high quality": 20-bit precision, its passband to 91% of 4 kHz.
QUALITY = "HQ"


def to_wav(data: bytes, filename: str, *, variable: str = "audioFile") -> bytes:
    """The audio as 8 kHz mono 16-bit PCM WAV bytes.

    901 for wma (not decodable here), 902 for what is not mp3 or does not decode (or
    decodes to nothing), 903 for audio longer than MAX_SECONDS; `variable (filename)`
    names it in the message.
    """
    probe(data, filename, variable=variable)
    soundfile, soxr, numpy = _decoder()
    limit = MAX_SECONDS * RATE
    written = 0
    out = io.BytesIO()
    with wave.open(out, "wb") as writer, _pipe(bytes(data)) as source:
        writer.setnchannels(CHANNELS)
        writer.setsampwidth(SAMPLE_BYTES)
        writer.setframerate(RATE)
        try:
            with soundfile.SoundFile(source, closefd=False) as decoded:
                if decoded.format != "MP3":
                    raise OcpError(Code.INVALID_VALUE, name=variable, value=filename)
                resampler = soxr.ResampleStream(
                    decoded.samplerate, RATE, CHANNELS, dtype="float32", quality=QUALITY
                )
                buffer = numpy.empty((BLOCK_FRAMES, decoded.channels), dtype=numpy.float32)
                while True:
                    block = decoded.read(BLOCK_FRAMES, dtype="float32", out=buffer)
                    last = len(block) == 0  # a pipe may return fewer frames before the end
                    mono = block.mean(axis=1, dtype=numpy.float32)
                    pcm = _pcm16(numpy, resampler.resample_chunk(mono, last=last))
                    written += len(pcm) // SAMPLE_BYTES
                    if written > limit:
                        raise _too_long(variable, filename)
                    writer.writeframes(pcm)
                    if last:
                        break
        except soundfile.SoundFileError:
            raise OcpError(Code.INVALID_VALUE, name=variable, value=filename) from None
    if written == 0:
        raise OcpError(Code.INVALID_VALUE, name=variable, value=filename)
    return out.getvalue()


def probe(data: bytes, filename: str, *, variable: str = "audioFile") -> float:
    """Seconds of audio, after checking that `to_wav` will take it (same errors).

    Walks the frame headers only (media.formats.mp3_seconds: about 30 ms for five minutes
    of mp3, with no compiled code to import), so an upload can be checked without
    decoding it.
    """
    _decodable_kind(data, filename, variable)
    seconds = formats.mp3_seconds(bytes(data))
    if seconds == 0:
        raise OcpError(Code.INVALID_VALUE, name=variable, value=filename)
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
    kind = formats.kind_of(data)
    if kind is None:
        raise OcpError(Code.INVALID_VALUE, name=variable, value=filename)
    if kind not in DECODABLE:
        raise OcpError(Code.NOT_A_CHOICE, name=variable, choices=", ".join(sorted(DECODABLE)))
    return kind


def _too_long(variable: str, filename: str) -> OcpError:
    return OcpError(
        Code.BAD_LENGTH, name=variable, value=filename, low=1, high=f"{MAX_SECONDS} seconds"
    )


def _pcm16(numpy: Any, samples: Any) -> bytes:
    """Float samples (full scale 1.0) as signed 16-bit little-endian, clipped."""
    scaled = numpy.rint(samples * 32767.0)
    return numpy.clip(scaled, -32768, 32767).astype("<i2").tobytes()


@contextlib.contextmanager
def _pipe(data: bytes) -> Iterator[int]:
    """The read end of a pipe that a thread fills with `data`: libsndfile reads a pipe
    to the end of the stream (see the module's docstring)."""
    read_end, write_end = os.pipe()

    def feed() -> None:
        view = memoryview(data)
        try:
            while view:
                view = view[os.write(write_end, view) :]
        except BrokenPipeError:
            pass  # the decoder stopped early: an error, or too long
        finally:
            os.close(write_end)

    feeder = threading.Thread(target=feed, name="transcode-pipe", daemon=True)
    feeder.start()
    try:
        yield read_end
    finally:
        os.close(read_end)
        feeder.join()


def _decoder() -> tuple[Any, Any, Any]:
    # compiled (libsndfile, libsoxr, numpy): only blasts with audio under a WAV carrier
    # need them
    import numpy
    import soundfile
    import soxr

    return soundfile, soxr, numpy
