"""currency, mouallowed and mouused, against the reference and RULINGS."""

import json
from decimal import Decimal

import pytest

from tests.concurrency import at_once, atomic_dynamodb  # noqa: F401 (fixture)
from tests.examples import assert_matches_example, error_codes, xml

JOHN = {
    "firstName": "John",
    "lastName": "Doe",
    "email": "john@example.com",
    "phoneNumber": "3035551212",
    "phoneType": "2",
}


@pytest.fixture
def user(api) -> int:
    response = api.post("/user", JOHN)
    assert response.status_code == 200, response.body
    return int(xml(response.body).findtext("userId"))


def currency(api, user_id) -> str:
    response = api.get(f"/currency?userId={user_id}")
    assert response.status_code == 200, response.body
    return xml(response.body).findtext("amount")


def mou(api, path, user_id) -> str:
    response = api.get(f"{path}?userId={user_id}")
    assert response.status_code == 200, response.body
    return xml(response.body).findtext("mou")


# --- currency ------------------------------------------------------------------------


def test_currency_post_sets_and_get_returns_the_reference_bodies(api, user):
    response = api.post("/currency", {"userId": user, "amount": "50.25"})
    assert response.status_code == 201
    assert_matches_example(response.body, "currency-POST.xml")
    response = api.get(f"/currency?userId={user}")
    assert response.status_code == 200
    assert_matches_example(response.body, "currency-GET.xml")


def test_currency_put_adds_and_delete_subtracts_with_the_reference_bodies(api, user):
    api.post("/currency", {"userId": user, "amount": "10"})
    response = api.put("/currency", {"userId": user, "amount": "50.25"})
    assert response.status_code == 200
    assert_matches_example(response.body, "currency-PUT.xml")
    response = api.delete(f"/currency?userId={user}&amount=10")
    assert response.status_code == 200
    assert_matches_example(response.body, "currency-DELETE.xml")
    assert currency(api, user) == "50.25"


def test_an_account_never_written_is_zero(api, user):
    assert currency(api, user) == "0.00"
    assert mou(api, "/mouallowed", user) == "0"
    assert mou(api, "/mouused", user) == "0"


def test_amounts_are_exact_decimals(api, user):
    api.put("/currency", {"userId": user, "amount": "0.1"})
    api.put("/currency", {"userId": user, "amount": "0.2"})
    assert currency(api, user) == "0.30"
    assert json.loads(api.get(f"/currency?userId={user}&output=json").body) == {"amount": 0.3}


def test_balances_may_go_negative(api, user):
    api.post("/currency", {"userId": user, "amount": "5"})
    api.delete(f"/currency?userId={user}&amount=7.5")
    assert currency(api, user) == "-2.50"
    api.post("/currency", {"userId": user, "amount": "-12"})
    assert currency(api, user) == "-12.00"
    api.put("/currency", {"userId": user, "amount": "-0.01"})
    assert currency(api, user) == "-12.01"


def test_amounts_are_sanitised_as_doubles(api, user):
    api.post("/currency", {"userId": user, "amount": "$1,050.5"})
    assert currency(api, user) == "1050.50"


def test_currency_in_json(api, user):
    api.post("/currency", {"userId": user, "amount": "50.25"})
    assert json.loads(api.get(f"/currency?userId={user}&output=json").body) == {"amount": 50.25}
    response = api.put("/currency?output=json", {"userId": user, "amount": "1"})
    assert json.loads(response.body) == {"status": "ok"}


BAD_AMOUNTS = [("12.345", 912), ("1.2.3", 912), ("abc", 900), ("", 900), ("1000000000000", 902)]


def test_bad_amounts_are_rejected(api, user):
    for amount, code in BAD_AMOUNTS:
        for response in (
            api.post("/currency", {"userId": user, "amount": amount}),
            api.put("/currency", {"userId": user, "amount": amount}),
            api.delete(f"/currency?userId={user}&amount={amount}"),
        ):
            assert (response.status_code, error_codes(response.body)) == (400, [code]), amount
    assert currency(api, user) == "0.00"


def test_missing_variables_are_all_reported(api):
    response = api.put("/currency", {})
    assert (response.status_code, error_codes(response.body)) == (400, [900, 900])


ROUTES = [
    ("GET", "/currency", {}),
    ("POST", "/currency", {"amount": "1"}),
    ("PUT", "/currency", {"amount": "1"}),
    ("DELETE", "/currency", {"amount": "1"}),
    ("GET", "/mouallowed", {}),
    ("POST", "/mouallowed", {"mou": "1"}),
    ("GET", "/mouused", {}),
    ("DELETE", "/mouused", {}),
]


def call(api, method, path, user_id, extra):
    variables = {"userId": user_id, **extra}
    if method in ("GET", "DELETE"):
        query = "&".join(f"{k}={v}" for k, v in variables.items())
        return api.call(method, f"{path}?{query}")
    return api.call(method, path, variables)


def test_an_unknown_user_is_106(api):
    for method, path, extra in ROUTES:
        response = call(api, method, path, 999, extra)
        assert (response.status_code, error_codes(response.body)) == (404, [106]), (method, path)


def test_a_user_id_that_is_not_positive_is_922(api):
    for method, path, extra in ROUTES:
        response = call(api, method, path, 0, extra)
        assert (response.status_code, error_codes(response.body)) == (400, [922]), (method, path)


def test_an_exclusive_user_of_another_enterprise_is_106(api, other_enterprise):
    user_id = int(xml(api.post("/user", {**JOHN, "exclusive": "1"}).body).findtext("userId"))
    for method, path, extra in ROUTES:
        response = call(other_enterprise, method, path, user_id, extra)
        assert (response.status_code, error_codes(response.body)) == (404, [106]), (method, path)


def test_internal_failures_are_105(api, user, monkeypatch):
    # Given DynamoDB failing in a way the app does not expect
    def broken(*args, **kwargs):
        raise RuntimeError("the table is gone")

    monkeypatch.setattr("chalicelib.store.accounts.commit_if", broken)
    monkeypatch.setattr("chalicelib.store.accounts.get_items", broken)
    # When any route is called, Then it is a 500 with code 105 and no internals
    for method, path, extra in ROUTES:
        response = call(api, method, path, user, extra)
        assert (response.status_code, error_codes(response.body)) == (500, [105]), (method, path)
        assert b"table is gone" not in response.body


def test_balances_are_kept_per_enterprise(api, user, other_enterprise):
    # Given a shared user with balances set by enterprise 1
    api.post("/currency", {"userId": user, "amount": "50.25"})
    api.post("/mouallowed", {"userId": user, "mou": "50"})
    # When enterprise 2 changes its own
    other_enterprise.put("/currency", {"userId": user, "amount": "1"})
    other_enterprise.post("/mouallowed", {"userId": user, "mou": "7.5"})
    # Then each sees only its own
    assert (currency(api, user), currency(other_enterprise, user)) == ("50.25", "1.00")
    assert (mou(api, "/mouallowed", user), mou(other_enterprise, "/mouallowed", user)) == (
        "50",
        "7.5",
    )


# --- mouallowed / mouused ---------------------------------------------------------------


def test_mouallowed_post_and_get_return_the_reference_bodies(api, user):
    response = api.post("/mouallowed", {"userId": user, "mou": "50"})
    assert response.status_code == 200
    assert_matches_example(response.body, "mouallowed-POST.xml")
    response = api.get(f"/mouallowed?userId={user}")
    assert response.status_code == 200
    assert_matches_example(response.body, "mouallowed-GET.xml")


def test_minutes_keep_one_decimal(api, user):
    api.post("/mouallowed", {"userId": user, "mou": "12.5"})
    assert mou(api, "/mouallowed", user) == "12.5"
    assert json.loads(api.get(f"/mouallowed?userId={user}&output=json").body) == {"mou": 12.5}
    api.post("/mouallowed", {"userId": user, "mou": "100.0"})
    assert mou(api, "/mouallowed", user) == "100"


def test_bad_minutes_are_rejected(api, user):
    for minutes, code in [("12.55", 912), ("-1", 902), ("x", 900)]:
        response = api.post("/mouallowed", {"userId": user, "mou": minutes})
        assert (response.status_code, error_codes(response.body)) == (400, [code]), minutes


def test_mouused_get_and_delete_return_the_reference_bodies(api, user):
    # Given 25 minutes billed by calls of enterprise 1
    from chalicelib.store import accounts

    accounts.add_minutes_used(1, user, Decimal("24.9"))
    accounts.add_minutes_used(1, user, Decimal("0.1"))
    response = api.get(f"/mouused?userId={user}")
    assert response.status_code == 200
    assert_matches_example(response.body, "mouused-GET.xml")
    # When it is reset, Then it is 0
    response = api.delete(f"/mouused?userId={user}")
    assert response.status_code == 200
    assert_matches_example(response.body, "mouused-DELETE.xml")
    assert mou(api, "/mouused", user) == "0"


def test_minutes_used_are_added_per_enterprise(api, user, other_enterprise):
    from chalicelib.store import accounts

    accounts.add_minutes_used(2, user, Decimal("3.2"))
    assert (mou(api, "/mouused", user), mou(other_enterprise, "/mouused", user)) == ("0", "3.2")


def test_adding_minutes_for_a_user_that_is_gone_is_106(api, user):
    from chalicelib.errors import OcpError
    from chalicelib.store import accounts

    api.delete(f"/user/{user}")
    with pytest.raises(OcpError) as caught:
        accounts.add_minutes_used(1, user, Decimal(1))
    assert caught.value.code == 106


def test_lower_case_paths_and_a_trailing_slash_work(api, user):
    assert api.get(f"/mouAllowed?userId={user}").status_code in (403, 404)  # not printed so
    assert api.get(f"/mouallowed/?userId={user}").status_code == 200


# --- user DELETE ----------------------------------------------------------------------


def test_user_delete_removes_the_accounts_of_every_enterprise(api, user, other_enterprise):
    from chalicelib.store.models import Account

    api.post("/currency", {"userId": user, "amount": "1"})
    other_enterprise.post("/currency", {"userId": user, "amount": "2"})
    assert api.delete(f"/user/{user}").status_code == 200
    assert list(Account.query(user)) == []
    assert error_codes(api.get(f"/currency?userId={user}").body) == [106]


# --- integrity under concurrency --------------------------------------------------------


def test_concurrent_additions_are_never_lost(api, user, atomic_dynamodb):
    # Given a balance
    api.post("/currency", {"userId": user, "amount": "10"})
    # When 50 additions of 1.01 arrive at once
    responses = at_once([lambda: api.put("/currency", {"userId": user, "amount": "1.01"})] * 50)
    # Then every one counted
    assert {r.status_code for r in responses} == {200}
    assert currency(api, user) == str(Decimal("10") + 50 * Decimal("1.01"))


def test_concurrent_additions_and_subtractions_are_never_lost(api, user, atomic_dynamodb):
    puts = [lambda: api.put("/currency", {"userId": user, "amount": "1.01"})] * 50
    deletes = [lambda: api.delete(f"/currency?userId={user}&amount=0.35")] * 30
    minutes = [lambda: api.delete(f"/mouused?userId={user}")] * 5  # another field of the item
    interleaved = [c for group in zip(puts[:30], deletes, strict=True) for c in group]
    calls = interleaved + puts[30:] + minutes
    responses = at_once(calls)
    assert {r.status_code for r in responses} == {200}
    assert currency(api, user) == str(50 * Decimal("1.01") - 30 * Decimal("0.35"))


def test_concurrent_minutes_used_are_never_lost(api, user, atomic_dynamodb):
    from chalicelib.store import accounts

    at_once([lambda: accounts.add_minutes_used(1, user, Decimal("0.1"))] * 50)
    assert mou(api, "/mouused", user) == "5"
