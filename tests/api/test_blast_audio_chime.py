"""blastvoice audio under the chime carrier (OCP_CARRIER=chime): what the carrier cannot
play (wma; an mp3 too long for PlayAudio) is refused when it is uploaded, by each of the
three ways audio arrives (audioFile, audioKey, url). The simulated carrier keeps the
reference's mp3-or-wma (tests/api/test_blasts.py)."""

from __future__ import annotations

import pytest
import requests

from tests.api.people import fails, new_user
from tests.api.test_audio_upload import upload_form
from tests.api.test_blasts import with_audio_file
from tests.audio_samples import tone_mp3, wma
from tests.examples import xml
from tests.unit.test_fetch import FakeResponse, Network

FIELDS = {"origination": "3:7202108298", "destination": "3:3035551212", "text": "Hi"}


@pytest.fixture
def chime(monkeypatch):
    from chalicelib import settings

    monkeypatch.setenv("OCP_CARRIER", "chime")
    settings.reload()
    yield
    monkeypatch.undo()
    settings.reload()


def test_a_wma_audio_file_is_901(api, chime):
    user_id = new_user(api)
    response = with_audio_file(
        api, "POST", "/blastvoice", {"userId": user_id, **FIELDS}, wma(), "hello.wma"
    )
    fails(response, 400, 901)
    assert xml(response.body).findtext(".//message") == (
        "audioFile must be one of the following: mp3"
    )


def test_a_real_mp3_audio_file_is_accepted(api, chime):
    user_id = new_user(api)
    response = with_audio_file(
        api, "POST", "/blastvoice", {"userId": user_id, **FIELDS}, tone_mp3(), "tone.mp3"
    )
    assert response.status_code == 201, response.body


def test_a_wma_uploaded_with_a_presigned_post_is_901_when_claimed(api, chime):
    user_id = new_user(api)
    form = upload_form(api, "hello.wma")
    assert requests.post(form["url"], data=form["fields"], files={"file": wma()}).ok
    response = api.post("/blastvoice", {"userId": user_id, **FIELDS, "audioKey": form["key"]})
    fails(response, 400, 901)


def test_a_wma_url_is_901_and_nothing_is_kept(api, chime):
    from chalicelib.errors import OcpError
    from chalicelib.media import uploads
    from chalicelib.store import aws

    network = Network(responses={"/a.wma": lambda: FakeResponse(body=wma())})
    with pytest.raises(OcpError) as e:
        uploads.store_from_url(
            1, "http://audio.example.com/a.wma", resolve=network.resolve, open_=network.open
        )
    assert e.value.code == 901
    listed = aws.client("s3").list_objects_v2(Bucket="ocp-test-audio", Prefix="uploads/")
    assert listed["KeyCount"] == 0
