"""Audio a telephone network plays: 8 kHz mono 16-bit PCM WAV in the audio bucket, under
the `wav/` prefix, each object addressed by what it holds, so it is made once.

    speech(text)        Polly speech of `text` (OutputFormat pcm, 8000 Hz) in a WAV header
    upload(key, name)   a blast's uploaded mp3, transcoded once per blast (media.transcode)
    seconds(size)       how long a WAV of `size` bytes plays

Chime SDK PSTN Audio plays "raw, uncompressed PCM .wav files of no more than 50 MB" and
recommends 8 kHz mono (its PlayAudio action); 5 MB of mp3 becomes about as many of WAV.
Only the voice connector service reads this prefix (its bucket policy: infra/).
"""

from __future__ import annotations

import hashlib
import time

from chalicelib import metrics, settings
from chalicelib.errors import Code, OcpError
from chalicelib.media import storage, transcode, tts  # (transcode's decoder loads on first use)
from chalicelib.media.audio import MAX_BYTES

PREFIX = storage.WAV
# Keys known to exist in this process, and since when: a warm function does not ask S3
# again for every dial. Bounded well below the bucket's expiry of synthesised speech.
_KNOWN_FOR_SECONDS = 3600
_known: dict[str, float] = {}


def seconds(size: int) -> float:
    """Playing time of a WAV of `size` bytes at 8 kHz, 16-bit mono (its header aside)."""
    return max(0, size - 44) / (transcode.RATE * transcode.SAMPLE_BYTES)


def speech_key(text: str, voice: str) -> str:
    return tts.key_for(PREFIX, "pcm8k", voice, text, "wav")


def speech(text: str, voice: str | None = None) -> str:
    """The key of a WAV of `text` spoken by `voice`, synthesised only if not stored yet.
    Like media.tts, two first requests at once both synthesise the same bytes."""
    voice = voice or settings.get().polly_voice
    key = speech_key(text, voice)
    cached = _exists(key)
    if not cached:
        # Polly's pcm: signed 16-bit mono at the rate asked for
        pcm = tts.synthesise(text, voice, OutputFormat="pcm", SampleRate=str(transcode.RATE))
        storage.put(key, transcode.wav(pcm), "audio/wav")
        _known[key] = time.monotonic()
    metrics.speech(cached, len(text))
    return key


def upload(key: str, filename: str) -> str:
    """The key of the WAV of an uploaded mp3 or wma (`key` in the bucket), transcoded only
    if that content has not been already. Called once per blast, when it starts."""
    data = storage.read(key, MAX_BYTES)
    if data is None:
        raise OcpError(Code.INVALID_VALUE, name="audioKey", value=key)
    wav_key = f"{PREFIX}/{hashlib.sha256(data).hexdigest()}.wav"
    if not _exists(wav_key):
        storage.put(wav_key, transcode.to_wav(data, filename), "audio/wav")
        _known[wav_key] = time.monotonic()
    return wav_key


def _exists(key: str) -> bool:
    seen = _known.get(key)
    if seen is not None and time.monotonic() - seen < _KNOWN_FOR_SECONDS:
        return True
    if storage.exists(key):
        _known[key] = time.monotonic()
        return True
    return False


def forget() -> None:
    """Tests: a fresh bucket has none of the keys this process has seen."""
    _known.clear()
