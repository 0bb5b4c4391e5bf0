"""What one enterprise may do and no more (docs/limits.md "Per enterprise"): its request
rate (116 as 429 with Retry-After), its spend guards (118, 119, 903 before any read), its
sign-in hardening (one session per header, sessions ending with suspend and rotate-secret,
failed sign-ins logged, counted and throttled, Cache-Control: no-store) and the default of
its new users' `exclusive`."""

from __future__ import annotations

import logging

import pytest

from chalicelib import admin, clock, settings
from chalicelib.protocol import auth, ratelimit
from chalicelib.store import enterprises
from tests.api.people import JOHN, fails, new_user, ok
from tests.api.test_observability import emf_lines
from tests.conftest import SECRET, session_header
from tests.examples import error_codes, xml

NOW = 1_750_000_000


@pytest.fixture(autouse=True)
def frozen():
    with clock.frozen(NOW):
        yield


def sign_in(app_client, eid: int = 1, secret: str = SECRET, at: int | None = None):
    return app_client.http.get(
        "/session", headers={"Authorization": session_header(eid, secret, at=at)}
    )


def session_of(response) -> str:
    assert response.status_code == 200, response.body
    return xml(response.body).findtext("sessionId")


def user_get(app_client, eid: int, session_id: str):
    return app_client.http.get("/user/1", headers={"Authorization": f"Basic {eid}:{session_id}"})


# -- sign-in -------------------------------------------------------------------------------


def test_the_same_sign_in_header_gets_the_same_session_and_never_another(app_client, enterprise):
    from chalicelib.store.models import Session

    # Given a sign-in header, sent once
    header = {"Authorization": session_header(1, SECRET)}
    first = session_of(app_client.http.get("/session", headers=header))
    # When it is sent again within its 300 s (a captured header, replayed)
    clock.advance(60)
    again = session_of(app_client.http.get("/session", headers=header))
    # Then it is the same session, and only one is stored
    assert again == first
    assert len(list(Session.scan())) == 1
    # And a header made at another second is another session
    other = session_of(sign_in(app_client))
    assert other != first


def test_session_answers_are_never_cached(app_client, enterprise):
    assert sign_in(app_client).headers["Cache-Control"] == "no-store"
    refused = sign_in(app_client, secret="wrong")
    assert refused.status_code == 401
    assert refused.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("digest", ["é" * 32, "ZZ" * 16, "0" * 31, ""])
def test_a_malformed_digest_is_102_not_a_500(app_client, enterprise, digest):
    header = f"Basic 1:{NOW}:{digest}"
    with pytest.raises(Exception) as raised:
        auth.open_session(header)
    assert getattr(raised.value, "code", None) == 102


def test_a_non_ascii_digest_over_http_is_102(app_client, enterprise):
    response = app_client.http.get(
        "/session", headers={"Authorization": f"Basic 1:{NOW}:" + "\u00e9" * 32}
    )
    assert (response.status_code, error_codes(response.body)) == (401, [102])


def test_a_failed_sign_in_is_logged_with_its_enterprise_code_and_address_and_counted(
    app_client, enterprise, caplog, capsys
):
    capsys.readouterr()
    with caplog.at_level(logging.WARNING, logger="chalicelib.protocol.auth"):
        response = sign_in(app_client, secret="wrong")
    assert error_codes(response.body) == [102]
    (record,) = [r for r in caplog.records if r.getMessage() == "sign-in refused"]
    assert record.fields["eid"] == 1
    assert record.fields["code"] == 102
    assert record.fields["source"]  # chalice's test client's address
    (point,) = [p for p in emf_lines(capsys.readouterr().out) if "FailedSignIns" in p]
    assert point["FailedSignIns"] == 1
    assert (point["eid"], point["code"]) == (1, 102)


def test_repeated_failures_refuse_the_enterprises_sign_in_until_the_window_ends(
    app_client, enterprise, other_enterprise
):
    # Given enterprise 1 allows 3 failed sign-ins a minute
    enterprises.set_limits(1, sign_in_failures=3)  # in a minute (tenants.SIGN_IN_WINDOW)
    clock.advance(60 - NOW % 60)  # the start of a window
    for _ in range(3):
        fails(sign_in(app_client, secret="guess"), 401, 102)
    # When it signs in, even with the right secret
    refused = sign_in(app_client)
    # Then it is refused as busy, and told when to come back
    fails(refused, 429, 116)
    assert refused.headers["Retry-After"] == "60"
    # And another enterprise signs in as ever
    session_of(sign_in(app_client, 2, "two"))
    # And once the window has passed, enterprise 1 signs in again
    clock.advance(60)
    session_of(sign_in(app_client))


def test_suspend_ends_the_sessions_and_refuses_sign_in_until_resumed(app_client, enterprise):
    # Given a session of enterprise 1
    session_id = session_of(sign_in(app_client))
    assert user_get(app_client, 1, session_id).status_code == 404  # valid: no user 1
    # When the operator suspends it
    assert admin.main(["suspend", "--eid", "1"]) == 0
    # Then the session has ended, and sign-in is the reference's unknown enterprise
    fails(user_get(app_client, 1, session_id), 401, 102)
    fails(sign_in(app_client), 401, 101)
    # And after resume it signs in again, but the old session stays ended
    assert admin.main(["resume", "--eid", "1"]) == 0
    fresh = session_of(sign_in(app_client, at=NOW - 1))
    assert user_get(app_client, 1, fresh).status_code == 404
    fails(user_get(app_client, 1, session_id), 401, 102)


def test_rotate_secret_ends_the_sessions_and_the_old_secret(app_client, enterprise, capsys):
    session_id = session_of(sign_in(app_client))
    capsys.readouterr()
    assert admin.main(["rotate-secret", "--eid", "1"]) == 0
    made = capsys.readouterr().out.split("new secret:")[1].split()[0]
    fails(user_get(app_client, 1, session_id), 401, 102)
    fails(sign_in(app_client), 401, 102)
    assert user_get(app_client, 1, session_of(sign_in(app_client, secret=made))).status_code == 404


def test_admin_commands_name_an_unknown_enterprise(aws, capsys):
    for command in ("suspend", "resume", "rotate-secret", "show-limits"):
        assert admin.main([command, "--eid", "99"]) == 2
    assert "no enterprise 99" in capsys.readouterr().err


# -- exclusive by default ------------------------------------------------------------------


def test_an_enterprise_can_make_its_new_users_exclusive_by_default(api, other_enterprise):
    # The reference's default: shared
    shared = new_user(api)
    ok(other_enterprise.get(f"/user/{shared}"))
    # The operator makes enterprise 1's new users exclusive
    assert admin.main(["set-limits", "--eid", "1", "exclusive_users=1"]) == 0
    own = new_user(api, email="own@example.com", phoneNumber="3035551313")
    fails(other_enterprise.get(f"/user/{own}"), 404, 106)
    # A user POST that says exclusive=0 still makes a shared user
    said = new_user(api, email="said@example.com", phoneNumber="3035551414", exclusive="0")
    ok(other_enterprise.get(f"/user/{said}"))


# -- request rate --------------------------------------------------------------------------


@pytest.fixture
def limited(monkeypatch):
    """Rate limits on (tests/conftest.py turns them off for every other test)."""
    on = settings.get()._replace(rate_limits=True)
    monkeypatch.setattr("chalicelib.protocol.ratelimit.settings.get", lambda: on)
    ratelimit.forget()
    yield
    ratelimit.forget()


def test_past_its_rate_an_enterprise_gets_429_and_no_other_enterprise_notices(
    api, other_enterprise, limited
):
    # Given enterprise 1 may make 2 requests a second, in bursts of 3
    enterprises.set_limits(1, requests_per_second=2, burst=3)
    # When it makes 4 at once
    answers = [api.get("/user/1") for _ in range(4)]
    # Then the first 3 are served and the 4th is busy (116) as 429, with Retry-After
    assert [a.status_code for a in answers] == [404, 404, 404, 429]
    assert error_codes(answers[3].body) == [116]
    assert answers[3].headers["Retry-After"] == "1"
    # And enterprise 2 is served as ever
    assert [other_enterprise.get("/user/1").status_code for _ in range(5)] == [404] * 5
    # And a second later enterprise 1 has 2 more
    clock.advance(1)
    assert [api.get("/user/1").status_code for _ in range(3)] == [404, 404, 429]


def test_the_shared_window_limits_an_enterprise_across_containers(api, limited):
    # Given enterprise 1's 3 requests a second, and each request served by a fresh
    # container (its own, full, bucket)
    enterprises.set_limits(1, requests_per_second=3, burst=3)
    clock.advance(1 - NOW % 1)
    statuses = []
    for _ in range(5):
        ratelimit.forget()
        statuses.append(api.get("/user/1").status_code)
    # Then the shared window still lets only 3 through
    assert statuses == [404, 404, 404, 429, 429]


def test_a_carriers_webhook_is_never_limited_by_an_enterprise(api, app_client, limited):
    enterprises.set_limits(1, requests_per_second=1, burst=1)
    api.get("/user/1")
    fails(api.get("/user/1"), 429, 116)
    # A webhook goes its own way: its signature decides (403 here), never the rate
    hook = app_client.http.post(
        "/twilio/status/77/0.0/0",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        body=b"CallStatus=completed",
    )
    assert hook.status_code != 429


# -- spend guards --------------------------------------------------------------------------


def call(api, user_id: int, destination: str):
    return api.post(
        "/call",
        {
            "userId": user_id,
            "origination": "3:7202108298",
            "destination": destination,
            "text": "hi",
        },
    )


@pytest.mark.parametrize(
    "number",
    ["44 20 77994044", "2425551234", "8095551234"],  # London; the Bahamas, the Dominican Rep.
)
def test_a_call_outside_the_enterprises_countries_is_119(api, number):
    user_id = new_user(api)
    fails(call(api, user_id, f"3:{number}"), 403, 119)


def test_an_autoconference_bridge_outside_the_countries_is_119(api):
    user_id = new_user(api)
    fails(
        api.post(
            "/autoconference",
            {"userId": user_id, "phoneNumber": "2425551234", "origination": f"1:{user_id}"},
        ),
        403,
        119,
    )


def test_a_conference_participant_outside_the_countries_is_119(api):
    user_id = new_user(api)
    body = {
        "userId": user_id,
        "duration": 600,
        "destinationType": 3,
        "destinationValue": "2425551234",
        "text": "Your conference",
    }
    fails(api.post("/conference", body), 403, 119)


def test_an_operator_can_allow_another_country(api):
    user_id = new_user(api)
    enterprises.set_limits(1, countries="US,CA,GB")
    ok(call(api, user_id, "3:44 20 77994044"), 201)


def test_past_its_calls_a_day_an_enterprise_gets_118_until_the_day_ends(api):
    user_id = new_user(api)
    enterprises.set_limits(1, calls_per_day=1)
    ok(call(api, user_id, "3:3035551212"), 201)
    refused = call(api, user_id, "3:3035551212")
    fails(refused, 429, 118)
    assert int(refused.headers["Retry-After"]) == 86_400 - NOW % 86_400
    clock.advance(86_400 - NOW % 86_400)  # the next UTC day
    ok(call(api, user_id, "3:3035551212"), 201)


def test_past_its_billed_minutes_a_day_a_call_is_118(api):
    from chalicelib.store import quotas

    user_id = new_user(api)
    enterprises.set_limits(1, minutes_per_day=10)
    quotas.add(1, "minutes", 10, NOW)
    fails(call(api, user_id, "3:3035551212"), 429, 118)


def test_an_enterprise_may_stop_a_users_calls_at_its_mouallowed(api):
    from decimal import Decimal

    from chalicelib.store import accounts

    user_id = new_user(api)
    accounts.set_minutes_allowed(1, user_id, Decimal(5))
    accounts.add_minutes_used(1, user_id, Decimal(5))
    # The reference's default: mouallowed is a number kept, not a stop
    ok(call(api, user_id, "3:3035551212"), 201)
    enterprises.set_limits(1, stop_at_mou_allowed=1)
    fails(call(api, user_id, "3:3035551212"), 403, 120)


def test_ended_calls_count_their_billed_minutes_towards_the_day(aws):
    from chalicelib.store import calls, quotas

    calls.create(1, eid=1, user_id=7, kind="call", time_scheduled=NOW, calling_number="")
    assert calls.finish(1, True, NOW + 60, seconds=61)
    assert quotas.used(1, "minutes", NOW) == pytest.approx(1.1)
    # Delivered twice, the end is counted once
    assert not calls.finish(1, True, NOW + 60, seconds=61)
    assert quotas.used(1, "minutes", NOW) == pytest.approx(1.1)


def test_a_users_number_outside_the_countries_is_not_rung(aws):
    from chalicelib.telephony import Target
    from chalicelib.workflows import dialing, spend

    enterprises.create("One", secret=SECRET, eid=1)
    leg = dialing.Leg(
        "destination", (Target("3035551212", "+13035551212"), Target("2425551234", "+12425551234"))
    )
    (kept,) = spend.reachable_legs(1, [leg])
    assert [t.e164 for t in kept.numbers] == ["+13035551212"]


def blast(api, user_id: int, path: str = "/blastvoice", **changes):
    body = {
        "userId": user_id,
        "origination": "3:7202108298",
        "destination": "3:3035551212",
        "text": "Practice moved to 5",
        **changes,
    }
    return api.post(path, body)


def test_the_recipient_cap_is_checked_before_any_destination_is_read(api, monkeypatch):
    user_id = new_user(api)
    enterprises.set_limits(1, recipients_per_blast=2)

    def never(*args, **kwargs):
        raise AssertionError("a destination was read")

    monkeypatch.setattr("chalicelib.store.users.require_visible", never)
    many = ",".join(f"1:{n}" for n in range(1, 4))
    fails(blast(api, user_id, destination=many), 400, 903)


def test_a_blast_to_a_number_outside_the_countries_is_119(api):
    user_id = new_user(api)
    fails(blast(api, user_id, destination="3:3035551212,3:2425551234"), 403, 119)


def test_past_its_recipients_a_day_a_blast_is_118(api):
    user_id = new_user(api)
    enterprises.set_limits(1, recipients_per_day=3)
    ok(blast(api, user_id, destination="3:3035551212,3:3035551213"), 201)
    fails(blast(api, user_id, destination="3:3035551214,3:3035551215"), 429, 118)


def test_past_its_segments_a_day_an_sms_blast_is_118(api):
    user_id = new_user(api)
    enterprises.set_limits(1, segments_per_day=3)
    # Two recipients of a two-segment text: four segments
    fails(
        blast(api, user_id, "/blastsms", destination="3:3035551212,3:3035551213", text="x" * 200),
        429,
        118,
    )
    ok(blast(api, user_id, "/blastsms", destination="3:3035551212", text="x" * 200), 201)


def test_past_its_speech_characters_a_day_ttspreview_is_118(api):
    user_id = new_user(api)
    enterprises.set_limits(1, speech_per_day=100)
    ok(api.post("/ttspreview", {"userId": user_id, "text": "a" * 60}), 201)
    fails(api.post("/ttspreview", {"userId": user_id, "text": "b" * 60}), 429, 118)


def test_set_limits_shows_them_and_refuses_a_bad_one(aws, capsys):
    enterprises.create("One", secret=SECRET, eid=1)
    assert admin.main(["set-limits", "--eid", "1", "calls_per_day=5", "countries=us,ca,gb"]) == 0
    out = capsys.readouterr().out
    assert "calls_per_day            5" in out
    assert "GB" in out
    assert admin.main(["set-limits", "--eid", "1", "calls_per_day=-1"]) == 2
    assert admin.main(["set-limits", "--eid", "1", "nonsense=1"]) == 2
    assert admin.main(["set-limits", "--eid", "1", "--reset"]) == 0
    assert enterprises.limits_of(1) == enterprises.Limits()


def test_john_is_unchanged_for_a_2008_client(api):
    # Within its limits, a 2008 client sees what it always saw.
    response = api.post("/user", JOHN)
    assert response.status_code == 200
