"""The web console (chalicelib/console) over chalice's test client: sign-in as GET /session
checks it, the cookie session, CSRF and Origin checks, the page headers, and each page's
content. The browser tier (tests/browser) drives the same pages in Chromium."""

from __future__ import annotations

import re

import pytest

from chalicelib import clock
from tests.api.console_client import Browser, signed_in
from tests.api.people import new_user
from tests.conftest import SECRET


@pytest.fixture
def browser(app_client, enterprise):
    return signed_in(app_client, 1, SECRET)


def test_the_sign_in_page_is_served_without_a_session(app_client):
    response = Browser(app_client).get("/console")
    assert response.status_code == 200
    assert b'name="secret"' in response.body
    assert response.headers["Content-Type"].startswith("text/html")


def test_every_page_carries_a_policy_with_no_inline_script(browser):
    response = browser.get("/console/calls")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    body = response.body.decode()
    # Every script is a file of this console: none inline, no handler attributes
    assert re.findall(r"<script(?![^>]*\bsrc=)", body) == []
    assert not re.search(r"\son[a-z]+=", body)
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_signing_in_sets_an_http_only_strict_cookie_holding_no_secret(app_client, enterprise):
    browser = Browser(app_client)
    response = browser.post("/console/sign-in", {"eid": "1", "secret": SECRET})
    assert response.status_code == 303
    assert response.headers["Location"] == "/console/calls"
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/console" in cookie
    assert "Secure" not in cookie  # plain HTTP locally; over HTTPS it is Secure
    assert SECRET not in cookie
    assert browser.get("/console/calls").status_code == 200


def test_over_https_the_cookie_is_secure(app_client, enterprise):
    browser = Browser(app_client)
    response = browser.post(
        "/console/sign-in", {"eid": "1", "secret": SECRET}, headers={"X-Forwarded-Proto": "https"}
    )
    assert "; Secure" in response.headers["Set-Cookie"]


@pytest.mark.parametrize(
    ("eid", "secret", "code"), [("1", "wrong", "102"), ("77", SECRET, "101"), ("x", "s", "101")]
)
def test_a_wrong_sign_in_is_refused_with_the_references_error(
    app_client, enterprise, eid, secret, code
):
    response = Browser(app_client).post("/console/sign-in", {"eid": eid, "secret": secret})
    assert response.status_code == 401
    assert f"({code})".encode() in response.body
    assert "Set-Cookie" not in response.headers


def test_a_suspended_enterprise_cannot_sign_in(app_client, enterprise):
    from chalicelib.store import enterprises

    enterprises.suspend(1)
    response = Browser(app_client).post("/console/sign-in", {"eid": "1", "secret": SECRET})
    assert response.status_code == 401
    assert b"Unknown enterprise id (101)" in response.body


def test_a_sign_in_from_another_site_is_refused(app_client, enterprise):
    response = Browser(app_client).post(
        "/console/sign-in", {"eid": "1", "secret": SECRET}, headers={"Origin": "https://evil.test"}
    )
    assert response.status_code == 403


def test_pages_without_a_session_send_the_browser_to_sign_in(app_client):
    response = Browser(app_client).get("/console/calls")
    assert response.status_code == 303
    assert response.headers["Location"] == "/console"
    htmx = Browser(app_client).get("/console/calls/rows", headers={"HX-Request": "true"})
    assert htmx.headers["HX-Redirect"] == "/console"


def test_sign_out_ends_the_ocp_session_too(browser, app_client):
    session = browser.cookies["ocp_console"]
    response = browser.post("/console/sign-out", {"csrf": browser.csrf("/console/calls")})
    assert response.status_code == 303
    assert "ocp_console" not in browser.cookies
    # The session the cookie held is over for the API as well
    api = app_client.http.get("/user/1", headers={"Authorization": f"Basic {session}"})
    assert api.status_code == 401
    # and the old cookie opens no page
    again = Browser(app_client, {"ocp_console": session}).get("/console/calls")
    assert again.status_code == 303


def test_a_post_without_the_sessions_token_or_from_elsewhere_is_refused(browser):
    token = browser.csrf("/console/calls")
    assert browser.post("/console/sign-out", {}).status_code == 403
    assert browser.post("/console/sign-out", {"csrf": "0" * 40}).status_code == 403
    elsewhere = browser.post(
        "/console/sign-out", {"csrf": token}, headers={"Origin": "https://evil.test"}
    )
    assert elsewhere.status_code == 403
    assert "ocp_console" in browser.cookies


def test_the_calls_list_shows_the_enterprises_calls_and_refreshes_while_one_is_live(browser, api):
    user = new_user(api, phoneNumber="3035551212")
    response = api.post(
        "/call",
        {"userId": user, "origination": f"1:{user}", "destination": "3:3035550101", "text": "hi"},
    )
    assert response.status_code == 201, response.body
    call_id = re.search(rb"<callId>(\d+)</callId>", response.body).group(1).decode()
    page = browser.get("/console/calls").body.decode()
    assert f"#{call_id}" in page
    # scheduled (no dialer runs in this tier): the rows poll for changes
    assert 'hx-trigger="every 2s"' in page
    rows = browser.get("/console/calls/rows").body.decode()
    assert rows.startswith("<tbody") and f"#{call_id}" in rows
    assert browser.get("/console/calls?state=complete").body.decode().count(f"#{call_id}<") == 0
    detail = browser.get(f"/console/calls/{call_id}").body.decode()
    assert "Timeline" in detail and "scheduled" in detail


def test_a_finished_call_shows_its_attempts_and_stops_refreshing(browser, api):
    from chalicelib.store import calls

    with clock.frozen(1_800_000_000):
        calls.create(41, eid=1, user_id=5, kind="call", time_scheduled=clock.now())
        calls.claim_dial(41, "d.0", clock.now())
        calls.record_attempts(
            41,
            "d.0",
            [
                calls.AttemptRecord("3035550102", "Busy"),
                calls.AttemptRecord("3035550103", "Machine"),
            ],
            clock.now(),
        )
    calls.finish(41, success=False, seconds=0, at=1_800_000_009)
    page = browser.get("/console/calls/41").body.decode()
    assert "Busy" in page and "answering machine" in page
    assert 'data-live="0"' in page and "hx-trigger" not in page


def test_another_enterprises_call_is_not_found(browser, api, app_client):
    from chalicelib.store import calls

    calls.create(42, eid=2, user_id=5, kind="call", time_scheduled=clock.now())
    assert browser.get("/console/calls/42").status_code == 404
    assert "#42<" not in browser.get("/console/calls").body.decode()


def test_usage_csv_downloads(browser):
    response = browser.get("/console/usage.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    assert response.body.decode().splitlines()[0] == "groupBy,key,calls,mou,texts"


def test_users_are_found_by_id_email_and_number_with_their_hunt_order(browser, api):
    user = new_user(api, email="ann@example.com", phoneNumber="3035551313", firstName="Ann")
    api.post("/huntorder", {"userId": user, "phoneNumber": "3035551313,3035551314", "phoneType": 2})
    for query in (str(user), "ann@example.com", "303-555-1313"):
        page = browser.get(f"/console/users?q={query}").body.decode()
        assert "Ann" in page, query
        assert "3035551313 → 3035551314" in page, query


@pytest.mark.parametrize(
    "path",
    [
        "/console/blasts",
        "/console/scheduled",
        "/console/usage",
        "/console/alerts",
        "/console/users?q=nobody",
    ],
)
def test_each_page_renders(browser, path):
    response = browser.get(path)
    assert response.status_code == 200, response.body[:500]
    assert b"<main" in response.body


def test_assets_are_served_from_the_package(app_client):
    js = Browser(app_client).get("/console/static/htmx.min.js")
    assert js.status_code == 200 and js.headers["Content-Type"].startswith("text/javascript")
    assert "immutable" in js.headers["Cache-Control"]
    assert Browser(app_client).get("/console/static/..%2Fpages.py").status_code == 404


def test_a_calls_timeline_shows_the_status_events_due_to_its_callback(browser):
    from chalicelib.domain.subscriptions import Subscription
    from chalicelib.store import calls

    hook = Subscription("https://hooks.example.com/ocp", ("initiated", "completed"))
    with clock.frozen(1_800_000_000):
        calls.create(43, eid=1, user_id=5, kind="call", time_scheduled=clock.now(), callback=hook)
        calls.claim_dial(43, "d.0", clock.now())
        answered = [calls.AttemptRecord("3035550105", "Success")]
        calls.record_attempts(43, "d.0", answered, clock.now())
    calls.finish(43, success=True, seconds=30, at=1_800_000_040)
    page = browser.get("/console/calls/43").body.decode()
    assert "https://hooks.example.com/ocp" in page
    assert "status event initiated" in page and "status event completed" in page
    assert "status event answered" not in page  # not subscribed


def test_a_scheduled_blast_is_listed_shown_and_cancelled(browser, api):
    user = new_user(api, phoneNumber="3035551515")
    later = clock.now() + 7200
    response = api.post(
        "/blastvoice",
        {
            "userId": user,
            "origination": f"1:{user}",
            "destination": "3:3035551616,3:3035551617",
            "text": "Tomorrow",
            "time": later,
        },
    )
    assert response.status_code == 202, response.body
    blast_id = re.search(rb"<blastid>(\d+)</blastid>", response.body).group(1).decode()
    listed = browser.get("/console/blasts").body.decode()
    assert f"#{blast_id} · voice blast" in listed and 'data-pending="2"' in listed
    page = browser.get(f"/console/blasts/{blast_id}").body.decode()
    assert "3035551616" in page and "3035551617" in page and "pending" in page
    scheduled = browser.get("/console/scheduled").body.decode()
    assert f"voice blast {blast_id}" in scheduled
    token = browser.csrf("/console/scheduled")
    response = browser.post(f"/console/blasts/{blast_id}/cancel", {"csrf": token})
    assert response.status_code == 303
    assert api.get(f"/blastvoice/{blast_id}?userId={user}").status_code == 404
    assert f"voice blast {blast_id}" not in browser.get("/console/scheduled").body.decode()


def test_usage_sums_the_enterprises_billed_minutes_per_day_and_user(browser):
    from decimal import Decimal

    from chalicelib.store import usage

    # Given three ended calls of enterprise 1 and one of enterprise 2, counted as the
    # Calls stream counts them (store/usage.py)
    day = "2027-01-15"
    ended = ((51, 1, 7, "0.5"), (52, 1, 7, "1.5"), (53, 1, 8, "0.1"), (54, 2, 7, "9.9"))
    for call_id, eid, user, mou in ended:
        usage.record_delta(
            usage.Delta(f"call#{call_id}", eid, user, day, calls=1, mou=Decimal(mou))
        )
    # When enterprise 1's console downloads its usage
    csv_text = browser.get("/console/usage.csv?from=2027-01-10&to=2027-01-20").body.decode()
    rows = {tuple(line.split(",")[:3]): line.split(",")[3] for line in csv_text.splitlines()[1:]}
    # Then per day and per user, its own calls only
    assert rows[("day", "2027-01-15", "3")] == "2.1"  # 0.5 + 1.5 + 0.1 billed
    assert rows[("user", "7", "2")] == "2.0"
    assert rows[("user", "8", "1")] == "0.1"
    page = browser.get("/console/usage?from=2027-01-10&to=2027-01-20").body.decode()
    assert page.count('class="chart-bar" data-day=') == 11


def test_suspending_an_enterprise_ends_its_console_session(browser):
    from chalicelib.store import enterprises

    assert browser.get("/console/calls").status_code == 200
    enterprises.suspend(1)
    assert browser.get("/console/calls").status_code == 303
