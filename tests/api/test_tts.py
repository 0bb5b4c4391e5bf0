"""ttspreview POST against the reference (examples/ttspreview-POST.xml) and RULINGS "ttspreview"."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from tests.examples import assert_matches_example, error_codes, xml

JOHN = {
    "firstName": "John",
    "lastName": "Doe",
    "email": "john@example.com",
    "phoneNumber": "3035551212",
    "phoneType": "2",
}


@pytest.fixture
def user_id(api) -> int:
    return int(xml(api.post("/user", JOHN).body).findtext("userId"))


@pytest.fixture
def polly_calls(aws):
    """Every SynthesizeSpeech request the application sends (to moto's Polly)."""
    from chalicelib.store import aws as clients

    calls: list[dict] = []
    events = clients.client("polly").meta.events
    handler = lambda params, **_: calls.append(params)  # noqa: E731
    events.register("provide-client-params.polly.SynthesizeSpeech", handler)
    yield calls
    events.unregister("provide-client-params.polly.SynthesizeSpeech", handler)


def preview(api, body: dict, query: str = ""):
    return api.post(f"/ttspreview{query}", body)


def test_returns_201_and_a_url_in_the_reference_body(api, user_id):
    response = preview(api, {"userId": user_id, "text": "Your meeting starts in five minutes"})
    assert response.status_code == 201
    assert_matches_example(response.body, "ttspreview-POST.xml", ignore=("url",))


def test_the_url_downloads_the_mp3_for_at_least_an_hour(api, user_id):
    url = xml(preview(api, {"userId": user_id, "text": "hello"}).body).findtext("url")
    parts = urlsplit(url)
    assert parts.scheme == "https"
    query = parse_qs(parts.query)
    assert query["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"]
    assert int(query["X-Amz-Expires"][0]) >= 3600
    download = requests.get(url)  # answered by moto's S3, which checks the signature
    assert download.status_code == 200
    assert download.headers["Content-Type"] == "audio/mpeg"
    assert download.content  # moto's Polly returns placeholder bytes


def test_the_mp3_is_private(api, user_id):
    url = xml(preview(api, {"userId": user_id, "text": "hello"}).body).findtext("url")
    unsigned = url.split("?", 1)[0]
    assert requests.get(unsigned).status_code == 403


def test_the_same_text_and_voice_are_synthesised_once(api, user_id, polly_calls):
    first = preview(api, {"userId": user_id, "text": "Same words"})
    second = preview(api, {"userId": user_id, "text": "Same words"})
    assert (first.status_code, second.status_code) == (201, 201)
    assert len(polly_calls) == 1
    assert polly_calls[0] == {
        "Text": "Same words",
        "TextType": "text",
        "VoiceId": "Joanna",
        "OutputFormat": "mp3",
        "Engine": "standard",
    }
    key = lambda r: urlsplit(xml(r.body).findtext("url")).path  # noqa: E731
    assert key(first) == key(second)


def test_other_text_or_voice_is_synthesised_again(api, user_id, polly_calls):
    preview(api, {"userId": user_id, "text": "Same words"})
    preview(api, {"userId": user_id, "text": "Other words"})
    preview(api, {"userId": user_id, "text": "Same words", "voice": "matthew"})
    assert [(c["Text"], c["VoiceId"]) for c in polly_calls] == [
        ("Same words", "Joanna"),
        ("Other words", "Joanna"),
        ("Same words", "Matthew"),
    ]


def test_text_is_sanitised_as_a_string_before_synthesis(api, user_id, polly_calls):
    preview(api, {"userId": user_id, "text": "<b>Hello</b> <? evil ?>there"})
    assert polly_calls[0]["Text"] == "Hello there"


def test_the_body_is_sent_without_verbose_too(api, user_id):
    for query in ("", "?verbose=0", "?verbose=1"):
        assert xml(preview(api, {"userId": user_id, "text": "hello"}, query).body).findtext("url")


def test_json_output(api, user_id):
    response = preview(api, {"userId": user_id, "text": "hello"}, "?output=json")
    assert response.status_code == 201
    assert list(json.loads(response.body)) == ["url"]


def test_3000_characters_are_accepted_and_3001_are_903(api, user_id, polly_calls):
    assert preview(api, {"userId": user_id, "text": "a" * 3000}).status_code == 201
    response = preview(api, {"userId": user_id, "text": "a" * 3001})
    assert (response.status_code, error_codes(response.body)) == (400, [903])
    assert (
        xml(response.body)
        .findtext("errors/error/message")
        .endswith("does not meet the length requirements. It must be between 1 and 3000 in length")
    )
    assert len(polly_calls) == 1


@pytest.mark.parametrize(
    "body, codes",
    [
        ({"text": "hello"}, [900]),  # userId missing
        ({"userId": "abc", "text": "hello"}, [900]),  # numeric: sanitises to empty
        ({"userId": "0", "text": "hello"}, [922]),
        ({"userId": "{user}"}, [900]),  # text missing
        ({"userId": "{user}", "text": "<b></b>"}, [900]),  # text empty once tags are stripped
        ({"userId": "{user}", "text": "hi", "voice": "Hal"}, [901]),
        ({"voice": "Hal"}, [900, 900, 901]),  # every bad variable at once
    ],
)
def test_validation_errors(api, user_id, body, codes):
    body = {k: (str(user_id) if v == "{user}" else v) for k, v in body.items()}
    response = preview(api, body)
    assert (response.status_code, error_codes(response.body)) == (400, codes)


def test_the_901_message_lists_the_voices(api, user_id):
    response = preview(api, {"userId": user_id, "text": "hi", "voice": "Hal"})
    assert (
        xml(response.body)
        .findtext("errors/error/message")
        .startswith("voice must be one of the following: Joanna, Matthew, ")
    )


def test_an_unknown_user_is_106_and_nothing_is_synthesised(api, polly_calls):
    response = preview(api, {"userId": 999, "text": "hello"})
    assert (response.status_code, error_codes(response.body)) == (404, [106])
    assert polly_calls == []


def test_a_user_exclusive_to_another_enterprise_is_106(api, app_client):
    from chalicelib.store import enterprises
    from tests.conftest import Api, session_header

    user_id = int(xml(api.post("/user", {**JOHN, "exclusive": "1"}).body).findtext("userId"))
    enterprises.create("Two", secret="two", eid=2)
    session = xml(
        app_client.http.get("/session", headers={"Authorization": session_header(2, "two")}).body
    ).findtext("sessionId")
    response = preview(Api(app_client, f"Basic 2:{session}"), {"userId": user_id, "text": "hi"})
    assert (response.status_code, error_codes(response.body)) == (404, [106])


def test_without_a_session_it_is_401(app_client, enterprise):
    response = app_client.http.post(
        "/ttspreview",
        body="userId=1&text=hi",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert (response.status_code, error_codes(response.body)) == (401, [102])


def test_json_bodies_and_any_casing_of_names(api, user_id):
    response = api.post(
        "/ttspreview",
        raw=json.dumps({"USERID": user_id, "Text": "hi"}),
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 201


def test_get_is_not_a_method_of_ttspreview(api):
    response = api.get("/ttspreview")
    assert (response.status_code, error_codes(response.body)) == (405, [901])
