"""email POST, GET, PUT, DELETE, against the reference's bodies and RULINGS."""

from tests.api.people import as_json, fails, new_user, ok
from tests.examples import assert_matches_example, xml


def emails_of(api, user_id):
    body = xml(api.get(f"/email?userId={user_id}").body)
    return body.findtext("emails/default"), [a.text for a in body.iter("address")]


def test_get_returns_the_reference_body(api):
    user_id = new_user(api, email="tester@intelepeer.com")
    ok(api.post("/email", {"userId": user_id, "email": "jward@intelepeer.com"}), 201)
    response = api.get(f"/email?userId={user_id}")
    assert response.status_code == 200
    assert_matches_example(response.body, "email-GET.xml")
    assert as_json(api.get(f"/email?userId={user_id}&output=json")) == {
        "emails": {
            "default": "tester@intelepeer.com",
            "address": ["tester@intelepeer.com", "jward@intelepeer.com"],
        }
    }


def test_post_is_verbose_only(api):
    user_id = new_user(api)
    loud = api.post("/email?verbose=1", {"userId": user_id, "email": "user@domain.com"})
    assert loud.status_code == 201
    assert_matches_example(loud.body, "email-POST-verbose.xml")
    quiet = api.post("/email", {"userId": user_id, "Email": "Other@Domain.com"})
    assert (quiet.status_code, quiet.body) == (201, b"")
    assert emails_of(api, user_id) == (
        "john@example.com",
        ["john@example.com", "user@domain.com", "other@domain.com"],
    )
    # uidbyemail finds the user by any of its addresses
    assert xml(api.get("/uidbyemail/other@domain.com").body).findtext("id") == str(user_id)


def test_put_sets_the_default(api):
    user_id = new_user(api, user_id=227)
    api.post("/email", {"userId": user_id, "email": "name@domain.com"})
    loud = api.put("/email?verbose=1", {"userId": user_id, "Email": "name@domain.com"})
    assert loud.status_code == 200
    assert_matches_example(loud.body, "email-PUT-verbose.xml")
    assert emails_of(api, user_id) == ("name@domain.com", ["john@example.com", "name@domain.com"])
    # a new address is added first
    quiet = api.put("/email", {"userId": user_id, "email": "new@domain.com"})
    assert (quiet.status_code, quiet.body) == (200, b"")
    assert emails_of(api, user_id)[0] == "new@domain.com"


def test_delete_follows_the_reference(api):
    user_id = new_user(api, user_id=227)
    api.post("/email", {"userId": user_id, "email": "name@domain.com"})
    response = api.delete(f"/email?userId={user_id}&email=name@domain.com")
    assert response.status_code == 200
    assert_matches_example(response.body, "email-DELETE.xml")
    assert emails_of(api, user_id) == ("john@example.com", ["john@example.com"])
    # the address is free again
    new_user(api, email="name@domain.com", phoneNumber="7205551212")


def test_errors_change_nothing(api):
    user_id = new_user(api)
    new_user(api, email="jane@example.com", phoneNumber="7205551212")
    fails(api.post("/email", {"userId": user_id, "email": "jane@example.com"}), 409, 113)
    fails(api.post("/email", {"userId": user_id, "email": "JOHN@example.com"}), 409, 113)
    fails(api.put("/email", {"userId": user_id, "email": "jane@example.com"}), 409, 113)
    fails(api.post("/email", {"userId": user_id, "email": "not-an-email"}), 400, 915)
    fails(api.post("/email", {"userId": user_id}), 400, 900)
    fails(api.delete(f"/email?userId={user_id}&email=jane@example.com"), 400, 107)
    fails(api.delete(f"/email?userId={user_id}&email=john@example.com"), 400, 108)
    fails(api.get("/email?userId=999"), 404, 106)
    fails(api.post("/email", {"userId": "999", "email": "x@example.com"}), 404, 106)
    assert emails_of(api, user_id) == ("john@example.com", ["john@example.com"])
