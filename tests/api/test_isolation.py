"""The isolation matrix (issue 13): two enterprises, a user exclusive to each, and a user both
see. Enterprise 1 puts its exclusive user X everywhere a shared user S can hold it (S's
group, S's blacklist, calls, an autoconference, a conference and blasts of S); enterprise 2
then sends every route of the API at S, at X and at enterprise 1's objects.

Zero leaks: no response of enterprise 2 holds X's userId, address or number (unless the
request named it, as an error quoting its own variable does).
Zero cross-enterprise writes: what enterprise 1 sees of X and of its objects is the same
afterwards. And every route of the app is in the matrix.
"""

from __future__ import annotations

from urllib.parse import quote, unquote, urlencode

import pytest

from chalicelib import clock
from tests.api.people import new_user, other_enterprise
from tests.examples import xml

X_ID = 987654321  # a userId no request id or number will contain by chance
X_EMAIL = "x.secret@one.example"
X_PHONE = "7205557001"
SECRETS = (str(X_ID), X_EMAIL, X_PHONE, "x.secret")


@pytest.fixture
def world(api, app_client):
    """Enterprise 1's users and objects; enterprise 2's session and its own user."""
    with clock.frozen(clock.now()):
        later = clock.now() + 86400
        x = new_user(
            api, X_ID, email=X_EMAIL, phoneNumber=X_PHONE, exclusive="1", firstName="Xavier"
        )
        s = new_user(api, email="shared@example.com", phoneNumber="3035558001")
        post = lambda path, body, status: _ok(api.post(path, body), status)  # noqa: E731
        group = int(
            xml(post("/group", {"userId": s, "groupName": "Mixed"}, 201)).findtext("groupid")
        )
        post(
            f"/group/{group}",
            {"userId": s, "destination": f"1:{x},2:{X_EMAIL},1:{s},3:3035550150"},
            201,
        )
        post("/blacklist", {"userId": s, "terminationType": 1, "terminationValue": x}, 201)
        post(
            "/blacklist", {"userId": s, "terminationType": 3, "terminationValue": "3035550151"}, 201
        )
        post(
            "/huntorder", {"userId": s, "phoneNumber": "3035558001,3035558002", "phoneType": 2}, 201
        )
        post("/currency", {"userId": x, "amount": "12.34"}, 201)
        post("/currency", {"userId": s, "amount": "56.78"}, 201)
        ids = {
            "x": x,
            "s": s,
            "group": group,
            "call": _id(
                post(
                    "/call",
                    {"userId": s, "origination": f"1:{s}", "destination": f"1:{x}", "text": "hi"},
                    201,
                ),
                "callId",
            ),
            "autoconference": _id(
                post(
                    "/autoconference",
                    {
                        "userId": s,
                        "phoneNumber": "3035550199",
                        "origination": f"1:{x}",
                        "conferenceTime": later,
                    },
                    202,
                ),
                "callId",
            ),
            "conference": _id(
                post(
                    "/conference",
                    {
                        "userId": s,
                        "duration": 600,
                        "destinationType": 1,
                        "destinationValue": x,
                        "text": "join",
                    },
                    201,
                ),
                "conferenceid",
            ),
        }
        blast = {
            "userId": s,
            "origination": f"1:{s}",
            "destination": f"1:{x},2:{X_EMAIL}",
            "text": "hello",
            "time": later,
        }
        ids["voice"] = _id(post("/blastvoice", blast, 202), "blastid")
        ids["sms"] = _id(post("/blastsms", blast, 202), "blastid")
        post("/donotcall", {"phoneNumber": "3035550188"}, 201)  # issue 27: 1's own list
        two = other_enterprise(app_client)
        ids["y"] = new_user(two, email="y@two.example", phoneNumber="7205557002", exclusive="1")
        yield api, two, ids


def _ok(response, status):
    assert response.status_code == status, response.body
    return response.body


def _id(body, name) -> int:
    return int(xml(body).findtext(name))


def requests_of_enterprise_two(ids: dict) -> list[tuple[str, str, str, dict]]:
    """(method, route template, path, variables): every route, aimed at X, at S's hidden
    entries, or at enterprise 1's objects; never a change of S that 1 may legitimately
    see (that is the point of a shared user)."""
    x, s, y, g = ids["x"], ids["s"], ids["y"], ids["group"]
    c, a, k = ids["call"], ids["autoconference"], ids["conference"]
    bv, bs = ids["voice"], ids["sms"]
    of_x = {"userId": x}
    window = {"startHour": 1, "endHour": 2, "day": 1}
    blast_at_x = {
        "userId": y,
        "origination": f"1:{y}",
        "destination": f"1:{x},2:{X_EMAIL}",
        "text": "hi",
    }
    return [
        ("GET", "/session", "/session", {}),
        ("GET", "/user/{userid}", f"/user/{x}", {}),
        ("PUT", "/user/{userid}", f"/user/{x}", {"city": "Elsewhere"}),
        ("DELETE", "/user/{userid}", f"/user/{x}", {}),
        ("POST", "/user", "/user", {**_person(), "email": X_EMAIL}),
        ("GET", "/uidbyemail/{email}", f"/uidbyemail/{X_EMAIL}", {}),
        ("GET", "/phonenumber", "/phonenumber", {**of_x, "all": 1}),
        ("GET", "/phonenumber", "/phonenumber", {"userId": s, "all": 1}),
        (
            "POST",
            "/phonenumber",
            "/phonenumber",
            {**of_x, "phoneNumber": "3039844345", "phoneType": 1},
        ),
        ("PUT", "/phonenumber", "/phonenumber", {**of_x, "phoneNumber": X_PHONE}),
        ("PUT", "/phonenumber/{existing}", f"/phonenumber/{X_PHONE}", {**of_x, "phoneType": 1}),
        ("DELETE", "/phonenumber", "/phonenumber", {**of_x, "phoneNumber": X_PHONE}),
        ("GET", "/smsphone", "/smsphone", of_x),
        ("POST", "/smsphone", "/smsphone", {**of_x, "phonenumber": "3039844346", "phoneType": 1}),
        ("DELETE", "/smsphone", "/smsphone", {**of_x, "phone": X_PHONE}),
        ("GET", "/carriers", "/carriers", of_x),
        ("GET", "/huntorder", "/huntorder", of_x),
        ("GET", "/huntorder", "/huntorder", {"userId": s}),
        ("POST", "/huntorder", "/huntorder", {**of_x, "phoneNumber": X_PHONE}),
        ("PUT", "/huntorder", "/huntorder", {**of_x, "tryall": 1}),
        ("DELETE", "/huntorder", "/huntorder", of_x),
        ("GET", "/calltimeexception", "/calltimeexception", of_x),
        (
            "POST",
            "/calltimeexception",
            "/calltimeexception",
            {**of_x, **window, "phoneNumber": X_PHONE},
        ),
        ("DELETE", "/calltimeexception", "/calltimeexception", {**of_x, "all": 1}),
        ("GET", "/dnd", "/dnd", of_x),
        ("POST", "/dnd", "/dnd", {**of_x, **window}),
        ("DELETE", "/dnd", "/dnd", {**of_x, "all": 1}),
        ("GET", "/blacklist", "/blacklist", {"userId": s}),
        ("GET", "/blacklist", "/blacklist", of_x),
        (
            "POST",
            "/blacklist",
            "/blacklist",
            {"userId": s, "terminationType": 1, "terminationValue": x},
        ),
        (
            "POST",
            "/blacklist",
            "/blacklist",
            {"userId": s, "terminationType": 2, "terminationValue": X_EMAIL},
        ),
        (
            "DELETE",
            "/blacklist",
            "/blacklist",
            {"userId": s, "terminationType": 1, "terminationValue": x},
        ),
        (
            "DELETE",
            "/blacklist",
            "/blacklist",
            {"userId": s, "terminationType": 2, "terminationValue": X_EMAIL},
        ),
        ("GET", "/email", "/email", of_x),
        ("GET", "/email", "/email", {"userId": s}),
        ("POST", "/email", "/email", {"userId": s, "email": X_EMAIL}),
        ("PUT", "/email", "/email", {**of_x, "email": "new@example.com"}),
        ("DELETE", "/email", "/email", {**of_x, "email": X_EMAIL}),
        ("GET", "/currency", "/currency", of_x),
        ("GET", "/currency", "/currency", {"userId": s}),
        ("POST", "/currency", "/currency", {**of_x, "amount": 1}),
        ("PUT", "/currency", "/currency", {**of_x, "amount": 1}),
        ("DELETE", "/currency", "/currency", {**of_x, "amount": 1}),
        ("GET", "/mouallowed", "/mouallowed", of_x),
        ("POST", "/mouallowed", "/mouallowed", {**of_x, "mou": 5}),
        ("GET", "/mouused", "/mouused", of_x),
        ("DELETE", "/mouused", "/mouused", of_x),
        ("GET", "/group", "/group", {"userId": s}),
        ("GET", "/group", "/group", of_x),
        ("GET", "/group/{groupid}", f"/group/{g}", {"userId": s}),
        ("POST", "/group", "/group", {**of_x, "groupName": "Mine"}),
        ("POST", "/group/{groupid}", f"/group/{g}", {"userId": s, "destination": f"1:{x}"}),
        (
            "POST",
            "/group/{groupid}/member/{destination}",
            f"/group/{g}/member/{quote('2:' + X_EMAIL)}",
            {"userId": s},
        ),
        ("PUT", "/group/{groupid}", f"/group/{g}", {**of_x, "groupName": "Taken"}),
        (
            "DELETE",
            "/group/{groupid}/member/{destination}",
            f"/group/{g}/member/1:{x},{quote('2:' + X_EMAIL)}",
            {"userId": s},
        ),
        ("DELETE", "/group/{groupid}", f"/group/{g}", of_x),
        ("DELETE", "/group", "/group", {**of_x, "groupId": g}),
        (
            "POST",
            "/call",
            "/call",
            {"userId": y, "origination": f"1:{y}", "destination": f"1:{x}", "text": "hi"},
        ),
        (
            "POST",
            "/call/{callid}",
            f"/call/{c}",
            {"userId": y, "origination": f"2:{X_EMAIL}", "destination": f"1:{y}", "text": "hi"},
        ),
        ("GET", "/call/{callid}", f"/call/{c}", {}),
        ("GET", "/call", "/call", {"callId": c}),
        (
            "POST",
            "/autoconference",
            "/autoconference",
            {"userId": y, "phoneNumber": "3035550199", "origination": f"1:{x}"},
        ),
        ("GET", "/autoconference", "/autoconference", {"userId": s}),
        ("GET", "/autoconference", "/autoconference", of_x),
        ("GET", "/autoconference/{callid}", f"/autoconference/{a}", {"userId": s}),
        ("PUT", "/autoconference/{callid}", f"/autoconference/{a}", {"userId": s, "pin": "1#"}),
        ("DELETE", "/autoconference/{callid}", f"/autoconference/{a}", {}),
        (
            "POST",
            "/conference",
            "/conference",
            {"userId": y, "duration": 60, "destinationType": 1, "destinationValue": x, "text": "t"},
        ),
        ("PUT", "/conference/{conferenceid}", f"/conference/{k}", {"duration": 60}),
        ("POST", "/blastvoice", "/blastvoice", blast_at_x),
        ("GET", "/blastvoice", "/blastvoice", {"userId": s}),
        ("GET", "/blastvoice/{blastid}", f"/blastvoice/{bv}", {"userId": s}),
        ("PUT", "/blastvoice/{blastid}", f"/blastvoice/{bv}", {"userId": s, "text": "changed"}),
        ("DELETE", "/blastvoice/{blastid}", f"/blastvoice/{bv}", {"userId": s}),
        ("POST", "/blastsms", "/blastsms", blast_at_x),
        ("GET", "/blastsms", "/blastsms", {"userId": s}),
        ("GET", "/blastsms/{blastid}", f"/blastsms/{bs}", {"userId": s}),
        ("PUT", "/blastsms/{blastid}", f"/blastsms/{bs}", {"userId": s, "text": "changed"}),
        ("DELETE", "/blastsms/{blastid}", f"/blastsms/{bs}", {"userId": s}),
        ("POST", "/donotcall", "/donotcall", {"phoneNumber": "3035550177"}),
        ("GET", "/donotcall", "/donotcall", {}),
        ("GET", "/donotcall/{phonenumber}", "/donotcall/3035550188", {}),
        ("DELETE", "/donotcall/{phonenumber}", "/donotcall/3035550188", {}),
        ("POST", "/ttspreview", "/ttspreview", {**of_x, "text": "hello"}),
        ("POST", "/audioupload", "/audioupload", {"filename": "x.mp3"}),
        ("GET", "/openapi.json", "/openapi.json", {}),
        ("GET", "/docs", "/docs", {}),
    ]


def _person() -> dict:
    return {"firstName": "P", "lastName": "Q", "phoneNumber": "3039840000", "phoneType": 2}


def send(client, method: str, path: str, variables: dict):
    if method in ("GET", "DELETE"):
        return client.call(method, f"{path}?{urlencode(variables)}" if variables else path)
    return client.call(method, path, variables)


def what_one_sees(api, ids: dict) -> dict:
    """Enterprise 1's view of X and of its objects: none of it may change."""
    x, s, g = ids["x"], ids["s"], ids["group"]
    paths = [
        f"/user/{x}",
        f"/phonenumber?userId={x}&all=1",
        f"/smsphone?userId={x}&all=1",
        f"/huntorder?userId={x}",
        f"/calltimeexception?userId={x}",
        f"/dnd?userId={x}",
        f"/email?userId={x}",
        f"/currency?userId={x}",
        f"/currency?userId={s}",
        f"/mouallowed?userId={x}",
        f"/group?userId={x}",
        f"/group/{g}?userId={s}",
        f"/blacklist?userId={s}",
        f"/call/{ids['call']}",
        f"/autoconference/{ids['autoconference']}?userId={s}",
        f"/blastvoice/{ids['voice']}?userId={s}",
        f"/blastsms/{ids['sms']}?userId={s}",
        "/donotcall",
        "/donotcall/3035550188",
    ]
    return {p: (r.status_code, r.body) for p in paths for r in [api.get(p)]}


def test_enterprise_two_sees_and_changes_nothing_of_enterprise_ones_exclusive_user(world):
    one, two, ids = world
    before = what_one_sees(one, ids)
    # Enterprise 1 does see X in S's group and blacklist (else this test proves nothing)
    assert str(ids["x"]).encode() in before[f"/group/{ids['group']}?userId={ids['s']}"][1]
    assert X_EMAIL.encode() in before[f"/group/{ids['group']}?userId={ids['s']}"][1]
    assert str(ids["x"]).encode() in before[f"/blacklist?userId={ids['s']}"][1]

    leaks, failures = [], []
    for method, _template, path, variables in requests_of_enterprise_two(ids):
        for fmt in ("xml", "json"):
            response = send(two, method, path, {**variables, "output": fmt})
            text = response.body.decode()
            # An error may quote what the request itself named; anything else is a leak.
            asked = f"{unquote(path)} {variables}"
            found = [secret for secret in SECRETS if secret in text and secret not in asked]
            if found:
                leaks.append(f"{method} {path} {variables}: {found} in {text[:300]}")
            if response.status_code >= 500:
                failures.append(f"{method} {path}: {response.status_code} {text[:300]}")
    assert not leaks
    assert not failures
    assert what_one_sees(one, ids) == before


def test_enterprise_two_sees_the_shared_users_other_entries(world):
    one, two, ids = world
    s, g = ids["s"], ids["group"]
    members = {
        (m.findtext("type"), m.findtext("id"))
        for m in xml(two.get(f"/group/{g}?userId={s}").body).iter("member")
    }
    assert members == {("1", str(s)), ("3", "3035550150")}
    entries = [
        (c.findtext("type"), c.findtext("id"))
        for c in xml(two.get(f"/blacklist?userId={s}").body).iter("contact")
    ]
    assert entries == [("3", "3035550151")]
    # removing a hidden entry finds nothing to remove; a visible one goes
    response = two.delete(f"/blacklist?userId={s}&terminationType=1&terminationValue={ids['x']}")
    assert response.status_code == 404
    response = two.delete(f"/blacklist?userId={s}&terminationType=3&terminationValue=3035550151")
    assert response.status_code == 200
    assert str(ids["x"]).encode() in one.get(f"/blacklist?userId={s}").body


def test_every_route_of_the_app_is_in_the_matrix():
    from app import app
    from chalicelib.protocol.routes import PAGES, WEBHOOKS

    routes = {
        (method, path.lower())
        for path, methods in app.routes.items()
        if path not in WEBHOOKS  # a carrier's, signed by it: tests/api/test_twilio_hooks.py
        and path not in PAGES  # the console's: test_console_pages_of_enterprise_two below
        for method in methods
    }
    covered = {(m, t) for m, t, _p, _v in requests_of_enterprise_two(_ANY_IDS)}
    assert routes == covered


_ANY_IDS = dict.fromkeys(
    ("x", "s", "y", "group", "call", "autoconference", "conference", "voice", "sms"), 1
)


# -- the web console (chalicelib/console): every page an enterprise reads ------------------


def console_reads(ids: dict) -> list[tuple[str, str]]:
    """(route template, path): every console page that reads an enterprise's work, aimed
    at enterprise 1's objects and at X."""
    x = ids["x"]
    return [
        ("/console/calls", "/console/calls"),
        ("/console/calls", f"/console/calls?userId={ids['s']}"),
        ("/console/calls", f"/console/calls?number={X_PHONE}"),
        ("/console/calls/rows", "/console/calls/rows"),
        ("/console/calls/{callId}", f"/console/calls/{ids['call']}"),
        ("/console/calls/{callId}", f"/console/calls/{ids['autoconference']}"),
        ("/console/calls/{callId}/part", f"/console/calls/{ids['call']}/part"),
        ("/console/blasts", "/console/blasts"),
        ("/console/blasts/{blastId}", f"/console/blasts/{ids['voice']}"),
        ("/console/blasts/{blastId}", f"/console/blasts/{ids['sms']}"),
        ("/console/blasts/{blastId}/part", f"/console/blasts/{ids['voice']}/part"),
        ("/console/scheduled", "/console/scheduled"),
        ("/console/usage", "/console/usage"),
        ("/console/usage.csv", "/console/usage.csv"),
        ("/console/alerts", "/console/alerts"),
        ("/console/users", f"/console/users?q={x}"),
        ("/console/users", f"/console/users?q={X_EMAIL}"),
        ("/console/users", f"/console/users?q={X_PHONE}"),
    ]


# Console pages that read no enterprise's work (sign-in, assets) or only change it (POST,
# each checked for the enterprise by the same data seam) or are the operators' (all
# enterprises by design, behind Cognito: tests/api/test_console_operator.py).
CONSOLE_NOT_READS = {
    "/console",
    "/console/sign-in",
    "/console/sign-out",
    "/console/static/{name}",
    "/console/blasts/{blastId}/cancel",
    "/console/scheduled/cancel",
}


def test_console_pages_of_enterprise_two_show_nothing_of_enterprise_one(world, app_client):
    from tests.api.console_client import signed_in

    one, _two, ids = world
    browser = signed_in(app_client, 2, "two")
    leaks, failures = [], []
    for _template, path in console_reads(ids):
        response = browser.get(path)
        text = response.body.decode()
        asked = unquote(path)
        found = [secret for secret in SECRETS if secret in text and secret not in asked]
        # enterprise 1's objects by id: never a link or a row of enterprise 2's pages
        for name in ("call", "autoconference", "voice", "sms"):
            if f">#{ids[name]}<" in text or f"/{ids[name]}/part" in text:
                found.append(f"{name} {ids[name]}")
        if found:
            leaks.append(f"{path}: {found}")
        page = not path.endswith((".csv", "/rows", "/part"))  # a download, fragments: no <main>
        if response.status_code >= 500 or (page and "<main" not in text):
            failures.append(f"{path}: {response.status_code} {text[:300]}")
    assert not leaks
    assert not failures
    # Cancelling enterprise 1's blast from enterprise 2's console changes nothing
    token = browser.csrf("/console/blasts")
    response = browser.post(f"/console/blasts/{ids['voice']}/cancel", {"csrf": token})
    assert response.status_code == 404
    response = browser.post(
        "/console/scheduled/cancel", {"csrf": token, "kind": "blast", "id": ids["voice"]}
    )
    assert response.status_code == 404
    assert one.get(f"/blastvoice/{ids['voice']}?userId={ids['s']}").status_code == 200


def test_every_console_page_is_in_the_console_matrix():
    from chalicelib.api.console import ROUTES

    enterprise_pages = {p for p, _m, _n in ROUTES if not p.startswith("/console/operator")}
    covered = {t for t, _p in console_reads(_ANY_IDS)}
    assert enterprise_pages == covered | CONSOLE_NOT_READS
