"""The console's operator pages over chalice's test client, with moto's Cognito user pool:
tokens checked against the pool's keys, and what an operator does to enterprises."""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

import jwt
import moto.cognitoidp
import pytest

from tests.api.console_client import Browser
from tests.conftest import SECRET


class MotoKeys:
    """The pool's JWKS as moto serves it at /{pool}/.well-known/jwks.json (read from its
    package: chalice's test client reaches moto in process, not over HTTP)."""

    def __init__(self) -> None:
        path = Path(moto.cognitoidp.__file__).parent / "resources" / "jwks-public.json.gz"
        self.keys = jwt.PyJWKSet.from_dict(json.loads(gzip.decompress(path.read_bytes())))

    def get_signing_key_from_jwt(self, token: str):
        kid = jwt.get_unverified_header(token)["kid"]
        return next(k for k in self.keys.keys if k.key_id == kid)


@pytest.fixture
def pool(aws, tuned, monkeypatch):
    from chalicelib.console import operators
    from local import bootstrap

    made = bootstrap.create_operator_pool("http://moto.invalid")
    tuned(**made.environment())
    monkeypatch.setattr(operators, "signing_keys", MotoKeys)
    return made


@pytest.fixture
def operator(app_client, enterprise, pool):
    browser = Browser(app_client)
    response = browser.post(
        "/console/operator/sign-in", {"username": pool.username, "password": pool.password}
    )
    assert response.status_code == 303, response.body
    return browser


def test_an_operator_signs_in_with_the_pools_password(operator):
    page = operator.get("/console/operator/enterprises").body.decode()
    assert "Enterprise One" in page


def test_a_wrong_password_is_refused(app_client, pool):
    response = Browser(app_client).post(
        "/console/operator/sign-in", {"username": pool.username, "password": "wrong-Password-1"}
    )
    assert response.status_code == 401
    assert "ocp_operator" not in (response.headers.get("Set-Cookie") or "")


def test_a_token_not_signed_by_the_pool_opens_nothing(app_client, pool, operator):
    real = operator.cookies["ocp_operator"]
    claims = jwt.decode(real, options={"verify_signature": False})
    from cryptography.hazmat.primitives.asymmetric import rsa

    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = jwt.encode(claims, other, algorithm="RS256", headers={"kid": "dummy"})
    response = Browser(app_client, {"ocp_operator": forged}).get("/console/operator/enterprises")
    assert response.status_code == 303
    unsigned = real[: real.rfind(".")] + "."  # the signature taken off
    response = Browser(app_client, {"ocp_operator": unsigned}).get("/console/operator/enterprises")
    assert response.status_code == 303


def test_an_enterprise_session_is_no_operator(app_client, enterprise, pool):
    from tests.api.console_client import signed_in

    browser = signed_in(app_client, 1, SECRET)
    value = browser.cookies["ocp_console"]
    response = Browser(app_client, {"ocp_operator": value}).get("/console/operator/enterprises")
    assert response.status_code == 303


def test_an_operator_creates_suspends_resumes_and_rotates(app_client, operator):
    token = operator.csrf("/console/operator/enterprises")
    page = operator.post("/console/operator/enterprises", {"csrf": token, "name": "Acme"})
    body = page.body.decode()
    secret = re.search(r'id="shown-secret">([0-9a-f]+)<', body).group(1)
    eid = re.search(r"Secret of enterprise (\d+)", body).group(1)
    assert re.search(r'id="shown-signing-secret">whsec_[0-9a-f]+<', body)
    assert (
        Browser(app_client).post("/console/sign-in", {"eid": eid, "secret": secret}).status_code
        == 303
    )

    operator.post(f"/console/operator/enterprises/{eid}/suspend", {"csrf": token})
    refused = Browser(app_client).post("/console/sign-in", {"eid": eid, "secret": secret})
    assert refused.status_code == 401 and b"(101)" in refused.body
    operator.post(f"/console/operator/enterprises/{eid}/resume", {"csrf": token})
    assert (
        Browser(app_client).post("/console/sign-in", {"eid": eid, "secret": secret}).status_code
        == 303
    )

    rotated = operator.post(f"/console/operator/enterprises/{eid}/rotate", {"csrf": token})
    new = re.search(r'id="shown-secret">([0-9a-f]+)<', rotated.body.decode()).group(1)
    assert new != secret
    old = Browser(app_client).post("/console/sign-in", {"eid": eid, "secret": secret})
    assert old.status_code == 401
    assert (
        Browser(app_client).post("/console/sign-in", {"eid": eid, "secret": new}).status_code == 303
    )


def test_operator_posts_need_the_token_and_this_origin(operator):
    assert operator.post("/console/operator/enterprises", {"name": "NoToken"}).status_code == 403
    token = operator.csrf("/console/operator/enterprises")
    elsewhere = operator.post(
        "/console/operator/enterprises",
        {"csrf": token, "name": "Elsewhere"},
        headers={"Origin": "https://evil.test"},
    )
    assert elsewhere.status_code == 403
    assert "NoToken" not in operator.get("/console/operator/enterprises").body.decode()


def test_an_unknown_enterprise_is_an_error_on_the_page(operator):
    token = operator.csrf("/console/operator/enterprises")
    response = operator.post("/console/operator/enterprises/999/suspend", {"csrf": token})
    assert response.status_code == 404
    assert b"Unknown enterprise id (101)" in response.body


def test_sign_out_clears_the_cookie(operator):
    token = operator.csrf("/console/operator/enterprises")
    response = operator.post("/console/operator/sign-out", {"csrf": token})
    assert response.status_code == 303
    assert "ocp_operator" not in operator.cookies


def test_create_operator_makes_an_operator_who_can_sign_in(app_client, pool, capsys):
    from chalicelib import admin

    assert admin.main(["create-operator", "--username", "alice", "--email", "a@example.com"]) == 0
    password = re.search(r"password: (\S+)", capsys.readouterr().out).group(1)
    response = Browser(app_client).post(
        "/console/operator/sign-in", {"username": "alice", "password": password}
    )
    assert response.status_code == 303
