"""/donotcall and the compliance variables of blastvoice / blastsms through the routes
(issue 27): POST one or a comma list, GET paged by an opaque token, GET and DELETE one,
each enterprise its own list; callingWindow, retries, retryInterval, optOutDigit
declared with their errors; a waiting recipient's <notBefore> in blast GET."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from chalicelib import clock
from tests.api.people import as_json, fails, new_user, ok
from tests.api.test_blasts import blast_id_of, drain, sms, voice
from tests.examples import xml

pytestmark = pytest.mark.usefixtures("api")
DENVER = ZoneInfo("America/Denver")
EARLY = int(datetime(2026, 12, 8, 6, 0, tzinfo=DENVER).timestamp())
OPENS = int(datetime(2026, 12, 8, 8, 0, tzinfo=DENVER).timestamp())


@pytest.fixture(autouse=True)
def early():
    with clock.frozen(EARLY):
        yield


def test_add_list_get_and_delete(api):
    response = api.post("/donotcall", {"phoneNumber": "3035551212,44 20 77994044"})
    ok(response, 201)
    entries = as_json(api.post("/donotcall?output=json", {"phoneNumber": "3035551212"}))
    # already on the list: its first source and time stay
    assert entries["numbers"] == [{"phoneNumber": "+13035551212", "source": "api", "added": EARLY}]
    one = api.get("/donotcall/3035551212")
    ok(one)
    assert xml(one.body).findtext("phoneNumber") == "+13035551212"
    listing = xml(api.get("/donotcall").body)
    assert [e.findtext("phoneNumber") for e in listing.iter("entry")] == [
        "+13035551212",
        "+442077994044",
    ]
    ok(api.delete("/donotcall/3035551212"))
    fails(api.get("/donotcall/3035551212"), 404, 110)
    fails(api.delete("/donotcall/3035551212"), 404, 110)


def test_pages_follow_the_token(api):
    numbers = [f"30355512{i:02d}" for i in range(5)]
    ok(api.post("/donotcall", {"phoneNumber": ",".join(numbers)}), 201)
    seen, token = [], None
    while True:
        query = "/donotcall?pageSize=2" + (f"&pageToken={token}" if token else "")
        page = xml(api.get(query).body)
        seen += [e.findtext("phoneNumber") for e in page.iter("entry")]
        token = page.findtext("nextPageToken")
        if not token:
            break
    assert seen == [f"+1{n}" for n in numbers]
    fails(api.get("/donotcall?pageToken=bogus"), 400, 902)


def test_bad_numbers_and_other_enterprises(api, other_enterprise):
    fails(api.post("/donotcall", {"phoneNumber": "12"}), 400, 920)
    fails(api.post("/donotcall", {}), 400, 900)
    ok(api.post("/donotcall", {"phoneNumber": "3035551212"}), 201)
    fails(other_enterprise.get("/donotcall/3035551212"), 404, 110)


def test_blast_variables_are_checked(api):
    user_id = new_user(api)
    fails(voice(api, user_id, callingWindow="22:00-06:00"), 400, 902)
    fails(voice(api, user_id, retries="6"), 400, 902)
    fails(voice(api, user_id, retryInterval="0"), 400, 902)
    fails(voice(api, user_id, optOutDigit="12"), 400, 921)
    fails(sms(api, user_id, callingWindow="8-9"), 400, 902)


def test_a_waiting_recipient_shows_not_before(api):
    user_id = new_user(api)
    response = sms(api, user_id, callingWindow="08:00-21:00")
    assert response.status_code == 201
    blast_id = blast_id_of(response)
    drain()
    body = xml(api.get(f"/blastsms/{blast_id}?userId={user_id}").body)
    (termination,) = body.iter("termination")
    assert termination.findtext("currentState") == "scheduled"
    assert termination.findtext("notBefore") == str(OPENS)


def test_a_put_changes_the_window(api):
    user_id = new_user(api)
    response = voice(api, user_id, time=EARLY + 86400, callingWindow="08:00-21:00", retries=2)
    blast_id = blast_id_of(response)
    ok(api.put(f"/blastvoice/{blast_id}", {"userId": user_id, "callingWindow": "09:00-17:00"}))
    from chalicelib.store import blasts

    rules = blasts.load(blast_id).compliance
    assert (str(rules.window), rules.retries) == ("09:00-17:00", 2)
