"""The private audio bucket: objects go in under unique keys and leave only through
presigned links (DESIGN.md "Media").

Keys:
  uploads/{eid}/{32 hex}/{file name}   blast audio, one fresh key per upload, so ten
                                       users' `hello.mp3` never collide (blastvoice POST)
  tts/{sha256}.mp3                     synthesised speech, addressed by its content
  wav/...                              8 kHz mono WAV for the chime carrier (media/transcode.py,
                                       Polly PCM); the only prefix the carrier may read
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from chalicelib import clock, settings
from chalicelib.store import aws

if TYPE_CHECKING:
    from botocore.exceptions import ClientError

# Key prefixes: infra/ grants each function its prefixes and expires SPEECH objects
# (a cache: tts.speech() synthesises again what has expired).
UPLOADS = "uploads"
SPEECH = "tts"
WAV = "wav"
# What a client uploads with a presigned POST carries this tag until it is claimed (a blast
# names it, `media.uploads.claim`): infra/ expires tagged objects under UPLOADS after
# UNCLAIMED_DAYS, so an upload never claimed is not kept forever.
UNCLAIMED_TAG = ("ocp-unclaimed", "true")
UNCLAIMED_DAYS = 2
UNCLAIMED_TAGGING = (
    f"<Tagging><TagSet><Tag><Key>{UNCLAIMED_TAG[0]}</Key><Value>{UNCLAIMED_TAG[1]}</Value>"
    "</Tag></TagSet></Tagging>"
)
_UPLOAD_KEY = re.compile(r"uploads/(?P<eid>[0-9]+)/[0-9a-f]{32}/[A-Za-z0-9._-]{1,120}")


@dataclass(frozen=True)
class UploadForm:
    """A presigned S3 POST: the client posts `fields` plus its `file` part to `url`."""

    url: str
    fields: dict[str, str]
    key: str
    max_bytes: int
    expires_at: int  # Unix time


def new_upload_key(eid: int, filename: str) -> str:
    """A key no other upload has: the enterprise, a random part, the safe file name."""
    return f"{UPLOADS}/{eid}/{uuid.uuid4().hex}/{filename}"


def upload_key_owner(key: str) -> int | None:
    """The enterprise an upload key belongs to, or None if it is not an upload key."""
    match = _UPLOAD_KEY.fullmatch(key or "")
    return int(match["eid"]) if match else None


def put(key: str, data: bytes, content_type: str) -> None:
    aws.client("s3").put_object(Bucket=_bucket(), Key=key, Body=data, ContentType=content_type)


def exists(key: str) -> bool:
    try:
        aws.client("s3").head_object(Bucket=_bucket(), Key=key)
    except ClientError as e:
        if _missing(e):
            return False
        raise
    return True


def read(key: str, max_bytes: int) -> bytes | None:
    """The object's bytes, or None if there is no such object. Reads at most
    `max_bytes` + 1, so that the caller can tell an oversized object without
    downloading all of it."""
    try:
        response = aws.client("s3").get_object(Bucket=_bucket(), Key=key)
    except ClientError as e:
        if _missing(e):
            return None
        raise
    with response["Body"] as body:
        return body.read(max_bytes + 1)


def presigned_get(key: str, content_type: str | None = None) -> str:
    """A link that downloads the object for `presign_get_seconds` (at least an hour).

    The response's Content-Type is fixed by the link when given, whatever the uploader
    declared: a checked mp3 is always served as audio.
    """
    params = {"Bucket": _bucket(), "Key": key}
    if content_type:
        params["ResponseContentType"] = content_type
    return aws.client("s3").generate_presigned_url(
        "get_object", Params=params, ExpiresIn=settings.get().presign_get_seconds
    )


def presigned_post(key: str, max_bytes: int) -> UploadForm:
    """A form that lets a client put one object of 1..max_bytes bytes at exactly `key`.

    S3 enforces the size (content-length-range), the key and the UNCLAIMED_TAG; it cannot
    look at the content, so whoever later uses the key checks it (`media.uploads.claim`).
    """
    expires_in = settings.get().presign_post_seconds
    form = aws.client("s3").generate_presigned_post(
        Bucket=_bucket(),
        Key=key,
        Fields={"tagging": UNCLAIMED_TAGGING},
        Conditions=[["content-length-range", 1, max_bytes], {"tagging": UNCLAIMED_TAGGING}],
        ExpiresIn=expires_in,
    )
    return UploadForm(form["url"], dict(form["fields"]), key, max_bytes, clock.now() + expires_in)


def keep(key: str) -> None:
    """A claimed upload is kept: its UNCLAIMED_TAG goes (the lifecycle rule expires only
    tagged objects)."""
    aws.client("s3").delete_object_tagging(Bucket=_bucket(), Key=key)


def _bucket() -> str:
    return settings.get().audio_bucket


def _missing(error: ClientError) -> bool:
    # HEAD answers a bare 404; GET names NoSuchKey.
    return error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound")
