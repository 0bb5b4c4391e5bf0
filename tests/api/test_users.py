"""user GET, POST, PUT, DELETE and uidbyemail GET, against the reference and RULINGS."""

import json

import pytest

from tests.examples import assert_matches_example, error_codes, xml

JOHN = {
    "firstName": "John",
    "lastName": "Doe",
    "email": "john@example.com",
    "phoneNumber": "3035551212",
    "phoneType": "2",
    "address1": "1234 Main Street",
    "city": "Springfield",
    "state": "IL",
}


def create(api, **changes):
    response = api.post("/user", {**JOHN, **changes})
    assert response.status_code == 200, response.body
    return int(xml(response.body).findtext("userId"))


def test_post_returns_a_user_id_in_the_reference_body(api):
    response = api.post("/user", JOHN)
    assert response.status_code == 200
    assert_matches_example(response.body, "user-POST.xml", ignore=("userId",))
    assert int(xml(response.body).findtext("userId")) >= 1


def test_get_returns_the_reference_body(api):
    user_id = create(api)
    response = api.get(f"/user/{user_id}")
    assert response.status_code == 200
    assert_matches_example(response.body, "user-GET.xml")


def test_get_in_json(api):
    user_id = create(api)
    body = json.loads(api.get(f"/user/{user_id}?output=json").body)
    assert body["user"]["firstName"] == "John"
    assert list(body["user"]) == [
        "firstName",
        "lastName",
        "address1",
        "address2",
        "city",
        "state",
        "zip",
        "gender",
    ]


def test_post_is_safe_to_retry_with_the_same_email(api):
    first = create(api)
    assert create(api, phoneNumber="7205551212") == first
    assert create(api, email="JOHN@example.com") == first


def test_a_phone_number_held_by_another_user_is_103(api):
    create(api)
    response = api.post("/user", {**JOHN, "email": "other@example.com"})
    assert (response.status_code, error_codes(response.body)) == (409, [103])


def test_a_taken_phone_number_is_named_and_spends_no_user_id(api):
    """Which input is another user's, and the refused POST consumes no userId: the next
    user gets the id after the first."""
    first = create(api)
    refused = api.post("/user", {**JOHN, "email": "other@example.com"})
    message = xml(refused.body).findtext(".//message")
    assert message == "User account already exists: phoneNumber (3035551212) is another user's"
    assert create(api, email="other@example.com", phoneNumber="7205551212") == first + 1


def test_post_reports_every_bad_variable(api):
    response = api.post(
        "/user",
        {
            "firstName": "<b></b>",
            "email": "not-an-email",
            "phoneNumber": "4420 77994044",
            "phoneType": "7",
            "gender": "X",
            "exclusive": "2",
            "carrierId": "9",
        },
    )
    assert response.status_code == 400
    assert error_codes(response.body) == [900, 900, 915, 920, 902, 902, 901, 901]


@pytest.mark.parametrize("number", ["1 3035551212", "44 20 77994044", "33 1 49 54 46 46"])
def test_post_accepts_the_printed_phone_forms(api, number):
    assert create(api, phoneNumber=number) >= 1


def test_strings_are_stripped_of_tags(api):
    user_id = create(api, firstName="<? I'm a hacker ?> named joe")
    assert xml(api.get(f"/user/{user_id}").body).findtext("user/firstName") == "named joe"


def test_put_changes_allow_listed_fields_and_is_verbose_only(api):
    user_id = create(api)
    quiet = api.put(f"/user/{user_id}", {"city": "Denver", "gender": "m", "created_by": "9"})
    assert (quiet.status_code, quiet.body) == (200, b"")
    loud = api.put(f"/user/{user_id}?verbose=1", {"zip": "80202"})
    assert_matches_example(loud.body, "user-PUT-verbose.xml")
    user = xml(api.get(f"/user/{user_id}").body).find("user")
    assert (user.findtext("city"), user.findtext("gender"), user.findtext("zip")) == (
        "Denver",
        "M",
        "80202",
    )


def test_put_and_get_of_an_unknown_user_are_106(api):
    for response in (
        api.get("/user/999"),
        api.put("/user/999", {"city": "x"}),
        api.put("/user/999", {}),
        api.delete("/user/999"),
    ):
        assert (response.status_code, error_codes(response.body)) == (404, [106])


def test_a_user_id_that_is_not_a_number_is_rejected(api):
    response = api.get("/user/abc")
    assert (response.status_code, error_codes(response.body)) == (400, [900])


def test_delete_removes_the_user_and_frees_its_email_and_number(api):
    user_id = create(api)
    response = api.delete(f"/user/{user_id}?verbose=1")
    assert response.status_code == 200
    assert_matches_example(response.body, "user-DELETE-verbose.xml")
    assert api.get(f"/user/{user_id}").status_code == 404
    assert api.get("/uidbyemail/john@example.com").status_code == 404
    assert create(api) != user_id


def test_delete_without_verbose_has_no_body(api):
    response = api.delete(f"/user/{create(api)}")
    assert (response.status_code, response.body) == (200, b"")


def test_uidbyemail_returns_the_reference_body(api):
    user_id = create(api)
    response = api.get("/uidbyemail/John@Example.com")
    assert response.status_code == 200
    assert_matches_example(response.body, "uidbyemail-GET.xml", ignore=("id",))
    assert int(xml(response.body).findtext("id")) == user_id


def test_uidbyemail_errors(api):
    assert error_codes(api.get("/uidbyemail/nobody@example.com").body) == [106]
    assert error_codes(api.get("/uidbyemail/not-an-email").body) == [915]


def test_exclusive_users_are_invisible_to_other_enterprises(api, app_client):
    from chalicelib.store import enterprises
    from tests.conftest import Api, session_header

    user_id = create(api, exclusive="1")
    enterprises.create("Two", secret="two", eid=2)
    session = xml(
        app_client.http.get("/session", headers={"Authorization": session_header(2, "two")}).body
    ).findtext("sessionId")
    other = Api(app_client, f"Basic 2:{session}")
    for response in (
        other.get(f"/user/{user_id}"),
        other.put(f"/user/{user_id}", {"city": "x"}),
        other.delete(f"/user/{user_id}"),
        other.get("/uidbyemail/john@example.com"),
    ):
        assert (response.status_code, error_codes(response.body)) == (404, [106])
    # ...and its email cannot be taken over by them either
    clash = other.post("/user", {**JOHN, "phoneNumber": "7205550000"})
    assert error_codes(clash.body) == [103]
    assert xml(clash.body).findtext(".//message") == (
        "User account already exists: email (john@example.com) is another user's"
    )


def test_shared_users_are_visible_to_every_enterprise(api, app_client):
    from chalicelib.store import enterprises
    from tests.conftest import Api, session_header

    user_id = create(api)
    enterprises.create("Two", secret="two", eid=2)
    session = xml(
        app_client.http.get("/session", headers={"Authorization": session_header(2, "two")}).body
    ).findtext("sessionId")
    assert Api(app_client, f"Basic 2:{session}").get(f"/user/{user_id}").status_code == 200


def test_json_bodies_are_accepted(api):
    response = api.call(
        "POST", "/user", raw=json.dumps({**JOHN}), headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 200


def test_a_trailing_slash_and_lower_case_paths_work(api):
    user_id = create(api)
    assert api.get(f"/user/{user_id}/").status_code == 200
    assert api.get("/uidByEmail/john@example.com").status_code in (403, 404)  # not printed so


def test_unsupported_methods_get_an_ocp_error(api):
    response = api.call("PATCH", "/user/1")
    assert response.status_code == 405
    assert error_codes(response.body) == [901]


def test_unexpected_failures_are_105_with_a_request_id(api, monkeypatch):
    from chalicelib.store import users

    def broken(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(users, "get", broken)
    response = api.get("/user/1")
    assert response.status_code == 500
    assert error_codes(response.body) == [105]
    assert xml(response.body).findtext("errors/error/requestId")
    assert b"secret internals" not in response.body
