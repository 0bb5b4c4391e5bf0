"""Blast audio storage: POST /audioupload (an addition to the reference: a presigned S3
POST, since API Gateway cannot carry a 5 MB file to Lambda), claiming its key, storing
a multipart audioFile, and keeping a copy of a fetched url. Over moto's S3."""

from __future__ import annotations

import base64
import json

import pytest
import requests

from chalicelib.errors import OcpError
from tests.audio_samples import mp3, wma
from tests.examples import error_codes, xml

MAX = 5_242_880


def upload_form(api, filename: str | None = "hello.mp3") -> dict:
    response = api.post("/audioupload", {} if filename is None else {"filename": filename})
    assert response.status_code == 201, response.body
    body = xml(response.body)
    return {
        "key": body.findtext("key"),
        "url": body.findtext("url"),
        "fields": {f.findtext("name"): f.findtext("value") for f in body.iter("field")},
        "maxBytes": int(body.findtext("maxBytes")),
        "expires": int(body.findtext("expires")),
    }


def post_file(form: dict, data: bytes) -> requests.Response:
    """What a client does with the form (moto's S3 answers it)."""
    return requests.post(form["url"], data=form["fields"], files={"file": ("hello.mp3", data)})


# -- POST /audioupload ---------------------------------------------------------------


def test_the_form_names_a_unique_key_of_the_enterprise(api):
    first, second = upload_form(api), upload_form(api)
    assert first["key"].startswith("uploads/1/") and first["key"].endswith("/hello.mp3")
    assert first["key"] != second["key"]  # two hello.mp3 never collide
    assert first["fields"]["key"] == first["key"]
    assert first["maxBytes"] == MAX


def test_the_form_limits_the_size_to_5_mb_and_the_key(api):
    form = upload_form(api)
    policy = json.loads(base64.b64decode(form["fields"]["policy"]))
    assert ["content-length-range", 1, MAX] in policy["conditions"]
    assert {"key": form["key"]} in policy["conditions"]


def test_the_form_tags_the_upload_unclaimed(api):
    # an upload no blast ever claims expires (infra/ lifecycle rule on the tag)
    from chalicelib.media.storage import UNCLAIMED_TAGGING

    form = upload_form(api)
    policy = json.loads(base64.b64decode(form["fields"]["policy"]))
    assert form["fields"]["tagging"] == UNCLAIMED_TAGGING
    assert {"tagging": UNCLAIMED_TAGGING} in policy["conditions"]


def test_a_claimed_upload_loses_its_unclaimed_tag(api):
    # Given an upload tagged unclaimed, as S3 tags a presigned POST with the form's tagging
    # (moto's POST ignores the field: the tag is put as S3 would have)
    from chalicelib import settings
    from chalicelib.media import uploads
    from chalicelib.media.storage import UNCLAIMED_TAG
    from chalicelib.store import aws

    form = upload_form(api)
    post_file(form, mp3(1000))
    s3 = aws.client("s3")
    bucket = settings.get().audio_bucket
    key, value = UNCLAIMED_TAG
    s3.put_object_tagging(
        Bucket=bucket, Key=form["key"], Tagging={"TagSet": [{"Key": key, "Value": value}]}
    )
    # When a blast claims it
    uploads.claim(1, form["key"])
    # Then it is kept: the lifecycle rule no longer matches it
    assert s3.get_object_tagging(Bucket=bucket, Key=form["key"])["TagSet"] == []


def test_the_form_expires(api):
    from chalicelib import clock

    form = upload_form(api)
    assert clock.now() < form["expires"] <= clock.now() + 3600


def test_file_names_are_made_safe_and_default_to_audio_mp3(api):
    assert upload_form(api, "C:\\My Music\\<b>hi</b> there.WMA")["key"].endswith("/hi_there.wma")
    assert upload_form(api, None)["key"].endswith("/audio.mp3")


def test_the_form_in_json(api):
    response = api.post("/audioUpload?output=json", {"filename": "a.mp3"})
    body = json.loads(response.body)
    assert response.status_code == 201
    assert list(body) == ["key", "url", "fields", "maxBytes", "expires"]
    assert {"name": "key", "value": body["key"]} in body["fields"]


def test_without_a_session_it_is_401(app_client, enterprise):
    response = app_client.http.post("/audioupload")
    assert (response.status_code, error_codes(response.body)) == (401, [102])


# -- claiming what was uploaded -------------------------------------------------------


def test_an_uploaded_mp3_is_claimed_by_its_key(api):
    from chalicelib.media import uploads

    form = upload_form(api)
    assert post_file(form, mp3(MAX)).status_code == 204
    stored = uploads.claim(1, form["key"])
    assert (stored.key, stored.kind, stored.name, stored.size) == (
        form["key"],
        "mp3",
        "hello.mp3",
        MAX,
    )
    download = requests.get(stored.url())
    assert (download.status_code, download.headers["Content-Type"]) == (200, "audio/mpeg")


def test_an_uploaded_text_file_is_902(api):
    from chalicelib.media import uploads

    form = upload_form(api)
    post_file(form, b"not audio at all\n" * 100)
    with pytest.raises(OcpError) as e:
        uploads.claim(1, form["key"])
    assert e.value.code == 902
    assert e.value.details[0].message == f"audioKey ({form['key']}) does not contain a valid value"


def test_an_upload_over_5_mb_is_903(api):
    # S3 itself refuses it (content-length-range); moto does not, which shows the second check.
    from chalicelib.media import uploads

    form = upload_form(api)
    post_file(form, mp3(MAX + 1))
    with pytest.raises(OcpError) as e:
        uploads.claim(1, form["key"])
    assert e.value.code == 903


@pytest.mark.parametrize(
    "key",
    [
        "uploads/2/0123456789abcdef0123456789abcdef/hello.mp3",  # another enterprise's
        "tts/0123.mp3",
        "uploads/1/../../tts/x.mp3",
        "",
    ],
)
def test_keys_other_than_the_enterprises_own_uploads_are_902(api, key):
    from chalicelib.media import uploads

    with pytest.raises(OcpError) as e:
        uploads.claim(1, key)
    assert e.value.code == 902


def test_a_key_with_nothing_uploaded_is_902(api):
    from chalicelib.media import uploads

    with pytest.raises(OcpError) as e:
        uploads.claim(1, upload_form(api)["key"])
    assert e.value.code == 902


# -- a multipart audioFile, and a url ---------------------------------------------------


def test_checked_audio_is_stored_privately_under_a_key_of_its_own(api):
    from chalicelib.media import audio, storage, uploads

    checked = audio.check("audioFile", "hello.wma", wma(), "hello.wma")
    first, second = uploads.store(1, checked), uploads.store(2, checked)
    assert first.key.startswith("uploads/1/") and second.key.startswith("uploads/2/")
    assert first.key.rsplit("/", 1)[-1] == second.key.rsplit("/", 1)[-1] == "hello.wma"
    assert storage.read(first.key, MAX) == wma()
    assert requests.get(first.url().split("?", 1)[0]).status_code == 403  # private


def test_audio_from_a_url_is_checked_and_a_copy_kept(api):
    from chalicelib.media import storage, uploads
    from tests.unit.test_fetch import FakeResponse, Network

    network = Network(responses={"/sounds/Hello%20World.mp3": lambda: FakeResponse(body=mp3())})
    stored = uploads.store_from_url(
        1,
        "http://audio.example.com/sounds/Hello%20World.mp3",
        resolve=network.resolve,
        open_=network.open,
    )
    assert stored.key.startswith("uploads/1/") and stored.name == "Hello_20World.mp3"
    assert storage.read(stored.key, MAX) == mp3()


def test_text_from_a_url_is_902_and_not_stored(api):
    from chalicelib.media import uploads
    from chalicelib.store import aws
    from tests.unit.test_fetch import FakeResponse, Network

    network = Network(responses={"/a.mp3": lambda: FakeResponse(body=b"<html>hi</html>")})
    with pytest.raises(OcpError) as e:
        uploads.store_from_url(
            1, "http://audio.example.com/a.mp3", resolve=network.resolve, open_=network.open
        )
    assert e.value.code == 902
    assert (
        aws.client("s3").list_objects_v2(Bucket="ocp-test-audio", Prefix="uploads/")["KeyCount"]
        == 0
    )
