"""Every find-me/follow-me route: a user exclusive to another enterprise, or no user
at all, is 106; and a profile change is one whole transaction, retried on conflict."""

import pytest

from tests.api.people import new_user, other_enterprise
from tests.examples import error_codes

# method, path, variables (userId is added); each valid for a user that exists
ROUTES = [
    ("GET", "/phonenumber", {"all": "1"}),
    ("GET", "/phonenumber", {}),
    ("POST", "/phoneNumber", {"phoneNumber": "3039844345", "phoneType": "1"}),
    ("PUT", "/phonenumber", {"phoneNumber": "3035551212"}),
    ("PUT", "/phonenumber/3035551212", {"phoneType": "1"}),
    ("DELETE", "/phoneNumber", {"phoneNumber": "3039844345"}),
    ("GET", "/smsphone", {}),
    ("POST", "/smsphone", {"phonenumber": "3039844345", "phoneType": "1"}),
    ("DELETE", "/smsphone", {"phone": "3039844345"}),
    ("GET", "/carriers", {"all": "1"}),
    ("PUT", "/huntorder", {"tryall": "1"}),
    ("POST", "/huntorder", {"phoneNumber": "3035551212"}),
    ("GET", "/huntorder", {}),
    ("DELETE", "/huntorder", {}),
    (
        "POST",
        "/calltimeexception",
        {"phoneNumber": "3035551212", "startHour": "1", "endHour": "2", "day": "1"},
    ),
    ("DELETE", "/calltimeexception", {"all": "1"}),
    ("GET", "/calltimeexception", {}),
    ("POST", "/dnd", {"startHour": "1", "endHour": "2", "day": "1"}),
    ("GET", "/dnd", {}),
    ("DELETE", "/dnd", {"all": "1"}),
    ("POST", "/blacklist", {"terminationType": "3", "terminationValue": "7205551212"}),
    ("GET", "/blacklist", {}),
    ("DELETE", "/blacklist", {"terminationType": "3", "terminationValue": "7205551212"}),
    ("POST", "/email", {"email": "x@example.com"}),
    ("GET", "/email", {}),
    ("PUT", "/email", {"email": "john@example.com"}),
    ("DELETE", "/email", {"email": "x@example.com"}),
]


def call(api, method, path, variables):
    from urllib.parse import urlencode

    if method in ("GET", "DELETE"):
        return api.call(method, f"{path}?{urlencode(variables)}")
    return api.call(method, path, variables)


def test_every_route_is_106_for_an_invisible_or_unknown_user(api, app_client):
    # one test over every route: a fresh moto per route would cost more than the calls
    from chalicelib.store import profiles

    user_id = new_user(api, exclusive="1")
    other = other_enterprise(app_client)
    before = profiles.load(user_id, 1)
    wrong = []
    for method, path, variables in ROUTES:
        for who, uid in ((other, user_id), (api, 999)):
            response = call(who, method, path, {**variables, "userId": uid})
            if (response.status_code, error_codes(response.body)) != (404, [106]):
                wrong.append(
                    f"{method} {path} {variables}: {response.status_code} {response.body[:200]!r}"
                )
    assert not wrong
    assert profiles.load(user_id, 1) == before


def test_a_concurrent_change_is_retried_not_lost(api, monkeypatch):
    from chalicelib.domain import profile as rules
    from chalicelib.domain.windows import Window
    from chalicelib.store import profiles, users

    user_id = new_user(api)
    real_get = users.get
    raced = []

    def get_then_race(uid, eid, **kwargs):
        item = real_get(uid, eid, **kwargs)
        if not raced:  # someone else changes the profile between our read and write
            raced.append(True)
            profiles.change(uid, eid, rules.add_email, "race@example.com")
        return item

    monkeypatch.setattr(users, "get", get_then_race)
    profiles.change(user_id, 1, rules.add_dnd, Window(1, 2, 1))
    profile = profiles.load(user_id, 1)
    assert "race@example.com" in profile.emails
    assert profile.dnd == (Window(1, 2, 1),)


def test_endless_conflicts_give_up_with_116_and_change_nothing(api, monkeypatch):
    from chalicelib.domain import profile as rules
    from chalicelib.errors import OcpError
    from chalicelib.store import profiles, transactions, users

    user_id = new_user(api)
    real_get = users.get

    def stale_get(uid, eid, **kwargs):
        item = real_get(uid, eid, **kwargs)
        users.update(uid, eid, {"city": "elsewhere"})  # user PUT in between, every time
        return item

    monkeypatch.setattr(users, "get", stale_get)
    monkeypatch.setattr(transactions, "CONTENTION_BUDGET_SECONDS", 0.2)
    with pytest.raises(OcpError) as caught:
        profiles.change(user_id, 1, rules.add_email, "x@example.com")
    assert caught.value.code == 116
    monkeypatch.undo()
    assert profiles.load(user_id, 1).emails == ("john@example.com",)
    assert users.get(user_id, 1).city == "elsewhere"
    assert api.get("/uidbyemail/x@example.com").status_code == 404
