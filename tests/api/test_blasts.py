"""blastvoice and blastsms POST, PUT, GET, DELETE through the routes, over moto: bodies
against the reference's examples, 201 / 202, every error code, audio (multipart
audioFile at 5,242,880 and 5,242,881 bytes, a presigned upload's audioKey, a url), and
SMS through the simulated messaging adapter. Executions are recorded, not run
(tests/workflows runs them)."""

from __future__ import annotations

import json

import pytest
import requests

from chalicelib import clock, settings
from tests.api.people import as_json, fails, new_user, next_id_is, ok, other_enterprise
from tests.audio_samples import mp3
from tests.examples import assert_matches_example, xml

MAX = 5_242_880
EXAMPLE_TIME = 1241133720  # the reference's blastTime
BEFORE_EXAMPLE = EXAMPLE_TIME - 86400
LATER = 4102444800  # 2100-01-01
# Within the scheduling horizon of "now" (docs/limits.md): the clock reads a month before.
NOW = LATER - 30 * 86400

pytestmark = pytest.mark.usefixtures("api")


@pytest.fixture(autouse=True)
def a_month_before_later():
    with clock.frozen(NOW):
        yield


def drain() -> None:
    """The fan-out queue's Lambda trigger, until the queue is empty."""
    from local import worker

    while worker.drain_fanout_queue():
        pass


def schedule_of(blast_id: int) -> dict | None:
    from chalicelib.store import aws

    scheduler = aws.client("scheduler")
    try:
        found = scheduler.get_schedule(
            Name=f"blast-{blast_id}", GroupName=settings.get().schedule_group
        )
    except scheduler.exceptions.ResourceNotFoundException:
        return None
    return {"at": found["ScheduleExpression"], **json.loads(found["Target"]["Input"])}


def execution_names() -> list[str]:
    from chalicelib.store import aws

    return sorted(
        e["name"]
        for e in aws.client("stepfunctions").list_executions(
            stateMachineArn=aws.state_machine_arn()
        )["executions"]
    )


def sent_sms() -> list[tuple[str, str]]:
    """What the simulated messaging adapter was asked to send (chalicelib/messaging)."""
    from chalicelib.workflows import texting

    return [(t.to, t.body) for t in texting.default().sent]


def voice(api, user_id: int, **changes):
    body = {
        "userId": user_id,
        "origination": "3:7202108298",
        "destination": "3:3035551212",
        "text": "Practice moved to 5",
        **changes,
    }
    return api.post("/blastvoice", {k: v for k, v in body.items() if v is not None})


def sms(api, user_id: int, **changes):
    body = {
        "userId": user_id,
        "origination": "3:7202108298",
        "destination": "3:3035551212",
        "text": "Game cancelled",
        **changes,
    }
    return api.post("/blastsms", {k: v for k, v in body.items() if v is not None})


def blast_id_of(response) -> int:
    return int(xml(response.body).findtext("blastid"))


def multipart(fields: dict, audio: bytes, filename: str = "hello.mp3") -> tuple[bytes, dict]:
    boundary = "OcpBlastBoundary"
    body = b"".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
        for k, v in fields.items()
    )
    body += (
        f'--{boundary}\r\nContent-Disposition: form-data; name="audioFile"; '
        f'filename="{filename}"\r\nContent-Type: audio/mpeg\r\n\r\n'
    ).encode()
    body += audio + f"\r\n--{boundary}--\r\n".encode()
    return body, {"Content-Type": f"multipart/form-data; boundary={boundary}"}


def with_audio_file(
    api, method: str, path: str, fields: dict, audio: bytes, filename: str = "hello.mp3"
):
    raw, headers = multipart(fields, audio, filename)
    return api.call(method, path, raw=raw, headers=headers)


# -- blastvoice POST --------------------------------------------------------------------------


def test_post_now_is_201_and_starts_the_blast(api):
    # Given a user
    user_id = new_user(api)
    # When a blast is posted with no time
    response = voice(api, user_id)
    # Then it is created (201) with the reference's body, and its start is queued
    assert response.status_code == 201
    assert_matches_example(response.body, "blastvoice-POST.xml", ignore=("blastid",))
    blast_id = blast_id_of(response)
    assert schedule_of(blast_id) is None
    drain()
    assert execution_names() == [f"blast-{blast_id}-0"]


def test_post_in_the_future_is_202_and_scheduled(api):
    user_id = new_user(api)
    response = voice(api, user_id, time=LATER)
    assert response.status_code == 202
    assert_matches_example(response.body, "blastvoice-POST.xml", ignore=("blastid",))
    blast_id = blast_id_of(response)
    assert schedule_of(blast_id) == {
        "at": "at(2100-01-01T00:00:00)",
        "kind": "blast",
        "id": blast_id,
        "version": 1,
    }
    drain()
    assert execution_names() == []


def test_a_time_not_in_the_future_starts_now(api):
    user_id = new_user(api)
    with clock.frozen(BEFORE_EXAMPLE):
        assert voice(api, user_id, time=BEFORE_EXAMPLE).status_code == 201
        assert voice(api, user_id, time=BEFORE_EXAMPLE - 60).status_code == 201


def test_post_at_the_printed_path_and_in_json(api):
    user_id = new_user(api)
    response = api.post(
        "/blastVoice?output=json",
        {
            "userId": user_id,
            "origination": "3:7202108298",
            "destination": "3:3035551212",
            "text": "Hi",
            "time": LATER,
        },
    )
    assert response.status_code == 202
    assert list(as_json(response)) == ["blastid"]


@pytest.mark.parametrize("missing", ["userId", "origination", "destination", "text"])
def test_a_missing_variable_is_900(api, missing):
    user_id = new_user(api)
    fails(voice(api, user_id, **{missing: None}), 400, 900)


def test_every_bad_variable_is_reported_at_once(api):
    user_id = new_user(api)
    fails(
        voice(
            api,
            user_id,
            origination="4:7202108298",
            destination="5:1,3:12",
            hideAni="2",
            allowCallback="yes",
            text="x" * 3001,
        ),
        400,
        302,
        301,
        920,
        903,
        901,
        901,
    )


def test_an_invalid_termination_type_is_301_and_origination_type_302(api):
    user_id = new_user(api)
    fails(voice(api, user_id, destination="9:3035551212"), 400, 301)
    fails(voice(api, user_id, origination="0:7202108298"), 400, 302)


def test_a_malformed_entry_of_a_long_destination_list_is_named_by_position_and_value(api):
    user_id = new_user(api)
    many = [f"3:30355512{n:02d}" for n in range(40)]
    many[26] = "4:3035551226"
    many[31] = "3:303555"
    response = voice(api, user_id, destination=",".join(many))
    assert response.status_code == 400
    assert [m.text for m in xml(response.body).iter("message")] == [
        "Invalid Termination Type supplied: destination entry 27 (4:3035551226)",
        "destination entry 32 (303555) does not contain a valid phone",
    ]


def test_an_unknown_requesting_user_is_106(api):
    fails(voice(api, 999), 404, 106)


def test_destinations_and_origination_naming_no_visible_user_are_922(api):
    user_id = new_user(api)
    fails(voice(api, user_id, destination="1:999,2:nobody@example.com,3:3035551212"), 400, 922, 922)
    fails(voice(api, user_id, origination="1:998"), 400, 922)


def test_a_blast_may_name_many_users(api):
    # More than a transaction reads at once (moto allows 25)
    user_id = new_user(api)
    others = [
        new_user(api, email=f"r{n}@example.com", phoneNumber=f"720555{n:04d}") for n in range(30)
    ]
    destinations = ",".join(f"1:{u}" for u in others)
    ok(voice(api, user_id, destination=destinations, time=LATER), 202)
    fails(voice(api, user_id, destination=destinations + ",1:999", time=LATER), 400, 922)


def test_more_recipients_than_the_limit_is_903(api, monkeypatch):
    user_id = new_user(api)
    limited = settings.get()._replace(blast_max_recipients=2)
    monkeypatch.setattr("chalicelib.workflows.fanout.settings.get", lambda: limited)
    fails(voice(api, user_id, destination="3:3035551212,3:3035551213,3:3035551214"), 400, 903)
    ok(voice(api, user_id, destination="3:3035551212,3:3035551213,3:3035551212"), 201)


def test_an_internal_failure_is_304_with_a_request_id(api, monkeypatch):
    from pynamodb.exceptions import PutError

    user_id = new_user(api)

    def broken(*args, **kwargs):
        raise PutError("DynamoDB is down")

    monkeypatch.setattr("chalicelib.store.blasts.create", broken)
    response = voice(api, user_id)
    fails(response, 500, 304)
    assert xml(response.body).findtext("errors/error/requestId")


@pytest.mark.parametrize(
    "method, path",
    [
        ("POST", "/blastvoice"),
        ("POST", "/blastsms"),
        ("PUT", "/blastVoice/{b}"),
        ("PUT", "/blastsms/{b}"),
        ("GET", "/blastVoice/{b}"),
        ("GET", "/blastsms"),
        ("DELETE", "/blastVoice/{b}"),
        ("DELETE", "/blastsms/{b}"),
    ],
)
def test_every_route_answers_a_storage_failure_with_304(api, monkeypatch, method, path):
    from pynamodb.exceptions import PynamoDBException

    from chalicelib.store.models import Blast

    user_id = new_user(api)
    blast_id = blast_id_of(voice(api, user_id, time=LATER))

    def broken(*args, **kwargs):
        raise PynamoDBException("DynamoDB is down")

    for name in ("get", "save", "update", "delete"):
        monkeypatch.setattr(Blast, name, broken)
    monkeypatch.setattr(Blast.by_user, "query", broken)
    fields = {
        "userId": user_id,
        "origination": "3:7202108298",
        "destination": "3:3035551212",
        "text": "Hi",
    }
    url = path.format(b=blast_id)
    if method in ("GET", "DELETE"):
        response = api.call(method, f"{url}?userId={user_id}")
    else:
        response = api.call(method, url, fields)
    fails(response, 500, 304)


def test_a_destination_named_twice_is_one_recipient(api):
    user_id = new_user(api)
    blast_id = blast_id_of(voice(api, user_id, destination="3:3035551212,3:1 3035551212"))
    drain()
    assert execution_names() == [f"blast-{blast_id}-0"]


# -- blastvoice audio ---------------------------------------------------------------------------


def test_an_audio_file_of_exactly_5_mb_is_accepted_and_served_back(api):
    user_id = new_user(api)
    response = with_audio_file(
        api,
        "POST",
        "/blastvoice",
        {
            "userId": user_id,
            "origination": "3:7202108298",
            "destination": "3:3035551212",
            "text": "Hi",
            "time": LATER,
        },
        mp3(MAX),
        "C:\\My Music\\hello there.mp3",
    )
    assert response.status_code == 202, response.body
    got = xml(api.get(f"/blastvoice/{blast_id_of(response)}?userId={user_id}").body)
    assert got.findtext("audiofile/name") == "hello_there.mp3"
    download = requests.get(got.findtext("audiofile/url"))
    assert (download.status_code, len(download.content)) == (200, MAX)
    assert download.headers["Content-Type"] == "audio/mpeg"


def test_an_audio_file_one_byte_over_5_mb_is_903(api):
    user_id = new_user(api)
    fails(
        with_audio_file(
            api,
            "POST",
            "/blastvoice",
            {
                "userId": user_id,
                "origination": "3:7202108298",
                "destination": "3:3035551212",
                "text": "Hi",
            },
            mp3(MAX + 1),
        ),
        400,
        903,
    )


def test_an_audio_file_that_is_not_mp3_or_wma_is_902(api):
    user_id = new_user(api)
    fails(
        with_audio_file(
            api,
            "POST",
            "/blastvoice",
            {
                "userId": user_id,
                "origination": "3:7202108298",
                "destination": "3:3035551212",
                "text": "Hi",
            },
            b"just text\n" * 100,
            "song.mp3",
        ),
        400,
        902,
    )


def test_with_audio_the_text_may_be_left_out_and_the_audio_is_played(api):
    user_id = new_user(api)
    response = with_audio_file(
        api,
        "POST",
        "/blastvoice",
        {"userId": user_id, "origination": "3:7202108298", "destination": "3:3035551212"},
        mp3(),
    )
    assert response.status_code == 201, response.body
    drain()
    from chalicelib.store import aws

    sfn = aws.client("stepfunctions")
    (execution,) = sfn.list_executions(stateMachineArn=aws.state_machine_arn())["executions"]
    leg = json.loads(sfn.describe_execution(executionArn=execution["executionArn"])["input"])[
        "legs"
    ][0]
    assert leg["announcement"]["audioKey"].startswith("uploads/1/")
    assert leg["announcement"]["audioKey"].endswith("/hello.mp3")


def test_a_presigned_upload_is_named_by_its_audio_key(api):
    from tests.api.test_audio_upload import post_file, upload_form

    user_id = new_user(api)
    form = upload_form(api, "greeting.mp3")
    post_file(form, mp3(MAX))
    response = voice(api, user_id, audioKey=form["key"], time=LATER)
    assert response.status_code == 202, response.body
    got = xml(api.get(f"/blastvoice/{blast_id_of(response)}?userId={user_id}").body)
    assert got.findtext("audiofile/name") == "greeting.mp3"


def test_an_audio_key_of_nothing_uploaded_or_not_the_enterprises_is_902(api):
    from tests.api.test_audio_upload import upload_form

    user_id = new_user(api)
    fails(voice(api, user_id, audioKey=upload_form(api)["key"]), 400, 902)
    fails(
        voice(api, user_id, audioKey="uploads/2/0123456789abcdef0123456789abcdef/a.mp3"), 400, 902
    )


def test_audio_from_a_url_is_fetched_once_and_a_copy_kept(api, monkeypatch):
    from chalicelib.media import fetch
    from tests.unit.test_fetch import FakeResponse, Network

    network = Network(responses={"/sounds/reminder.mp3": lambda: FakeResponse(body=mp3())})
    monkeypatch.setattr(fetch, "resolve_host", network.resolve)
    monkeypatch.setattr(fetch, "open_target", network.open)
    user_id = new_user(api)
    response = voice(api, user_id, url="http://audio.example.com/sounds/reminder.mp3", time=LATER)
    assert response.status_code == 202, response.body
    got = xml(api.get(f"/blastvoice/{blast_id_of(response)}?userId={user_id}").body)
    assert got.findtext("audiofile/name") == "reminder.mp3"
    assert len(network.opened) == 1


def test_a_url_to_a_private_address_is_902(api):
    user_id = new_user(api)
    fails(voice(api, user_id, url="http://169.254.169.254/latest/meta-data"), 400, 902)


# -- blastvoice GET ------------------------------------------------------------------------------


def test_get_one_is_the_reference_body(api):
    # Given the reference's example blast, scheduled
    with clock.frozen(BEFORE_EXAMPLE):
        next_id_is("user", 227)
        user_id = new_user(api)
        response = with_audio_file(
            api,
            "POST",
            "/blastvoice",
            {
                "userId": user_id,
                "origination": "3:7202108298",
                "destination": "1:227",
                "text": "testing tts preview for",
                "time": EXAMPLE_TIME,
                "allowCallback": 0,
                "hideAni": 0,
            },
            mp3(),
            "filename.mp3",
        )
        assert response.status_code == 202, response.body
        # When it is read back
        got = api.get(f"/blastVoice/{blast_id_of(response)}?userId={user_id}")
    # Then it is the reference's body, but for the link to the audio
    assert got.status_code == 200
    assert_matches_example(got.body, "blastvoice-GET-one.xml", ignore=("url",))


def test_get_one_defaults_and_json(api):
    user_id = new_user(api)
    blast_id = blast_id_of(
        voice(api, user_id, time=LATER, destination="3:3035551212,2:john@example.com,1:1")
    )
    body = as_json(api.get(f"/blastvoice/{blast_id}?userId={user_id}&output=json"))
    assert body == {
        "allowCallback": 1,
        "hideAni": 0,
        "blastTime": LATER,
        "announcementText": "Practice moved to 5",
        "audiofile": None,
        "origination": {"type": 3, "value": "7202108298"},
        "terminations": [
            {"type": 3, "value": "3035551212"},
            {"type": 2, "value": "john@example.com"},
            {"type": 1, "value": 1},
        ],
    }


def test_get_one_after_the_start_shows_each_recipients_result(api):
    user_id = new_user(api)
    blast_id = blast_id_of(voice(api, user_id, destination="3:3035551212,3:3035550103"))
    drain()
    body = xml(api.get(f"/blastvoice/{blast_id}?userId={user_id}").body)
    terminations = body.findall("terminations/termination")
    assert [t.findtext("currentState") for t in terminations] == ["scheduled", "scheduled"]
    first = int(terminations[0].findtext("callId"))
    assert int(terminations[1].findtext("callId")) == first + 1
    assert body.findtext("currentState") == "started"


def test_get_list_is_the_reference_body_and_204_when_none(api):
    user_id = new_user(api)
    assert api.get(f"/blastvoice?userId={user_id}").status_code == 204
    next_id_is("blast", 1031)
    voice(api, user_id, time=LATER)
    sms(api, user_id, time=LATER)  # another kind: not listed
    response = api.get(f"/blastVoice?userId={user_id}")
    assert response.status_code == 200
    assert_matches_example(response.body, "blastvoice-GET-list.xml")
    assert as_json(api.get(f"/blastvoice?userId={user_id}&output=json")) == {"blastIds": [1031]}


def test_another_enterprises_blasts_are_neither_listed_nor_read(api, app_client):
    user_id = new_user(api)
    blast_id = blast_id_of(voice(api, user_id, time=LATER))
    other = other_enterprise(app_client)
    assert other.get(f"/blastvoice?userId={user_id}").status_code == 204
    fails(other.get(f"/blastvoice/{blast_id}?userId={user_id}"), 404, 308)


def test_get_errors(api):
    user_id = new_user(api)
    blast_id = blast_id_of(sms(api, user_id, time=LATER))
    fails(api.get(f"/blastvoice/{blast_id}?userId={user_id}"), 404, 308)  # an SMS blast
    fails(api.get(f"/blastvoice/{blast_id + 1}?userId={user_id}"), 404, 308)  # none
    fails(api.get(f"/blastvoice/0?userId={user_id}"), 404, 308)
    another = new_user(api, email="x@example.com", phoneNumber="3035550001")
    fails(api.get(f"/blastsms/{blast_id}?userId={another}"), 404, 308)  # another user's
    fails(api.get("/blastvoice"), 400, 900)
    fails(api.get("/blastvoice?userId=999"), 404, 106)


def test_get_of_data_that_does_not_decode_is_307(api):
    from chalicelib.store.models import Blast

    user_id = new_user(api)
    blast_id = blast_id_of(voice(api, user_id, time=LATER))
    Blast(blast_id).update(actions=[Blast.terminations.set(b"not zlib")])
    fails(api.get(f"/blastvoice/{blast_id}?userId={user_id}"), 500, 307)


# -- blastvoice PUT --------------------------------------------------------------------------------


def test_put_replaces_what_it_names(api):
    # Given a scheduled blast to one destination, with audio
    user_id = new_user(api)
    created = with_audio_file(
        api,
        "POST",
        "/blastvoice",
        {
            "userId": user_id,
            "origination": "3:7202108298",
            "destination": "3:3035551212",
            "text": "Practice moved to 5",
            "time": LATER,
        },
        mp3(),
    )
    blast_id = blast_id_of(created)
    # When a PUT names the destinations, the text, hideAni and `0`
    response = api.put(
        f"/blastVoice/{blast_id}",
        {
            "userId": user_id,
            "destination": "3:3035550001,3:3035550002",
            "text": "Practice moved to 6",
            "hideAni": 1,
            "0": "",
        },
    )
    # Then it is 200 with the reference's body
    assert response.status_code == 200
    assert_matches_example(response.body, "blastvoice-PUT.xml")
    # and those are replaced, the destinations as a whole set, the audio removed,
    # and the rest kept
    body = as_json(api.get(f"/blastvoice/{blast_id}?userId={user_id}&output=json"))
    assert body["terminations"] == [
        {"type": 3, "value": "3035550001"},
        {"type": 3, "value": "3035550002"},
    ]
    assert (
        body["announcementText"],
        body["hideAni"],
        body["allowCallback"],
        body["audiofile"],
        body["blastTime"],
    ) == ("Practice moved to 6", 1, 1, None, LATER)
    assert body["origination"] == {"type": 3, "value": "7202108298"}


def test_put_with_new_audio_replaces_it(api):
    user_id = new_user(api)
    blast_id = blast_id_of(voice(api, user_id, time=LATER))
    ok(
        with_audio_file(
            api, "PUT", f"/blastvoice/{blast_id}", {"userId": user_id}, mp3(), "new.mp3"
        )
    )
    got = xml(api.get(f"/blastvoice/{blast_id}?userId={user_id}").body)
    assert got.findtext("audiofile/name") == "new.mp3"
    ok(api.put(f"/blastvoice/{blast_id}", {"userId": user_id, "0": "0"}))
    assert (
        xml(api.get(f"/blastvoice/{blast_id}?userId={user_id}").body).find("audiofile/name") is None
    )


def test_put_removing_the_audio_of_a_blast_with_no_text_is_900(api):
    user_id = new_user(api)
    blast_id = blast_id_of(
        with_audio_file(
            api,
            "POST",
            "/blastvoice",
            {
                "userId": user_id,
                "origination": "3:7202108298",
                "destination": "3:3035551212",
                "time": LATER,
            },
            mp3(),
        )
    )
    fails(api.put(f"/blastvoice/{blast_id}", {"userId": user_id, "0": ""}), 400, 900)


def test_put_a_new_time_moves_the_schedule(api):
    user_id = new_user(api)
    blast_id = blast_id_of(voice(api, user_id, time=LATER))
    ok(api.put(f"/blastvoice/{blast_id}", {"userId": user_id, "time": LATER + 3600}))
    assert schedule_of(blast_id) == {
        "at": "at(2100-01-01T01:00:00)",
        "kind": "blast",
        "id": blast_id,
        "version": 2,
    }
    # Any change is a new version, which the schedule carries
    ok(api.put(f"/blastvoice/{blast_id}", {"userId": user_id, "text": "Hello"}))
    assert schedule_of(blast_id)["version"] == 3


def test_put_a_time_not_in_the_future_starts_it_now(api):
    user_id = new_user(api)
    blast_id = blast_id_of(voice(api, user_id, time=LATER))
    ok(api.put(f"/blastvoice/{blast_id}", {"userId": user_id, "time": 1}))
    assert schedule_of(blast_id) is None
    drain()
    assert execution_names() == [f"blast-{blast_id}-0"]
    fails(api.put(f"/blastvoice/{blast_id}", {"userId": user_id, "text": "Too late"}), 500, 307)


def test_put_errors(api):
    user_id = new_user(api)
    started = blast_id_of(voice(api, user_id))
    drain()
    scheduled = blast_id_of(voice(api, user_id, time=LATER))
    fails(api.put(f"/blastvoice/{started}", {"userId": user_id, "text": "x"}), 500, 307)
    fails(api.put(f"/blastvoice/{scheduled + 1}", {"userId": user_id, "text": "x"}), 404, 308)
    fails(api.put(f"/blastvoice/{scheduled}", {"userId": user_id, "destination": "7:1"}), 400, 301)
    fails(api.put(f"/blastvoice/{scheduled}", {"userId": user_id, "origination": "7:1"}), 400, 302)
    fails(
        api.put(f"/blastvoice/{scheduled}", {"userId": user_id, "destination": "1:999"}), 400, 922
    )
    fails(api.put(f"/blastvoice/{scheduled}", {"userId": user_id, "text": "x" * 3001}), 400, 903)
    fails(api.put(f"/blastvoice/{scheduled}", {"text": "x"}), 400, 900)


# -- blastvoice DELETE ---------------------------------------------------------------------


def test_delete_cancels_a_scheduled_blast(api):
    user_id = new_user(api)
    blast_id = blast_id_of(voice(api, user_id, time=LATER))
    response = api.delete(f"/blastVoice/{blast_id}?userId={user_id}")
    assert response.status_code == 200
    assert_matches_example(response.body, "blastvoice-DELETE.xml")
    assert schedule_of(blast_id) is None
    fails(api.get(f"/blastvoice/{blast_id}?userId={user_id}"), 404, 308)
    fails(api.delete(f"/blastvoice/{blast_id}?userId={user_id}"), 404, 308)


def test_delete_of_a_started_blast_is_307(api):
    user_id = new_user(api)
    blast_id = blast_id_of(voice(api, user_id))
    fails(api.delete(f"/blastvoice/{blast_id}?userId={user_id}"), 500, 307)


def test_delete_of_another_users_blast_is_308(api):
    user_id = new_user(api)
    blast_id = blast_id_of(voice(api, user_id, time=LATER))
    fails(api.delete(f"/blastvoice/{blast_id}?userId={user_id + 1}"), 404, 308)
    fails(api.delete(f"/blastsms/{blast_id}?userId={user_id}"), 404, 308)


# -- blastsms ------------------------------------------------------------------------------


def test_sms_post_now_texts_every_recipient_through_the_messaging_port(api):
    # Given a user with an SMS number, and another without
    user_id = new_user(api)
    ok(api.post("/smsphone", {"userId": user_id, "phoneNumber": "7205550001", "phoneType": 2}), 201)
    other = new_user(api, email="jane@example.com", phoneNumber="3035550002")
    # When a blastsms is posted to them and to a number
    response = sms(api, user_id, destination=f"1:{user_id},2:jane@example.com,3:7205551212")
    assert response.status_code == 201
    assert_matches_example(response.body, "blastsms-POST.xml", ignore=("blastid",))
    drain()
    # Then each got the text once, on its SMS number or else its default number
    assert sorted(sent_sms()) == [
        ("+13035550002", "Game cancelled"),
        ("+17205550001", "Game cancelled"),
        ("+17205551212", "Game cancelled"),
    ]
    assert other
    # and GET shows each result
    body = as_json(api.get(f"/blastsms/{blast_id_of(response)}?userId={user_id}&output=json"))
    assert [(t["currentState"], t["attempts"]) for t in body["terminations"]] == [
        ("complete", [{"number": "7205550001", "result": "Success"}]),
        ("complete", [{"number": "3035550002", "result": "Success"}]),
        ("complete", [{"number": "7205551212", "result": "Success"}]),
    ]
    assert body["currentState"] == "complete"


def test_sms_scheduled_get_one_is_the_reference_body(api):
    with clock.frozen(BEFORE_EXAMPLE):
        next_id_is("user", 227)
        user_id = new_user(api)
        response = sms(
            api, user_id, destination="1:227", text="testing tts preview for", time=EXAMPLE_TIME
        )
        assert response.status_code == 202
        assert_matches_example(response.body, "blastsms-POST.xml", ignore=("blastid",))
        got = api.get(f"/blastsms/{blast_id_of(response)}?userId={user_id}")
    assert got.status_code == 200
    assert_matches_example(got.body, "blastsms-GET-one.xml")
    assert sent_sms() == []


def test_sms_list_put_and_delete(api):
    user_id = new_user(api)
    assert api.get(f"/blastsms?userId={user_id}").status_code == 204
    next_id_is("blast", 1031)
    blast_id = blast_id_of(sms(api, user_id, time=LATER))
    assert_matches_example(api.get(f"/blastsms?userId={user_id}").body, "blastsms-GET-list.xml")
    response = api.put(
        f"/blastsms/{blast_id}",
        {"userId": user_id, "text": "Game on", "destination": "3:3035550009"},
    )
    assert response.status_code == 200
    assert_matches_example(response.body, "blastsms-PUT.xml")
    body = as_json(api.get(f"/blastsms/{blast_id}?userId={user_id}&output=json"))
    assert (body["announcementText"], body["terminations"]) == (
        "Game on",
        [{"type": 3, "value": "3035550009"}],
    )
    response = api.delete(f"/blastsms/{blast_id}?userId={user_id}")
    assert response.status_code == 200
    assert_matches_example(response.body, "blastsms-DELETE.xml")
    assert api.get(f"/blastsms?userId={user_id}").status_code == 204


def test_sms_errors(api):
    user_id = new_user(api)
    fails(sms(api, user_id, text="x" * 1601), 400, 903)
    fails(sms(api, user_id, text="é" * 801), 400, 903)  # 1,602 bytes
    ok(sms(api, user_id, text="é" * 800, time=LATER), 202)
    fails(sms(api, user_id, text=None), 400, 900)
    fails(sms(api, user_id, destination="4:1"), 400, 301)
    fails(sms(api, user_id, origination="4:1"), 400, 302)
    fails(sms(api, 999), 404, 106)
    started = blast_id_of(sms(api, user_id))
    fails(api.put(f"/blastsms/{started}", {"userId": user_id, "text": "x"}), 500, 307)
    fails(api.delete(f"/blastsms/{started}?userId={user_id}"), 500, 307)
    fails(api.put(f"/blastsms/{started + 1}", {"userId": user_id, "text": "x"}), 404, 308)
    fails(api.get(f"/blastsms/{started + 1}?userId={user_id}"), 404, 308)


def test_without_a_session_it_is_401(app_client):
    response = app_client.http.post("/blastvoice")
    assert response.status_code == 401
