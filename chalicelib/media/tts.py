"""Text to speech with Polly, each (voice, text) synthesised once.

The MP3 is stored under a key derived from what was synthesised, so the same text
in the same voice is found in the bucket instead of being sent to Polly again
(RULINGS "ttspreview"); ttspreview and voice blasts share these objects.
"""

from __future__ import annotations

import hashlib
import json

from chalicelib import metrics, settings
from chalicelib.media import (
    MAX_TEXT,  # noqa: F401 (tts.MAX_TEXT, as callers name it)
    VOICES,  # noqa: F401 (tts.VOICES, as callers name it)
    storage,
)
from chalicelib.store import aws

# Without a `voice`, settings.polly_voice (OCP_POLLY_VOICE, "Joanna") speaks.
_FORMAT = "mp3"
_ENGINE = "standard"


def speech_key(text: str, voice: str) -> str:
    """Where the speech for (voice, text) lives: changes to engine or format get new keys."""
    return key_for(storage.SPEECH, _FORMAT, voice, text, "mp3")


def key_for(prefix: str, output: str, voice: str, text: str, extension: str) -> str:
    """The key of speech in one output format (`output` names it in the digest)."""
    # JSON, not "a|b|c": no text can make two different requests read the same
    what = json.dumps([_ENGINE, output, voice, text], ensure_ascii=False)
    digest = hashlib.sha256(what.encode()).hexdigest()
    return f"{prefix}/{digest}.{extension}"


def speech(text: str, voice: str | None = None) -> str:
    """The key of an MP3 of `text` spoken by `voice`, synthesised only if not stored yet.

    Two first requests at the same moment may both synthesise; they write the same
    bytes to the same key, so the race costs one Polly call, never a wrong answer.
    """
    return spoken(text, voice)[0]


def spoken(text: str, voice: str | None = None) -> tuple[str, int]:
    """`speech`'s key, and the characters Polly was asked for to make it (0: it was
    stored already), what GET /usage counts."""
    voice = voice or settings.get().polly_voice
    key = speech_key(text, voice)
    cached = storage.exists(key)
    if not cached:
        storage.put(key, _synthesise(text, voice), "audio/mpeg")
    metrics.speech(cached, len(text))
    return key, 0 if cached else len(text)


def preview_url(text: str, voice: str | None = None) -> str:
    """ttspreview: a presigned HTTPS link to the MP3, valid at least an hour."""
    return preview(text, voice)[0]


def preview(text: str, voice: str | None = None) -> tuple[str, int]:
    """`preview_url`'s link, and the characters synthesised for it (`spoken`)."""
    key, characters = spoken(text, voice)
    return storage.presigned_get(key, content_type="audio/mpeg"), characters


def _synthesise(text: str, voice: str) -> bytes:
    return synthesise(text, voice, OutputFormat=_FORMAT)


def synthesise(text: str, voice: str, **output: str) -> bytes:
    """Polly's standard engine speaking `text`; `output`: OutputFormat (and SampleRate)."""
    response = aws.client("polly").synthesize_speech(
        Text=text, TextType="text", VoiceId=voice, Engine=_ENGINE, **output
    )
    with response["AudioStream"] as stream:
        return stream.read()
