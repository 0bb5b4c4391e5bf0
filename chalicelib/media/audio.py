"""What counts as blast audio: mp3 or wma, recognised by content (media.formats), at
most 5 MB.

The reference (blastvoice POST) allows "MPEG Audio Stream (.mp3) or Windows Media
Audio (.wma)" files of at most 5 MB; RULINGS: checked by content, not by name,
5,242,880 bytes at most, 903 beyond that and 902 for anything else. Bytes in, a
verdict out; storing is `media.storage`'s job.

A carrier that plays only WAV (chime) takes only what `media.transcode` decodes:
there, wma is 901 and an mp3 that does not decode (or plays too long) is refused at
upload, not when the blast starts. Twilio plays the mp3 as it is and no wma (901).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from chalicelib import settings
from chalicelib.errors import Code, OcpError
from chalicelib.media import MAX_AUDIO_BYTES, transcode
from chalicelib.media.formats import CONTENT_TYPES, MP3, WMA, kind_of
from chalicelib.media.formats import mp3_seconds as mp3_seconds  # tests/unit/test_audio.py

MAX_BYTES = MAX_AUDIO_BYTES

# Carriers that play 8 kHz WAV made by media.transcode, not the upload itself.
WAV_CARRIERS = frozenset({"chime"})
# Carriers that play the upload itself, which <Play> cannot when it is wma (Twilio plays
# mp3, wav, aiff, gsm, ulaw): refused at upload (901), as on Chime, not when the blast
# starts (docs/twilio.md).
MP3_CARRIERS = frozenset({"twilio"})


@dataclass(frozen=True)
class Audio:
    """Checked audio: its bytes, its kind (mp3 or wma) and a safe file name."""

    data: bytes
    kind: str
    name: str

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[self.kind]


def check(variable: str, value: str, data: bytes, filename: str = "") -> Audio:
    """The audio, or 903 (over 5 MB) / 902 (not mp3 or wma) naming `variable (value)`;
    with a WAV carrier, also what `media.transcode.probe` refuses."""
    if len(data) > MAX_BYTES:
        raise OcpError(Code.BAD_LENGTH, name=variable, value=value, low=1, high=MAX_BYTES)
    kind = kind_of(data)
    if kind is None:
        raise OcpError(Code.INVALID_VALUE, name=variable, value=value)
    carrier = settings.get().carrier
    if kind == WMA and carrier in MP3_CARRIERS:
        raise OcpError(Code.NOT_A_CHOICE, name=variable, choices=MP3)
    if carrier in WAV_CARRIERS:
        transcode.probe(data, value, variable=variable)
    return Audio(data, kind, safe_filename(filename, kind))


# -- file names ----------------------------------------------------------------

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_NAME_LIMIT = 100


def safe_filename(raw: str, kind: str) -> str:
    """The last path component of a client's file name, reduced to [A-Za-z0-9._-].

    The reference calls `audioFile` "the full path to a file", and old browsers send
    exactly that (`C:\\Users\\bob\\hello.mp3`), so both separators are cut. The
    extension always says what the content is.
    """
    base = re.split(r"[\\/]", raw or "")[-1]
    stem = _UNSAFE.sub("_", base.rsplit(".", 1)[0] if "." in base else base).strip("._")
    return f"{(stem or 'audio')[:_NAME_LIMIT]}.{kind}"
