"""The route seam: what a view is handed, public or signed in (no IO: the session check
is replaced)."""

from types import SimpleNamespace

import pytest
from chalice import Blueprint, Response

from chalicelib.errors import SESSION_INVALID, OcpError
from chalicelib.protocol import auth, routes
from chalicelib.protocol.routes import PublicRequest, Request


def http(authorization=None):
    headers = {"authorization": authorization} if authorization else {}
    return SimpleNamespace(
        method="GET", query_params=None, headers=headers, raw_body=b"", context={}
    )


def seen_by(view_is_public, request):
    """What the view was handed, and the response."""
    handed = []

    def view(req):
        handed.append(req)
        return Response(body="", status_code=204)

    response = routes.handle(request, view, {}, view_is_public)
    return handed, response


@pytest.fixture
def sessions(monkeypatch):
    def enterprise_of(header):
        if header != "Basic 7:good":
            raise OcpError(SESSION_INVALID)
        return 7

    monkeypatch.setattr(auth, "enterprise_of", enterprise_of)


def test_a_signed_in_view_is_handed_its_enterprise(sessions):
    handed, response = seen_by(False, http("Basic 7:good"))
    assert response.status_code == 204
    assert isinstance(handed[0], Request)
    assert handed[0].eid == 7


def test_a_public_view_is_handed_no_enterprise(sessions):
    handed, response = seen_by(True, http())
    assert response.status_code == 204
    assert type(handed[0]) is PublicRequest
    assert not hasattr(handed[0], "eid")


def test_without_a_session_the_view_is_not_run(sessions):
    handed, response = seen_by(False, http("Basic 7:bad"))
    assert response.status_code == 401
    assert handed == []


def test_a_public_route_cannot_take_idempotency_keys():
    with pytest.raises(ValueError, match="public"):
        routes.route(  # type: ignore[call-overload]
            Blueprint(__name__), "/open", ["POST"], public=True, idempotent=True
        )


@pytest.mark.parametrize(
    ("code", "level", "traceback"), [(116, "WARNING", False), (304, "ERROR", True)]
)
def test_designed_back_pressure_is_a_warning_and_an_internal_error_an_error(
    code, level, traceback, caplog
):
    # Given a view that raises 116 (contention past its budget) or 304 (internal)
    def view(req):
        raise OcpError(code)

    # When the route answers it
    with caplog.at_level("INFO", logger="chalicelib.protocol.routes"):
        response = routes.handle(http(), view, {}, True)

    # Then 116 is logged as expected back-pressure, with no traceback; 304 with its cause
    assert response.status_code == OcpError(code).status
    (record,) = [r for r in caplog.records if r.levelname in ("WARNING", "ERROR")]
    assert (record.levelname, record.exc_info is not None) == (level, traceback)
