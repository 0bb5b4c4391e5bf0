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
