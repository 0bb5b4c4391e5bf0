"""The web console in Chromium against a `make run` stack: an enterprise signs in, places a
call through the API and watches it appear, end and show its timeline; a blast's bar
reaches complete; the usage chart renders; scheduled work is cancelled; sign-out ends the
session. Then an operator signs in through the stack's Cognito pool, creates, suspends,
resumes an enterprise and gives it a new secret. Every page is screenshotted (desktop and
360 px) and checked with axe-core; no page trips its Content-Security-Policy."""

from __future__ import annotations

import re
import socket
import time

import pytest

from local.bootstrap import OPERATOR_NAME, OPERATOR_PASSWORD
from tests.browser.conftest import accessibility_problems, shoot
from tests.local_stack import DEV_SECRET

# A call or blast of the simulated carrier ends in a few seconds (STACK_ENV); the page
# polls every 2 s. Only a bound against a stack that hangs.
ENDS_MS = 60_000


def _id(body: str, name: str) -> int:
    found = re.search(rf"<{name}>(\d+)</{name}>", body)
    assert found, body
    return int(found.group(1))


@pytest.fixture(scope="module")
def people(stack):
    status, body = stack.call(
        "POST",
        "/user",
        {
            "firstName": "John",
            "lastName": "Doe",
            "email": "john@example.com",
            "phoneNumber": "7202108298",
            "phoneType": "2",
        },
    )
    assert status == 200, body
    john = _id(body, "userId")
    status, body = stack.call(
        "POST",
        "/user",
        {
            "firstName": "Jane",
            "lastName": "Roe",
            "email": "jane@example.com",
            "phoneNumber": "7209814345",
            "phoneType": "2",
        },
    )
    jane = _id(body, "userId")
    status, body = stack.call(
        "POST",
        "/huntorder",
        {"userId": jane, "phoneNumber": "3035550101,3035551234", "phoneType": "2"},
    )
    assert status == 201, body
    return john, jane


def sign_in(watched, stack, eid: str = "1", secret: str = DEV_SECRET) -> None:
    page = watched.page
    page.goto(f"{stack.base}/console")
    page.get_by_label("Enterprise id").fill(eid)
    page.get_by_label("Secret").fill(secret)
    page.get_by_role("button", name="Sign in").click()


def nav(page, name: str) -> None:
    page.get_by_role("navigation", name="Console").get_by_role("link", name=name).click()
    page.wait_for_load_state()


def checked(page, name: str, phone: bool = False) -> None:
    """Screenshot, and no serious or critical accessibility finding."""
    shoot(page, f"{name}-360" if phone else name)
    assert accessibility_problems(page) == [], name
    if phone:  # nothing wider than the screen
        assert page.evaluate("document.documentElement.scrollWidth") <= 360, name


def test_an_enterprise_watches_a_call_and_a_blast_end(stack, desktop, people):
    john, jane = people
    page = desktop.page
    sign_in(desktop, stack)
    page.wait_for_url("**/console/calls")
    # the secret is nowhere the browser keeps things
    cookies = page.context.cookies()
    assert [c["name"] for c in cookies] == ["ocp_console"]
    assert cookies[0]["httpOnly"] and cookies[0]["sameSite"] == "Strict"
    assert DEV_SECRET not in cookies[0]["value"]
    assert page.evaluate("document.cookie") == ""

    status, body = stack.call(
        "POST",
        "/call",
        {
            "userId": john,
            "origination": f"1:{john}",
            "destination": f"1:{jane}",
            "text": "John is calling. Press 1 to accept.",
        },
    )
    assert status == 201, body
    call_id = _id(body, "callId")
    page.reload()
    row = page.locator("#call-rows tr", has_text=f"#{call_id}")
    row.wait_for()
    # the list refreshes itself until the call has ended
    row.locator(".state-complete").wait_for(timeout=ENDS_MS)
    assert page.locator("#call-rows").get_attribute("data-live") == "0"
    checked(page, "calls")

    page.get_by_role("link", name=f"#{call_id}").click()
    page.wait_for_url(f"**/console/calls/{call_id}")
    timeline = page.locator(".timeline")
    assert "dialing began" in timeline.inner_text()
    attempts = page.locator("table.list").inner_text()
    assert "3035550101" in attempts and "Busy" in attempts and "Success" in attempts
    checked(page, "call")

    status, body = stack.call(
        "POST",
        "/blastvoice",
        {
            "userId": john,
            "origination": f"1:{john}",
            "destination": "3:3035551212,3:3035550103,3:3035550101",
            "text": "Practice moved to 5 pm",
        },
    )
    assert status == 201, body  # started at once
    blast_id = _id(body, "blastid")
    page.goto(f"{stack.base}/console/blasts/{blast_id}")
    page.locator('#blast-part[data-live="0"]').wait_for(timeout=ENDS_MS)
    bar = page.locator("#blast-part svg.bar")
    assert bar.get_attribute("data-pending") == "0"
    assert int(bar.get_attribute("data-done")) + int(bar.get_attribute("data-failed")) == 3
    assert page.locator("svg.chart rect").count() >= 2  # Success and Busy at least
    checked(page, "blast")
    nav(page, "Blasts")
    checked(page, "blasts")

    nav(page, "Usage")
    page.wait_for_url("**/console/usage")
    assert page.locator(".usage-chart rect").count() == 30
    assert page.locator(".usage-chart rect[height]:not([height='0.0'])").count() >= 1
    assert str(john) in page.locator("#usage-users").inner_text()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV").click()
    assert download.value.suggested_filename.startswith("usage-1-")
    checked(page, "usage")

    nav(page, "Users")
    page.get_by_label("User id, email address or phone number").fill("jane@example.com")
    page.get_by_role("button", name="Find").click()
    card = page.locator(".cards .card")
    assert "3035550101 → 3035551234" in card.inner_text()
    checked(page, "users")

    # A call whose status callback URL refuses every delivery: the failure is an alert,
    # counted unread in the menu until the Alerts page is seen
    with socket.socket() as free:  # a port nobody listens on once closed
        free.bind(("127.0.0.1", 0))
        refused = f"http://127.0.0.1:{free.getsockname()[1]}/refused"
    status, body = stack.call(
        "POST",
        "/call",
        {
            "userId": john,
            "origination": f"1:{john}",
            "destination": f"1:{jane}",
            "text": "John is calling. Press 1 to accept.",
            "statusCallback": refused,
        },
    )
    assert status == 201, body
    badge = page.locator("nav .badge")
    deadline = time.monotonic() + ENDS_MS / 1000
    while badge.count() == 0 and time.monotonic() < deadline:
        time.sleep(0.5)
        page.reload()
    assert badge.count() == 1, "no unread alert in the menu"
    nav(page, "Alerts")
    alert = page.locator("li.alert").first
    assert refused in alert.inner_text()
    assert "unread" in (alert.get_attribute("class") or "")
    checked(page, "alerts")
    page.reload()  # seen now
    assert page.locator("nav .badge").count() == 0


def test_scheduled_work_is_shown_and_cancelled(stack, desktop, people):
    john, _jane = people
    page = desktop.page
    status, body = stack.request("GET", "/session", headers={})  # a clock for "later"
    later = (
        int(re.search(r"\d{10}", page.evaluate("String(Math.floor(Date.now()/1000))")).group())
        + 3600
    )
    status, body = stack.call(
        "POST",
        "/blastsms",
        {
            "userId": john,
            "origination": f"1:{john}",
            "destination": "3:3035551212",
            "text": "Tomorrow",
            "time": later,
        },
    )
    assert status == 202, body
    blast_id = _id(body, "blastid")
    sign_in(desktop, stack)
    page.wait_for_url("**/console/calls")
    nav(page, "Scheduled")
    row = page.locator("tr", has_text=f"sms blast {blast_id}")
    row.wait_for()
    assert re.search(r"\d+m \d\ds|\dh \d\dm", row.inner_text())
    checked(page, "scheduled")
    row.get_by_role("button").click()
    page.wait_for_url("**/console/scheduled")
    assert page.locator("tr", has_text=f"sms blast {blast_id}").count() == 0
    status, _ = stack.call("GET", f"/blastsms/{blast_id}?userId={john}")
    assert status == 404

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/console")
    assert page.context.cookies() == []
    page.goto(f"{stack.base}/console/calls")
    assert page.url.endswith("/console")
    checked(page, "sign-in")


def test_the_pages_fit_a_360_pixel_screen(stack, phone, people):
    # Given a call and a blast of its own (the test does not lean on the others' order)
    john, jane = people
    for path, variables in (
        ("/call", {"destination": f"1:{jane}", "text": "A call to see on a phone."}),
        ("/blastvoice", {"destination": "3:3035551212", "text": "A blast to see."}),
    ):
        status, body = stack.call(
            "POST", path, {"userId": john, "origination": f"1:{john}", **variables}
        )
        assert status == 201, body
    page = phone.page
    sign_in(phone, stack)
    page.wait_for_url("**/console/calls")
    checked(page, "calls", phone=True)
    page.locator("#call-rows a").first.click()
    page.wait_for_url("**/console/calls/*")
    checked(page, "call", phone=True)
    page.goto(f"{stack.base}/console/blasts")
    page.locator(".cards a").first.click()
    checked(page, "blast", phone=True)
    page.goto(f"{stack.base}/console/usage")
    checked(page, "usage", phone=True)


def test_an_operator_manages_enterprises(stack, desktop, chromium):
    page = desktop.page
    page.goto(f"{stack.base}/console/operator")
    checked(page, "operator-sign-in")
    page.get_by_label("User name").fill(OPERATOR_NAME)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    assert "Incorrect user name or password" in page.locator("main").inner_text()
    page.get_by_label("User name").fill(OPERATOR_NAME)
    page.get_by_label("Password").fill(OPERATOR_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/console/operator/enterprises")
    assert "Local enterprise" in page.locator("table").inner_text()

    page.get_by_label("New enterprise's name").fill("Acme")
    page.get_by_role("button", name="Create").click()
    secret = page.locator("#shown-secret").inner_text()
    eid = re.search(r"enterprise (\d+)", page.locator(".secret h2").inner_text()).group(1)
    checked(page, "operator")
    page.goto(f"{stack.base}/console/operator/enterprises")  # shown once
    assert page.locator("#shown-secret").count() == 0

    # Acme signs in; suspended, it cannot; resumed, it can again
    other = chromium.new_context()
    acme = other.new_page()

    class Plain:
        page = acme

    def acme_signs_in() -> str:
        sign_in(Plain, stack, eid, secret)
        acme.wait_for_load_state()
        return acme.url

    assert acme_signs_in().endswith("/console/calls")
    acme.get_by_role("button", name="Sign out").click()
    page.get_by_role("button", name=f"Suspend enterprise {eid}").click()
    assert "suspended" in page.locator(f"#enterprise-{eid}").inner_text()
    acme_signs_in()
    assert "Unknown enterprise id (101)" in acme.locator("main").inner_text()
    page.get_by_role("button", name=f"Resume enterprise {eid}").click()
    assert acme_signs_in().endswith("/console/calls")
    acme.get_by_role("button", name="Sign out").click()

    page.get_by_role("button", name=f"New secret for enterprise {eid}").click()
    rotated = page.locator("#shown-secret").inner_text()
    assert rotated != secret
    sign_in(Plain, stack, eid, secret)
    assert "Invalid credentials (102)" in acme.locator("main").inner_text()
    other.close()

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/console/operator")
    page.goto(f"{stack.base}/console/operator/enterprises")
    assert page.url.endswith("/console/operator")
