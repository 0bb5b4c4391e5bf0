"""huntorder, calltimeexception, dnd and blacklist, against the reference's bodies and RULINGS."""

import json
from itertools import count

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.api.people import as_json, at, fails, new_user, next_id_is, ok
from tests.examples import assert_matches_example, error_codes, xml


def hunt_of(api, user_id):
    body = xml(api.get(f"/huntorder?userId={user_id}").body)
    return body.findtext("tryall"), [n.findtext("digits") for n in body.iter("number")]


def windows_of(api, path, user_id):
    response = api.get(f"{path}?userId={user_id}")
    if response.status_code == 204:
        return []
    return [
        (
            int(e.findtext("starthour")),
            int(e.findtext("stophour")),
            int(e.findtext("days")),
            e.findtext("number/digits"),
        )
        for e in xml(response.body).iter("exception")
    ]


# --- huntorder ----------------------------------------------------------------------


def test_huntorder_get_returns_the_reference_body(api):
    next_id_is("phone", 859)
    user_id = new_user(api, phoneNumber="7205551212")
    next_id_is("phone", 867)
    loud = api.post(
        "/huntorder?verbose=1",
        {
            "userId": user_id,
            "tryall": "1",
            "phoneNumber": "7205551212,3035551212",
            "phoneType": "1",
        },
    )
    assert loud.status_code == 201
    assert_matches_example(loud.body, "huntorder-POST-verbose.xml")
    response = api.get(f"/huntorder?userId={user_id}")
    assert response.status_code == 200
    assert_matches_example(response.body, "huntorder-GET.xml")


def test_huntorder_post_replaces_and_is_verbose_only(api):
    user_id = new_user(api)
    api.post("/huntorder", {"userId": user_id, "phoneNumber": "3039844345", "phoneType": "1"})
    quiet = api.post(
        "/huntorder",
        {"userId": user_id, "phoneNumber": "3035551212,44 20 77994044", "phoneType": "4"},
    )
    assert (quiet.status_code, quiet.body) == (201, b"")
    assert hunt_of(api, user_id) == ("0", ["3035551212", "44 20 77994044"])
    # the number left out stays on the user
    assert (
        len(xml(api.get(f"/phonenumber?userId={user_id}&all=1").body).findall("numbers/number"))
        == 3
    )


def test_huntorder_put_appends_and_toggles_tryall(api):
    user_id = new_user(api)
    response = api.put("/huntorder", {"userId": user_id, "phoneNumber": "3035551212"})
    assert response.status_code == 200
    assert_matches_example(response.body, "huntorder-PUT.xml")
    ok(
        api.put(
            "/huntorder",
            {
                "userId": user_id,
                "phoneNumber": "7205551212,3039844345",
                "phoneType": "2,1",
                "carrierId": "3,0",
            },
        )
    )
    ok(api.put("/huntorder", {"userId": user_id, "tryall": "1"}))
    assert hunt_of(api, user_id) == ("1", ["3035551212", "7205551212", "3039844345"])
    carriers = xml(api.get(f"/huntorder?userId={user_id}").body)
    assert [n.findtext("phoneType") + n.findtext("carrierId") for n in carriers.iter("number")] == [
        "20",
        "23",
        "10",
    ]
    # a number already in the order keeps its place
    ok(api.put("/huntorder", {"userId": user_id, "phoneNumber": "3035551212", "tryall": "0"}))
    assert hunt_of(api, user_id) == ("0", ["3035551212", "7205551212", "3039844345"])


def test_huntorder_delete_empties_the_order(api):
    user_id = new_user(api)
    api.post("/huntorder", {"userId": user_id, "phoneNumber": "3035551212", "tryall": "1"})
    response = api.delete(f"/huntorder?userId={user_id}")
    assert response.status_code == 200
    assert_matches_example(response.body, "huntorder-DELETE.xml")
    assert hunt_of(api, user_id) == ("1", [])
    assert as_json(api.get(f"/huntorder?userId={user_id}&output=json")) == {
        "tryall": 1,
        "numbers": [],
    }


def test_huntorder_errors_change_nothing(api):
    user_id = new_user(api)
    new_user(api, email="jane@example.com", phoneNumber="7205551212")
    api.post("/huntorder", {"userId": user_id, "phoneNumber": "3035551212"})
    # a new number without its type; someone else's number; a bad one among good ones
    fails(api.post("/huntorder", {"userId": user_id, "phoneNumber": "3039844345"}), 400, 900)
    fails(
        api.put(
            "/huntorder",
            {"userId": user_id, "phoneNumber": "3039844345,7205551212", "phoneType": "1"},
        ),
        409,
        113,
    )
    fails(
        api.post(
            "/huntorder", {"userId": user_id, "phoneNumber": "3039844345,12", "phoneType": "1,9"}
        ),
        400,
        920,
        902,
    )
    fails(
        api.post(
            "/huntorder",
            {"userId": user_id, "phoneNumber": "3039844345,3039844346", "phoneType": "1,2,3"},
        ),
        400,
        902,
    )
    fails(api.put("/huntorder", {"userId": user_id, "tryall": "2"}), 400, 901)
    fails(api.put("/huntorder", {"userId": user_id}), 400, 900)
    fails(api.post("/huntorder", {"userId": user_id, "tryall": "1"}), 400, 900)
    assert hunt_of(api, user_id) == ("0", ["3035551212"])
    assert (
        len(xml(api.get(f"/phonenumber?userId={user_id}&all=1").body).findall("numbers/number"))
        == 1
    )


# --- calltimeexception ------------------------------------------------------------------


def test_calltimeexception_get_returns_the_reference_body(api):
    next_id_is("phone", 908)
    user_id = new_user(api, phoneType="1")
    next_id_is("phone", 859)
    response = api.post(
        "/calltimeexception",
        {
            "userId": user_id,
            "phoneNumber": "7205551212",
            "phoneType": "2",
            "startHour": "6",
            "endHour": "8",
            "day": "28",
        },
    )
    assert response.status_code == 201
    assert_matches_example(response.body, "calltimeexception-POST.xml")
    ok(
        api.post(
            "/calltimeexception",
            {
                "userId": user_id,
                "phoneNumber": "3035551212",
                "startHour": "6",
                "endHour": "6",
                "day": "96",
            },
        ),
        201,
    )
    response = api.get(f"/calltimeexception?userId={user_id}")
    assert response.status_code == 200
    assert_matches_example(response.body, "calltimeexception-GET.xml")


def test_calltimeexception_overlap_follows_the_reference_example(api):
    user_id = new_user(api)
    api.post(
        "/calltimeexception",
        {
            "userId": user_id,
            "phoneNumber": "3035551212",
            "startHour": "9",
            "endHour": "12",
            "day": "62",
        },
    )
    api.post(
        "/calltimeexception",
        {
            "userId": user_id,
            "phoneNumber": "3039844345",
            "phoneType": "1",
            "startHour": "11",
            "endHour": "17",
            "day": "62",
        },
    )
    assert windows_of(api, "/calltimeexception", user_id) == [
        (9, 11, 62, "3035551212"),
        (11, 17, 62, "3039844345"),
    ]


def test_calltimeexception_delete_removes_exactly_the_named_hours(api):
    user_id = new_user(api)
    api.post(
        "/calltimeexception",
        {
            "userId": user_id,
            "phoneNumber": "3035551212",
            "startHour": "9",
            "endHour": "17",
            "day": "62",
        },
    )
    response = api.delete(
        f"/calltimeexception?userId={user_id}&phoneNumber=3035551212&startHour=12&endHour=13&day=8"
    )
    assert response.status_code == 200
    assert_matches_example(response.body, "calltimeexception-DELETE.xml")
    assert windows_of(api, "/calltimeexception", user_id) == [
        (9, 17, 54, "3035551212"),
        (9, 12, 8, "3035551212"),
        (13, 17, 8, "3035551212"),
    ]
    ok(api.delete(f"/calltimeexception?userId={user_id}&all=1"))
    assert windows_of(api, "/calltimeexception", user_id) == []
    assert as_json(api.get(f"/calltimeexception?userId={user_id}&output=json")) == {
        "exceptions": []
    }


def test_calltimeexception_delete_all_of_one_number(api):
    user_id = new_user(api)
    for number, hour in (("3035551212", "1"), ("3039844345", "2")):
        api.post(
            "/calltimeexception",
            {
                "userId": user_id,
                "phoneNumber": number,
                "phoneType": "1",
                "startHour": hour,
                "endHour": "3",
                "day": "1",
            },
        )
    ok(api.delete(f"/calltimeexception?userId={user_id}&all=1&phoneNumber=3035551212"))
    assert windows_of(api, "/calltimeexception", user_id) == [(2, 3, 1, "3039844345")]


def test_calltimeexception_errors(api):
    user_id = new_user(api)
    base = {
        "userId": user_id,
        "phoneNumber": "3035551212",
        "startHour": "9",
        "endHour": "17",
        "day": "2",
    }
    for change, codes in [
        ({"startHour": "24"}, [902]),
        ({"endHour": ""}, [900]),
        ({"day": "0"}, [902]),
        ({"day": "128"}, [902]),
        ({"timezone": "13"}, [902]),
        ({"timezone": "-12"}, [902]),
        ({"phoneNumber": "4420 77994044"}, [920]),
        ({"phoneNumber": "3039844345"}, [900]),
        ({"phoneType": "5", "carrierId": "7"}, [902, 902]),
    ]:
        response = api.post("/calltimeexception", {**base, **change})
        assert (response.status_code, error_codes(response.body)) == (400, codes), change
    fails(
        api.delete(f"/calltimeexception?userId={user_id}&phoneNumber=3035551212"),
        400,
        900,
        900,
        900,
    )
    fails(
        api.delete(
            f"/calltimeexception?userId={user_id}&phoneNumber=3039844345&startHour=1"
            "&endHour=2&day=1"
        ),
        404,
        110,
    )
    # all=3 is not all=1: the hours and the number it then needs are reported too.
    fails(api.delete(f"/calltimeexception?userId={user_id}&all=3"), 400, 901, 900, 900, 900, 900)
    assert windows_of(api, "/calltimeexception", user_id) == []


# --- dnd -----------------------------------------------------------------------------------


def test_dnd_bodies_follow_the_reference(api):
    user_id = new_user(api)
    assert (
        api.get(f"/dnd?userId={user_id}").status_code,
        api.get(f"/dnd?userId={user_id}").body,
    ) == (204, b"")
    loud = api.post(
        "/dnd?verbose=1", {"userId": user_id, "startHour": "6", "endHour": "8", "day": "28"}
    )
    assert loud.status_code == 201
    assert_matches_example(loud.body, "dnd-POST-verbose.xml")
    quiet = api.post("/dnd", {"userId": user_id, "startHour": "6", "endHour": "6", "day": "96"})
    assert (quiet.status_code, quiet.body) == (201, b"")
    response = api.get(f"/dnd?userId={user_id}")
    assert response.status_code == 200
    assert_matches_example(response.body, "dnd-GET.xml")
    assert json.loads(api.get(f"/dnd?userId={user_id}&output=json").body)["exceptions"][0] == {
        "starthour": 6,
        "stophour": 8,
        "days": 28,
        "expiration": None,
    }


def test_dnd_delete(api):
    user_id = new_user(api)
    api.post(
        "/dnd",
        {"userId": user_id, "startHour": "22", "endHour": "6", "day": "127", "timezone": "-5"},
    )
    loud = api.delete(f"/dnd?userId={user_id}&startHour=22&endHour=0&day=1&timezone=-5&verbose=1")
    assert loud.status_code == 200
    assert_matches_example(loud.body, "dnd-DELETE-verbose.xml")
    # what remains of Sunday's 22-6 is Monday 0-6
    assert windows_of(api, "/dnd", user_id) == [(0, 6, 2, None), (22, 6, 126, None)]
    quiet = api.delete(f"/dnd?userId={user_id}&all=1")
    assert (quiet.status_code, quiet.body) == (200, b"")
    assert api.get(f"/dnd?userId={user_id}").status_code == 204


def test_dnd_errors(api):
    user_id = new_user(api)
    fails(
        api.post(
            "/dnd",
            {"userId": user_id, "startHour": "24", "endHour": "x", "day": "200", "timezone": "+13"},
        ),
        400,
        902,
        900,
        902,
        902,
    )
    fails(api.delete(f"/dnd?userId={user_id}"), 400, 900, 900, 900)
    fails(
        api.post("/dnd", {"userId": "999", "startHour": "1", "endHour": "2", "day": "1"}), 404, 106
    )


_examples = count(1)


# the days bitmask and the timezone round-trip through GET, and the hours they name
# are the ones in force
@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    start=st.integers(0, 23),
    end=st.integers(0, 23),
    days=st.integers(1, 127),
    timezone=st.integers(-11, 12),
)
def test_a_window_round_trips_and_is_in_force_where_it_says(api, start, end, days, timezone):
    # the examples share one moto: each gets a user of its own
    n = next(_examples)
    user_id = new_user(api, email=f"u{n}@example.com", phoneNumber=f"303555{n:04d}")
    ok(
        api.post(
            "/calltimeexception",
            {
                "userId": user_id,
                "phoneNumber": "7205551212",
                "phoneType": "1",
                "startHour": start,
                "endHour": end,
                "day": days,
                "timezone": timezone,
            },
        ),
        201,
    )
    assert windows_of(api, "/calltimeexception", user_id) == [(start, end, days, "7205551212")]
    first_day = (days & -days).bit_length() - 1
    local_hour = first_day * 24 + start  # the first hour of the window, local time
    utc_hour = (local_hour - timezone) % 168
    resolved = xml(api.get(f"/phonenumber?userId={user_id}&time={at(0, 0) + utc_hour * 3600}").body)
    assert resolved.findtext("number/digits") == "7205551212"
    ok(api.delete(f"/user/{user_id}"))


# --- blacklist -------------------------------------------------------------------------------


def test_blacklist_bodies_follow_the_reference(api):
    user_id = new_user(api)
    assert api.get(f"/blacklist?userId={user_id}").status_code == 204
    blocked = new_user(api, user_id=227, email="pest@example.com", phoneNumber="7205551212")
    loud = api.post(
        "/blacklist?verbose=1",
        {"userId": user_id, "terminationType": "1", "terminationValue": str(blocked)},
    )
    assert loud.status_code == 201
    assert_matches_example(loud.body, "blacklist-POST-verbose.xml")
    quiet = api.post(
        "/blacklist", {"userId": user_id, "terminationType": "3", "terminationValue": "3035551212"}
    )
    assert (quiet.status_code, quiet.body) == (201, b"")
    response = api.get(f"/blacklist?userId={user_id}")
    assert response.status_code == 200
    assert_matches_example(response.body, "blacklist-GET.xml")
    assert as_json(api.get(f"/blacklist?userId={user_id}&output=json")) == {
        "contact": [{"type": 1, "id": 227}, {"type": 3, "id": "3035551212"}]
    }
    loud = api.delete(
        f"/blacklist?userId={user_id}&terminationType=2&terminationValue=pest@example.com&verbose=1"
    )
    assert loud.status_code == 200
    assert_matches_example(loud.body, "blacklist-DELETE-verbose.xml")
    quiet = api.delete(
        f"/blacklist?userId={user_id}&terminationType=3&terminationValue=1%203035551212"
    )
    assert (quiet.status_code, quiet.body) == (200, b"")
    assert api.get(f"/blacklist?userId={user_id}").status_code == 204


def test_blacklist_by_email_is_kept_as_the_user_and_duplicates_are_113(api):
    user_id = new_user(api)
    blocked = new_user(api, email="pest@example.com", phoneNumber="7205551212")
    ok(
        api.post(
            "/blacklist",
            {"userId": user_id, "terminationType": "2", "terminationValue": "Pest@Example.com"},
        ),
        201,
    )
    assert as_json(api.get(f"/blacklist?userId={user_id}&output=json")) == {
        "contact": [{"type": 1, "id": blocked}]
    }
    fails(
        api.post(
            "/blacklist",
            {"userId": user_id, "terminationType": "1", "terminationValue": str(blocked)},
        ),
        409,
        113,
    )
    ok(
        api.post(
            "/blacklist",
            {"userId": user_id, "terminationType": "3", "terminationValue": "44 20 77994044"},
        ),
        201,
    )
    fails(
        api.post(
            "/blacklist",
            {"userId": user_id, "terminationType": "3", "terminationValue": "44 20 77994044"},
        ),
        409,
        113,
    )


def test_a_blocked_user_that_is_gone_can_still_be_unblocked(api):
    user_id = new_user(api)
    blocked = new_user(api, email="pest@example.com", phoneNumber="7205551212")
    api.post(
        "/blacklist", {"userId": user_id, "terminationType": "1", "terminationValue": str(blocked)}
    )
    ok(api.delete(f"/user/{blocked}"))
    ok(api.delete(f"/blacklist?userId={user_id}&terminationType=1&terminationValue={blocked}"))


def test_blacklist_errors(api):
    user_id = new_user(api)
    for type_, value, status, codes in [
        ("4", "1", 400, [901]),
        ("", "1", 400, [900]),
        ("1", "", 400, [900]),
        ("1", "abc", 400, [922]),
        ("1", "999", 400, [922]),
        ("2", "nobody@example.com", 400, [922]),
        ("2", "not-an-email", 400, [915]),
        ("3", "4420 77994044", 400, [920]),
    ]:
        response = api.post(
            "/blacklist", {"userId": user_id, "terminationType": type_, "terminationValue": value}
        )
        assert (response.status_code, error_codes(response.body)) == (status, codes), (type_, value)
    fails(
        api.delete(f"/blacklist?userId={user_id}&terminationType=3&terminationValue=3035551212"),
        404,
        110,
    )
    assert api.get(f"/blacklist?userId={user_id}").status_code == 204
