"""phonenumber, smsphone and carriers, against the reference's bodies and RULINGS."""

import pytest

from tests.api.people import (
    as_json,
    at,
    fails,
    new_user,
    next_id_is,
    ok,
)
from tests.examples import assert_matches_example, error_codes, xml


def numbers_of(api, user_id, path="/phonenumber"):
    body = xml(api.get(f"{path}?userId={user_id}&all=1").body)
    return [
        (n.findtext("digits"), n.findtext("phoneType"), n.findtext("isDefault"))
        for n in body.iter("number")
    ]


# --- phonenumber GET ------------------------------------------------------------------


def test_get_all_returns_the_reference_body(api):
    next_id_is("phone", 861)
    user_id = new_user(api)
    next_id_is("phone", 867)
    ok(
        api.post(
            "/phoneNumber", {"userId": user_id, "phoneNumber": "3039844345", "phoneType": "1"}
        ),
        201,
    )
    response = api.get(f"/phonenumber?userId={user_id}&all=1")
    assert response.status_code == 200
    # the example marks neither number as the default; ours is the first one
    assert_matches_example(response.body, "phonenumber-GET-all.xml", ignore=("isDefault",))
    assert numbers_of(api, user_id) == [("3035551212", "2", "1"), ("3039844345", "1", "0")]


def test_get_all_in_json_is_an_array_of_numbers(api):
    user_id = new_user(api, phoneNumber="44 20 77994044")
    body = as_json(api.get(f"/phonenumber?userId={user_id}&all=1&output=json"))
    assert body == {
        "numbers": [
            {
                "id": body["numbers"][0]["id"],
                "countryCode": 44,
                "cityCode": "20",
                "phoneType": 2,
                "digits": "77994044",
                "carrierId": 0,
                "validationStatus": 2,
                "isDefault": 1,
            }
        ]
    }


def test_get_without_all_is_the_reference_specific_number_body(api):
    next_id_is("phone", 859)
    user_id = new_user(api, phoneNumber="7202108298")
    response = api.get(f"/phonenumber?userId={user_id}")
    assert response.status_code == 200
    assert_matches_example(response.body, "phonenumber-GET-specific.xml")


def test_get_at_a_time_resolves_exceptions_dnd_and_the_hunt_order(api):
    user_id = new_user(api)
    ok(
        api.post(
            "/huntorder",
            {
                "userId": user_id,
                "phoneNumber": "7205551212,3035551212",
                "phoneType": "1",
                "tryall": "1",
            },
        ),
        201,
    )
    ok(
        api.post(
            "/calltimeexception",
            {
                "userId": user_id,
                "phoneNumber": "3039844345",
                "phoneType": "3",
                "startHour": "9",
                "endHour": "17",
                "day": "2",
                "timezone": "-7",
            },
        ),
        201,
    )
    ok(api.post("/dnd", {"userId": user_id, "startHour": "22", "endHour": "6", "day": "127"}), 201)

    def resolved(t):
        body = xml(api.get(f"/phonenumber?userId={user_id}&time={t}").body)
        return (
            body.findtext("tryall"),
            body.findtext("dnd"),
            [n.findtext("digits") for n in body.findall("number")],
        )

    monday = 1
    assert resolved(at(monday, 16)) == ("0", "0", ["3039844345"])  # 9 am at GMT-7
    assert resolved(at(monday, 12)) == ("1", "0", ["7205551212", "3035551212"])
    assert resolved(at(monday, 23)) == ("0", "1", [])
    # all=1 ignores the time
    assert len(numbers_of(api, user_id)) == 3


def test_get_errors(api):
    fails(api.get("/phonenumber?userId=999"), 404, 106)
    fails(api.get("/phonenumber"), 400, 900)
    user_id = new_user(api)
    fails(api.get(f"/phonenumber?userId={user_id}&all=2"), 400, 901)


# --- phonenumber POST -----------------------------------------------------------------


def test_post_adds_a_number_and_is_verbose_only(api):
    user_id = new_user(api)
    loud = api.post(
        "/phoneNumber?verbose=1",
        {"userId": user_id, "phoneNumber": "3039844345", "phoneType": "1", "carrierId": "2"},
    )
    assert loud.status_code == 201
    assert_matches_example(loud.body, "phonenumber-POST-verbose.xml")
    quiet = api.post(
        "/phonenumber", {"userId": user_id, "phoneNumber": "33 1 49 54 46 46", "phoneType": "3"}
    )
    assert (quiet.status_code, quiet.body) == (201, b"")
    assert numbers_of(api, user_id)[1:] == [("3039844345", "1", "0"), ("49544646", "3", "0")]


def test_post_of_a_number_the_user_or_anyone_has_is_113_and_changes_nothing(api):
    user_id = new_user(api)
    other = new_user(api, email="jane@example.com", phoneNumber="7205551212")
    before = numbers_of(api, user_id)
    for number in ("3035551212", "1 7205551212"):
        fails(
            api.post("/phoneNumber", {"userId": user_id, "phoneNumber": number, "phoneType": "1"}),
            409,
            113,
        )
    assert numbers_of(api, user_id) == before
    assert len(numbers_of(api, other)) == 1


def test_post_reports_every_bad_variable(api):
    response = api.post(
        "/phoneNumber",
        {"userId": "x", "phoneNumber": "4420 77994044", "phoneType": "5", "carrierId": "9"},
    )
    assert response.status_code == 400
    assert error_codes(response.body) == [900, 920, 902, 902]
    fails(api.post("/phoneNumber", {"userId": "1"}), 400, 900, 900)
    fails(
        api.post("/phoneNumber", {"userId": "999", "phoneNumber": "3039844345", "phoneType": "1"}),
        404,
        106,
    )


# --- phonenumber PUT ------------------------------------------------------------------


def test_put_sets_the_default_number(api):
    user_id = new_user(api)
    api.post("/phoneNumber", {"userId": user_id, "phoneNumber": "3039844345", "phoneType": "1"})
    loud = api.put("/phonenumber?verbose=1", {"userId": user_id, "phoneNumber": "3039844345"})
    assert loud.status_code == 200
    assert_matches_example(loud.body, "phonenumber-PUT-verbose.xml")
    assert numbers_of(api, user_id) == [("3035551212", "2", "0"), ("3039844345", "1", "1")]
    # the old default may go now, the new one may not
    ok(api.delete(f"/phoneNumber?userId={user_id}&phoneNumber=3035551212"))
    fails(api.delete(f"/phoneNumber?userId={user_id}&phoneNumber=3039844345"), 400, 109)


def test_put_of_a_new_number_with_its_type_adds_it_as_default(api):
    user_id = new_user(api)
    quiet = api.put(
        "/phonenumber", {"userId": user_id, "phoneNumber": "7205551212", "phoneType": "3"}
    )
    assert (quiet.status_code, quiet.body) == (200, b"")
    assert numbers_of(api, user_id) == [("3035551212", "2", "0"), ("7205551212", "3", "1")]
    fails(api.put("/phonenumber", {"userId": user_id, "phoneNumber": "3039844345"}), 404, 110)


def test_put_on_an_existing_number_changes_it_and_keeps_its_place(api):
    user_id = new_user(api)
    api.post(
        "/huntorder", {"userId": user_id, "phoneNumber": "5555551212,3035551212", "phoneType": "1"}
    )
    # the reference's example: PUT /phonenumber/5555551212 with phoneNumber=4445551212
    response = api.put(
        "/phonenumber/5555551212?verbose=1",
        {"userId": user_id, "phoneNumber": "4445551212", "carrierId": "4"},
    )
    assert response.status_code == 200
    assert_matches_example(response.body, "phonenumber-PUT-verbose.xml")
    hunt = xml(api.get(f"/huntorder?userId={user_id}").body)
    assert [(n.findtext("digits"), n.findtext("carrierId")) for n in hunt.iter("number")] == [
        ("4445551212", "4"),
        ("3035551212", "0"),
    ]
    # the old number is free for anyone again
    new_user(api, email="jane@example.com", phoneNumber="5555551212")


def test_put_on_an_existing_international_number(api):
    user_id = new_user(api, phoneNumber="44 20 77994044")
    ok(api.put("/phoneNumber/44%2020%2077994044", {"userId": user_id, "phoneType": "4"}))
    assert numbers_of(api, user_id) == [("77994044", "4", "1")]


def test_put_errors(api):
    user_id = new_user(api)
    new_user(api, email="jane@example.com", phoneNumber="7205551212")
    fails(api.put("/phonenumber/3039844345", {"userId": user_id, "phoneType": "1"}), 404, 110)
    fails(
        api.put("/phonenumber/3035551212", {"userId": user_id, "phoneNumber": "7205551212"}),
        409,
        113,
    )
    fails(api.put("/phonenumber/3035551212", {"userId": user_id, "phoneType": "0"}), 400, 902)
    fails(api.put("/phonenumber/12", {"userId": user_id}), 400, 920)
    fails(api.put("/phonenumber", {"userId": user_id}), 400, 900)
    assert numbers_of(api, user_id) == [("3035551212", "2", "1")]


# --- phonenumber DELETE ---------------------------------------------------------------


def test_delete_removes_the_number_everywhere_and_frees_it(api):
    user_id = new_user(api)
    api.post(
        "/huntorder", {"userId": user_id, "phoneNumber": "3039844345,3035551212", "phoneType": "1"}
    )
    api.post(
        "/calltimeexception",
        {
            "userId": user_id,
            "phoneNumber": "3039844345",
            "startHour": "0",
            "endHour": "0",
            "day": "127",
        },
    )
    response = api.delete(f"/phoneNumber?userId={user_id}&phoneNumber=3039844345")
    assert response.status_code == 200
    assert_matches_example(response.body, "phonenumber-DELETE.xml")
    assert numbers_of(api, user_id) == [("3035551212", "2", "1")]
    hunt = xml(api.get(f"/huntorder?userId={user_id}").body)
    assert [n.findtext("digits") for n in hunt.iter("number")] == ["3035551212"]
    assert (
        xml(api.get(f"/calltimeexception?userId={user_id}").body).find("exceptions/exception")
        is None
    )
    new_user(api, email="jane@example.com", phoneNumber="3039844345")


def test_delete_errors(api):
    user_id = new_user(api)
    fails(api.delete(f"/phoneNumber?userId={user_id}&phoneNumber=3035551212"), 400, 109)
    fails(api.delete(f"/phoneNumber?userId={user_id}&phoneNumber=3039844345"), 404, 110)
    fails(api.delete(f"/phoneNumber?userId={user_id}"), 400, 900)
    fails(api.delete("/phoneNumber?userId=999&phoneNumber=3039844345"), 404, 106)


# --- smsphone ---------------------------------------------------------------------------


def test_smsphone_keeps_its_own_list_in_the_reference_bodies(api):
    next_id_is("phone", 800)
    user_id = new_user(api, phoneNumber="7205550000")
    fails(api.get(f"/smsphone?userId={user_id}&all=1"), 404, 110)
    next_id_is("phone", 861)
    loud = api.post(
        "/smsphone?verbose=1", {"userId": user_id, "phonenumber": "3035551212", "phoneType": "2"}
    )
    assert loud.status_code == 201
    assert_matches_example(loud.body, "smsphone-POST-verbose.xml")
    next_id_is("phone", 867)
    ok(
        api.post("/smsphone", {"userId": user_id, "phoneNumber": "3039844345", "phoneType": "1"}),
        201,
    )
    assert_matches_example(
        api.get(f"/smsphone?userId={user_id}&all=1").body,
        "smsphone-GET-all.xml",
        ignore=("isDefault",),
    )
    assert numbers_of(api, user_id, "/smsphone") == [
        ("3035551212", "2", "1"),
        ("3039844345", "1", "0"),
    ]
    assert numbers_of(api, user_id) == [("7205550000", "2", "1")]


def test_smsphone_get_specific_is_the_default_sms_number(api):
    user_id = new_user(api)
    next_id_is("phone", 859)
    api.post("/smsphone", {"userId": user_id, "phonenumber": "7202108298", "phoneType": "2"})
    api.post("/smsphone", {"userId": user_id, "phonenumber": "7202108299", "phoneType": "2"})
    assert_matches_example(api.get(f"/smsphone?userId={user_id}").body, "smsphone-GET-specific.xml")
    api.post("/dnd", {"userId": user_id, "startHour": "0", "endHour": "0", "day": "127"})
    body = xml(api.get(f"/smsphone?userId={user_id}").body)
    assert (body.findtext("dnd"), body.find("number")) == ("1", None)


def test_an_sms_number_may_be_the_users_own_voice_number_but_nobody_elses(api):
    user_id = new_user(api)
    new_user(api, email="jane@example.com", phoneNumber="7205551212")
    ok(
        api.post("/smsphone", {"userId": user_id, "phonenumber": "3035551212", "phoneType": "2"}),
        201,
    )
    fails(
        api.post("/smsphone", {"userId": user_id, "phonenumber": "3035551212", "phoneType": "2"}),
        409,
        113,
    )
    fails(
        api.post("/smsphone", {"userId": user_id, "phonenumber": "7205551212", "phoneType": "2"}),
        409,
        113,
    )
    # dropping it from one list keeps it held by the other
    ok(api.delete(f"/smsphone?userId={user_id}&phone=3035551212"))
    fails(
        api.post(
            "/user",
            {
                "firstName": "A",
                "lastName": "B",
                "email": "a@example.com",
                "phoneNumber": "3035551212",
                "phoneType": "1",
            },
        ),
        409,
        103,
    )


def test_smsphone_delete(api):
    user_id = new_user(api)
    for number in ("3039844345", "7205551212"):
        api.post("/smsphone", {"userId": user_id, "phonenumber": number, "phoneType": "2"})
    fails(api.delete(f"/smsphone?userId={user_id}&phone=3039844345"), 400, 109)
    fails(api.delete(f"/smsphone?userId={user_id}&phone=3035551212"), 404, 110)
    fails(api.delete(f"/smsphone?userId={user_id}&phoneNumber=7205551212"), 400, 900)
    response = api.delete(f"/smsphone?userId={user_id}&phone=7205551212")
    assert response.status_code == 200
    assert_matches_example(response.body, "smsphone-DELETE.xml")
    # the last SMS number may go, default or not
    ok(api.delete(f"/smsphone?userId={user_id}&phone=3039844345"))
    fails(api.get(f"/smsphone?userId={user_id}"), 404, 110)
    new_user(api, email="jane@example.com", phoneNumber="3039844345")


def test_user_delete_frees_sms_numbers_and_extra_emails(api):
    user_id = new_user(api)
    api.post("/smsphone", {"userId": user_id, "phonenumber": "3039844345", "phoneType": "2"})
    api.post("/email", {"userId": user_id, "email": "jd@example.com"})
    ok(api.delete(f"/user/{user_id}"))
    new_user(api, email="jd@example.com", phoneNumber="3039844345")


# --- carriers ------------------------------------------------------------------------


def test_carriers_all_is_the_reference_catalogue(api):
    user_id = new_user(api)
    response = api.get(f"/carriers?userId={user_id}&all=1")
    assert response.status_code == 200
    assert_matches_example(response.body, "carriers-GET.xml")


def test_carriers_of_the_users_numbers(api):
    user_id = new_user(api, carrierId="5")
    api.post("/phoneNumber", {"userId": user_id, "phoneNumber": "3039844345", "phoneType": "1"})
    api.post(
        "/smsphone",
        {"userId": user_id, "phonenumber": "7205551212", "phoneType": "2", "carrierId": "1"},
    )
    body = as_json(api.get(f"/carriers?userId={user_id}&output=json"))
    assert body == {
        "carriers": [
            {"id": 0, "name": "(unknown)", "gateway": ""},
            {"id": 1, "name": "AT&T", "gateway": "txt.att.net"},
            {"id": 5, "name": "T-Mobile", "gateway": "tmomail.net"},
        ]
    }


def test_carriers_errors(api):
    fails(api.get("/carriers?userId=999"), 404, 106)
    fails(api.get("/carriers"), 400, 900)


def test_a_carrier_outside_the_catalogue_is_902(api):
    user_id = new_user(api)
    fails(
        api.post(
            "/phoneNumber",
            {"userId": user_id, "phoneNumber": "3039844345", "phoneType": "2", "carrierId": "6"},
        ),
        400,
        902,
    )


def test_stored_data_outside_the_catalogue_is_111(api):
    from chalicelib.store.models import User

    user_id = new_user(api)
    item = User.get(user_id)
    item.phones[0].carrier_id = 42
    item.save()
    fails(api.get(f"/carriers?userId={user_id}"), 500, 111)


@pytest.mark.parametrize("path", ["/phoneNumber", "/phonenumber", "/phonenumber/"])
def test_printed_and_lower_case_paths_and_a_trailing_slash(api, path):
    user_id = new_user(api)
    ok(api.get(f"{path}?userId={user_id}"))
