"""The console's request checks (chalicelib/console/security.py), without a server."""

from __future__ import annotations

import pytest

from chalicelib.console import security
from chalicelib.protocol.routes import PageRequest


def request(headers: dict, body: bytes = b"", path: str = "/console/calls") -> PageRequest:
    lowered = {k.lower(): v for k, v in headers.items()}
    return PageRequest("POST", {}, {}, lowered, body, {"path": path, "resourcePath": path})


@pytest.mark.parametrize(
    ("headers", "same"),
    [
        ({"Host": "h.test", "Origin": "https://h.test"}, True),
        ({"Host": "h.test", "Origin": "https://evil.test"}, False),
        ({"Host": "h.test", "Origin": "https://h.test.evil.test"}, False),
        ({"Host": "h.test", "Origin": "null"}, False),
        ({"Host": "h.test", "Referer": "https://h.test/console/calls"}, True),
        ({"Host": "h.test", "Referer": "https://evil.test/h.test"}, False),
        ({"Host": "h.test"}, False),  # neither: refused
        ({"Origin": "https://h.test"}, False),  # no host to compare with
    ],
)
def test_a_post_is_from_this_host_only_by_its_origin_or_referer(headers, same):
    assert security.same_origin(request(headers)) is same


def test_the_form_token_belongs_to_one_session():
    one, two = "1:" + "a" * 64, "1:" + "b" * 64
    token = security.csrf_token(one)
    assert token != security.csrf_token(two)
    genuine = request({"Host": "h.test", "Origin": "http://h.test"}, f"csrf={token}".encode())
    assert security.form_is_genuine(genuine, one)
    assert not security.form_is_genuine(genuine, two)


def test_cookies_are_http_only_strict_and_scoped_to_the_stage_s_console():
    deployed = PageRequest(
        "GET",
        {},
        {},
        {"x-forwarded-proto": "https"},
        b"",
        {"path": "/api/console/calls", "resourcePath": "/console/calls"},
    )
    cookie = security.set_cookie(deployed, "ocp_console", "v", 60)
    assert cookie == (
        "ocp_console=v; Path=/api/console; Max-Age=60; HttpOnly; SameSite=Strict; Secure"
    )
    assert "Max-Age=0" in security.clear_cookie(deployed, "ocp_console")


def test_a_cookie_is_read_from_the_header():
    found = PageRequest("GET", {}, {}, {"cookie": "a=1; ocp_console=1:ff; b=2"}, b"", {})
    assert found.cookie("ocp_console") == "1:ff"
    assert found.cookie("c") is None
