"""session GET and the session guard on every other route (RULINGS "Authentication")."""

import base64
import re

import pytest

from chalicelib import clock
from chalicelib.store import sessions
from tests.conftest import SECRET, session_header
from tests.examples import assert_matches_example, error_codes, xml


def open_session(app_client, header):
    return app_client.http.get("/session", headers={"Authorization": header})


def test_the_reference_example_opens_a_session(app_client, enterprise):
    # Given enterprise 1 with secret 56789 and a server clock at 234
    with clock.frozen(234):
        # When the reference's header is sent
        response = open_session(app_client, "Basic 1:234:4428c6c474502e61151877825bb41961")
    # Then a 64-hex session id comes back in the reference's body
    assert response.status_code == 200
    assert_matches_example(response.body, "session-GET.xml", values=False)
    assert re.fullmatch(r"[0-9a-f]{64}", xml(response.body).findtext("sessionId"))


def test_the_base64_form_of_the_header_is_accepted(app_client, enterprise):
    with clock.frozen(234):
        token = base64.b64encode(b"1:234:4428c6c474502e61151877825bb41961").decode()
        assert open_session(app_client, f"Basic {token}").status_code == 200


@pytest.mark.parametrize("skew,status", [(-300, 200), (300, 200), (301, 401), (-301, 401)])
def test_the_time_must_be_within_five_minutes(app_client, enterprise, skew, status):
    with clock.frozen(10_000):
        response = open_session(app_client, session_header(1, SECRET, at=10_000 + skew))
    assert response.status_code == status
    if status == 401:
        assert error_codes(response.body) == [100]


@pytest.mark.parametrize(
    "header,code",
    [
        ("Basic 2:{t}:{h}", 101),  # unknown enterprise
        ("Basic 1:{t}:" + "0" * 32, 102),  # wrong hash
        ("Basic 1:{t}", 102),  # malformed
        ("Bearer 1:{t}:{h}", 102),  # not Basic
        ("Basic 1:abc:{h}", 100),  # time not a number
    ],
)
def test_session_errors(app_client, enterprise, header, code):
    good = session_header(1, SECRET).split()[1].split(":")
    response = open_session(app_client, header.format(t=good[1], h=good[2]))
    assert response.status_code == 401
    assert error_codes(response.body) == [code]


def test_a_missing_header_is_102(app_client, enterprise):
    response = app_client.http.get("/session")
    assert (response.status_code, error_codes(response.body)) == (401, [102])


def test_only_a_hash_of_the_session_id_is_stored(api):
    session_id = api.auth.split(":")[1]
    from chalicelib.store.models import Session

    stored = [item.id_hash for item in Session.scan()]
    assert session_id not in stored
    assert sessions.id_hash(session_id) in stored


def test_sessions_expire_after_24_hours(app_client, enterprise):
    with clock.frozen(1_000_000):
        body = open_session(app_client, session_header(1, SECRET)).body
        auth = f"Basic 1:{xml(body).findtext('sessionId')}"
        assert app_client.http.get("/user/1", headers={"Authorization": auth}).status_code == 404
        clock.advance(24 * 3600)
        response = app_client.http.get("/user/1", headers={"Authorization": auth})
    assert (response.status_code, error_codes(response.body)) == (401, [102])


@pytest.mark.parametrize(
    "header",
    [None, "", "Basic", "Basic 1", "Basic 1:nothex", "Basic 1:" + "a" * 64, "Basic x:" + "a" * 64],
)
def test_the_guard_refuses_missing_malformed_and_unknown_sessions(app_client, enterprise, header):
    headers = {} if header is None else {"Authorization": header}
    response = app_client.http.get("/user/1", headers=headers)
    assert response.status_code == 401
    assert error_codes(response.body) == [102]


def test_a_session_is_only_good_for_its_enterprise(api, app_client):
    from chalicelib.store import enterprises

    enterprises.create("Two", secret="s2", eid=2)
    session_id = api.auth.split(":")[1]
    response = app_client.http.get("/user/1", headers={"Authorization": f"Basic 2:{session_id}"})
    assert response.status_code == 401


def test_base64_session_credentials_are_accepted(api, app_client):
    token = base64.b64encode(api.auth.split(" ")[1].encode()).decode()
    response = app_client.http.get("/user/1", headers={"Authorization": f"Basic {token}"})
    assert response.status_code == 404  # past the guard: no such user


def test_secrets_are_stored_encrypted(enterprise):
    from chalicelib.store.models import Enterprise

    assert SECRET.encode() not in bytes(Enterprise.get(1).secret)
