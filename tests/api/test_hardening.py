"""Regression tests of the hostile-client defects of issue 13: each was a 500 (or a wrong
answer) before; each is a clear OCP error now."""

import json

import pytest

from tests.api.people import as_json, fails, new_user, ok
from tests.examples import error_codes, xml


@pytest.fixture
def user(api) -> int:
    return new_user(api)


# --- bodies the protocol layer must refuse cleanly ------------------------------------------


def test_a_deeply_nested_json_body_is_902_not_a_500(api, user):
    body = '{"userId": ' + "[" * 100_000 + "]" * 100_000 + "}"
    response = api.post("/dnd", raw=body, headers={"Content-Type": "application/json"})
    fails(response, 400, 902)


@pytest.mark.parametrize("path", ["/session", "/user/1"])
def test_a_non_ascii_basic_credential_is_401(app_client, enterprise, path):
    response = app_client.http.get(path, headers={"Authorization": "Basic \u00e9"})
    assert response.status_code == 401, response.body
    assert error_codes(response.body) in ([102], [101])


# --- JSON numbers are the numbers they are ---------------------------------------------------


def post_json(api, path, body: dict):
    return api.post(path, raw=json.dumps(body), headers={"Content-Type": "application/json"})


def put_json(api, path, body: dict):
    return api.put(path, raw=json.dumps(body), headers={"Content-Type": "application/json"})


def currency(api, user_id) -> str:
    return xml(api.get(f"/currency?userId={user_id}").body).findtext("amount")


@pytest.mark.parametrize(
    ("amount", "codes"),
    [(0.0000001, [912]), (1e20, [902]), (1e400, [902]), (-1e-300, [912]), (12.345, [912])],
)
def test_a_json_amount_is_read_as_the_number_it_is(api, user, amount, codes):
    raw = json.dumps({"userId": user, "amount": amount}).replace("Infinity", "1e400")
    response = api.put("/currency", raw=raw, headers={"Content-Type": "application/json"})
    fails(response, 400, *codes)
    assert currency(api, user) == "0.00"


def test_json_numbers_that_are_valid_are_accepted(api, user):
    ok(put_json(api, "/currency", {"userId": user, "amount": 50.25}))
    ok(put_json(api, "/currency", {"userId": float(user), "amount": 1e1}))
    ok(put_json(api, "/currency", {"userId": user, "amount": -0.25}))
    assert currency(api, user) == "60.00"


@pytest.mark.parametrize("value", [True, False])
def test_a_json_boolean_is_no_number(api, user, value):
    fails(put_json(api, "/currency", {"userId": value, "amount": 1}), 400, 922)
    fails(put_json(api, "/currency", {"userId": user, "amount": value}), 400, 902)


@pytest.mark.parametrize("value", [1.5, -1, 0, 1e30])
def test_a_json_user_id_must_be_a_positive_integer(api, user, value):
    fails(put_json(api, "/currency", {"userId": value, "amount": 1}), 400, 922)


def test_a_json_boolean_is_a_flag(api, user):
    body = {"userId": user, "phoneNumber": "3035551212", "tryall": True}
    ok(post_json(api, "/huntorder", body), 201)
    assert xml(api.get(f"/huntorder?userId={user}").body).findtext("tryall") == "1"
    response = api.get(f"/huntorder?userId={user}&output=json")
    assert as_json(response)["tryall"] == 1


def test_a_json_array_or_object_is_no_value(api, user):
    fails(post_json(api, "/email", {"userId": [user], "email": "a@example.com"}), 400, 922)
    fails(post_json(api, "/email", {"userId": user, "email": {"a": 1}}), 400, 902)
    # unknown variables are ignored, whatever they hold
    ok(post_json(api, "/email", {"userId": user, "email": "a@example.com", "x": [[{}]]}), 201)


def test_a_json_phone_number_may_be_a_number(api, user):
    body = {"userId": user, "phoneNumber": 3039844345, "phoneType": 1}
    ok(post_json(api, "/phoneNumber", body), 201)


# --- times ----------------------------------------------------------------------------------


@pytest.mark.parametrize("when", ["99999999999999", "99999999999"])
def test_a_far_future_autoconference_is_refused(api, user, when):
    response = api.post(
        "/autoconference", {"userId": user, "phoneNumber": "3035550199", "conferenceTime": when}
    )
    fails(response, 400, 916)


@pytest.mark.parametrize("when", ["99999999999999", "99999999999"])
def test_a_far_future_blast_is_refused(api, user, when):
    body = {
        "userId": user,
        "origination": "3:7202108298",
        "destination": "3:3035551212",
        "text": "hi",
        "time": when,
    }
    fails(api.post("/blastsms", body), 400, 916)
    fails(api.post("/blastVoice", body), 400, 916)


def test_a_resolution_time_past_year_9999_is_916(api, user):
    fails(api.get(f"/phoneNumber?userId={user}&time=99999999999999"), 400, 916)


# --- XML 1.0 cannot carry C0 controls -----------------------------------------------------


def test_control_characters_never_reach_an_xml_body(api, user):
    ok(api.put(f"/user/{user}", {"city": "Den\x00ver\x1b"}))
    ok(put_json(api, f"/user/{user}", {"address1": "a\ud800b\ufffe"}))
    body = api.get(f"/user/{user}").body
    found = xml(body).find("user")
    assert found.findtext("city") == "Denver"
    assert found.findtext("address1") == "ab"
    response = api.post("/user", {"firstName": "x", "email": "\x01@"})
    xml(response.body)  # parses


# --- autoconference GET of nobody ----------------------------------------------------------


def test_autoconference_list_of_an_unknown_user_is_106(api):
    fails(api.get("/autoconference?userId=999"), 404, 106)


def test_autoconference_list_of_an_invisible_user_is_106(api, app_client):
    from tests.api.people import other_enterprise

    hidden = new_user(api, exclusive="1")
    fails(other_enterprise(app_client).get(f"/autoconference?userId={hidden}"), 404, 106)


# --- bodies past the limit -------------------------------------------------------------------


def test_a_body_past_the_limit_is_903(api, user):
    from chalicelib.protocol.params import MAX_BODY_BYTES

    raw = f"userId={user}&email=a@example.com&pad=" + "x" * MAX_BODY_BYTES
    response = api.post("/email", raw=raw)
    fails(response, 400, 903)
    assert "body" in xml(response.body).findtext(".//message")


# --- size limits (docs/limits.md) ----------------------------------------------------------


def phones(count: int, start: int = 1000) -> str:
    return ",".join(f"720555{n:04d}" for n in range(start, start + count))


def test_a_hunt_order_naming_more_numbers_than_a_user_may_have_is_903(api, user):
    response = api.post("/huntorder", {"userId": user, "phoneNumber": phones(51), "phoneType": 2})
    fails(response, 400, 903)
    assert "between 1 and 50" in xml(response.body).findtext(".//message")


def test_a_user_holds_at_most_50_numbers_117_past_that(api, user):
    from chalicelib.store import profiles

    ok(api.post("/huntorder", {"userId": user, "phoneNumber": phones(49), "phoneType": 2}), 201)
    response = api.post("/phoneNumber", {"userId": user, "phoneNumber": "3039844345"})
    fails(response, 400, 900)  # (phoneType missing: validation comes first)
    response = api.post(
        "/phoneNumber", {"userId": user, "phoneNumber": "3039844345", "phoneType": 1}
    )
    fails(response, 409, 117)
    assert xml(response.body).findtext(".//message") == (
        "Too many phone numbers: at most 50 allowed"
    )
    response = api.put("/huntorder", {"userId": user, "phoneNumber": "3039844345", "phoneType": 1})
    fails(response, 409, 117)
    assert len(profiles.load(user, 1).phones) == 50
    ok(api.delete(f"/phoneNumber?userId={user}&phoneNumber=7205551000"))
    ok(api.post("/phoneNumber", {"userId": user, "phoneNumber": "3039844345", "phoneType": 1}), 201)


def test_emails_windows_and_blacklist_entries_have_limits(api, user, monkeypatch):
    from chalicelib.domain import limits

    for name in ("EMAILS", "DND_WINDOWS", "BLACKLIST"):
        monkeypatch.setattr(limits, name, 2)
    ok(api.post("/email", {"userId": user, "email": "b@example.com"}), 201)
    fails(api.post("/email", {"userId": user, "email": "c@example.com"}), 409, 117)
    for hour in (1, 3):
        ok(
            api.post("/dnd", {"userId": user, "startHour": hour, "endHour": hour + 1, "day": 1}),
            201,
        )
    fails(api.post("/dnd", {"userId": user, "startHour": 5, "endHour": 6, "day": 1}), 409, 117)
    for number in ("3035550101", "3035550102"):
        body = {"userId": user, "terminationType": 3, "terminationValue": number}
        ok(api.post("/blacklist", body), 201)
    body = {"userId": user, "terminationType": 3, "terminationValue": "3035550103"}
    fails(api.post("/blacklist", body), 409, 117)


def test_a_group_holds_at_most_its_limit_of_members(api, user, monkeypatch):
    from chalicelib.domain import limits

    monkeypatch.setattr(limits, "GROUP_MEMBERS", 3)
    group = int(
        xml(api.post("/group", {"userId": user, "groupName": "G"}).body).findtext("groupid")
    )
    members = [f"3:{n}" for n in phones(4).split(",")]
    ok(api.post(f"/group/{group}", {"userId": user, "destination": ",".join(members[:2])}), 201)
    # adding members already there takes no room
    ok(api.post(f"/group/{group}", {"userId": user, "destination": ",".join(members[:3])}), 201)
    response = api.post(f"/group/{group}", {"userId": user, "destination": members[3]})
    fails(response, 409, 117)
    assert "at most 3" in xml(response.body).findtext(".//message")
    assert len(xml(api.get(f"/group/{group}?userId={user}").body).findall("member")) == 3
    ok(api.put(f"/group/{group}", {"userId": user, "groupName": "Renamed"}))


def test_a_request_naming_more_members_than_a_group_holds_is_903(api, user):
    group = int(
        xml(api.post("/group", {"userId": user, "groupName": "G"}).body).findtext("groupid")
    )
    many = ",".join(f"3:30355{n:05d}" for n in range(1001))
    fails(api.post(f"/group/{group}", {"userId": user, "destination": many}), 400, 903)


def test_a_conference_holds_at_most_its_limit_of_legs_and_a_week(api, user, monkeypatch):
    from chalicelib.domain import limits

    monkeypatch.setattr(limits, "CONFERENCE_LEGS", 3)
    body = {
        "userId": user,
        "duration": 600,
        "destinationType": 1,
        "destinationValue": user,
        "text": "join",
    }
    conference = int(xml(api.post("/conference", body).body).findtext("conferenceid"))
    add = {"destinationType": 3, "text": "join"}
    ok(api.put(f"/conference/{conference}", {**add, "destinationValue": "7205551000"}), 201)
    response = api.put(
        f"/conference/{conference}", {**add, "destinationValue": "7205551001,7205551002"}
    )
    fails(response, 409, 117)
    ok(api.put(f"/conference/{conference}", {**add, "destinationValue": "7205551001"}), 201)
    # the reservation: a day at a time, a week in all
    for _ in range(6):
        ok(api.put(f"/conference/{conference}", {"duration": 86400}), 201)
    fails(api.put(f"/conference/{conference}", {"duration": 86400}), 409, 306)


def test_every_text_variable_has_a_limit(api, user):
    body = {"userId": user, "terminationType": 3, "terminationValue": "7" * 400}
    fails(api.post("/blacklist", body), 400, 903)


def test_a_json_array_for_a_choice_lists_the_choices(api, user):
    response = post_json(api, "/email", {"userId": user, "email": "a@example.com", "verbose": []})
    fails(response, 400, 901)
    assert xml(response.body).findtext(".//message") == (
        "verbose must be one of the following: 0, 1"
    )


def test_a_body_that_cannot_be_read_is_answered_in_the_format_the_query_asks(api, user):
    response = api.post("/email?output=json", raw="{", headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert as_json(response) == {
        "errors": [{"code": 902, "message": "body (not JSON) does not contain a valid value"}]
    }
