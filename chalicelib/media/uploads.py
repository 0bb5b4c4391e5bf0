"""Blast audio in the private bucket: stored from a multipart `audioFile`, fetched
from a `url`, or uploaded by the client itself with a presigned POST and then
claimed by its key. Every way ends in a `StoredAudio` that blastvoice keeps.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from chalicelib.errors import Code, OcpError
from chalicelib.imports import on_first_use
from chalicelib.media import audio, formats, storage
from chalicelib.media.audio import MAX_BYTES, Audio

if TYPE_CHECKING:
    from chalicelib.media.fetch import Opener, Resolver

# http.client and ssl: only a blast whose audio comes from a URL needs them.
if TYPE_CHECKING:
    from chalicelib.media import fetch
else:
    fetch = on_first_use("chalicelib.media.fetch")


@dataclass(frozen=True)
class StoredAudio:
    key: str
    kind: str  # mp3 or wma
    name: str  # the file name shown back (blastvoice GET's <audiofile><name>)
    size: int

    @property
    def content_type(self) -> str:
        return formats.CONTENT_TYPES[self.kind]

    def url(self) -> str:
        """A presigned link to play or download it, served with its checked type."""
        return storage.presigned_get(self.key, content_type=self.content_type)


def store(eid: int, checked: Audio) -> StoredAudio:
    """Put checked audio (a multipart `audioFile`) under a fresh key of its own."""
    key = storage.new_upload_key(eid, checked.name)
    storage.put(key, checked.data, checked.content_type)
    return StoredAudio(key, checked.kind, checked.name, len(checked.data))


def store_from_url(
    eid: int,
    url: str,
    *,
    variable: str = "url",
    resolve: Resolver | None = None,
    open_: Opener | None = None,
) -> StoredAudio:
    """Fetch `url` safely (media.fetch), check it like an upload, keep a copy: the
    blast then plays what was checked, whatever the URL serves later."""
    fetched = fetch.fetch(url, variable=variable, resolve=resolve, open_=open_)
    filename = fetched.url.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
    return store(eid, audio.check(variable, url, fetched.data, filename))


def upload_form(eid: int, filename: str | None) -> storage.UploadForm:
    """POST /audioupload: a presigned S3 POST for one file of at most 5 MB.

    API Gateway cannot pass a 5 MB file to Lambda (base64 makes it ~6.7 MB, over
    Lambda's 6 MB payload limit), so large audio goes to S3 directly.
    """
    name = filename or "audio.mp3"
    kind = formats.WMA if name.lower().endswith(".wma") else formats.MP3
    key = storage.new_upload_key(eid, audio.safe_filename(name, kind))
    return storage.presigned_post(key, MAX_BYTES)


def claim(eid: int, key: str, *, variable: str = "audioKey") -> StoredAudio:
    """The audio a client uploaded with a presigned POST, checked as an `audioFile`.

    902 when the key is not one of this enterprise's upload keys, or nothing was
    uploaded there, or it is not mp3/wma; 903 when it is over 5 MB.
    """
    if storage.upload_key_owner(key) != eid:
        raise OcpError(Code.INVALID_VALUE, name=variable, value=key)
    data = storage.read(key, MAX_BYTES)
    if data is None:
        raise OcpError(Code.INVALID_VALUE, name=variable, value=key)
    name = key.rsplit("/", 1)[-1]
    checked = audio.check(variable, key, data, name)
    storage.keep(key)  # claimed: no longer expires as an unclaimed upload
    return StoredAudio(key, checked.kind, checked.name, len(data))
