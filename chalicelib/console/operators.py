"""Operators' sign-in: an Amazon Cognito user pool the stack creates (infra/console.py;
moto's under `make run`, local/bootstrap.py).

The console signs the operator in server-side (InitiateAuth, USER_PASSWORD_AUTH, with the
pool's app client) and keeps the access token in an HttpOnly cookie; every request checks
that token against the pool's signing keys (its JWKS, read once a process and again for
an unknown key id): RS256, this pool's issuer, this app client, an access token, not
expired. PyJWT is imported here only, and this module only by console requests.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import jwt

from chalicelib import settings
from chalicelib.store import aws

log = logging.getLogger(__name__)


class SignInRefused(Exception):
    """Wrong user name or password, or an account that may not sign in yet."""


@dataclass(frozen=True)
class Operator:
    username: str
    expires: int  # unix seconds


@dataclass(frozen=True)
class Tokens:
    access_token: str
    expires_in: int


def configured() -> bool:
    s = settings.get()
    return bool(s.cognito_pool_id and s.cognito_client_id)


def issuer() -> str:
    s = settings.get()
    return f"https://cognito-idp.{s.region}.amazonaws.com/{s.cognito_pool_id}"


def jwks_url() -> str:
    return settings.get().cognito_jwks_url or f"{issuer()}/.well-known/jwks.json"


def sign_in(username: str, password: str) -> Tokens:
    s = settings.get()
    client = aws.client("cognito-idp")
    try:
        answer = client.initiate_auth(
            AuthFlow="USER_PASSWORD_AUTH",
            ClientId=s.cognito_client_id,
            AuthParameters={"USERNAME": username, "PASSWORD": password},
        )
    except (
        client.exceptions.NotAuthorizedException,
        client.exceptions.UserNotFoundException,
        client.exceptions.UserNotConfirmedException,
        client.exceptions.PasswordResetRequiredException,
    ) as e:
        raise SignInRefused() from e
    result = answer.get("AuthenticationResult")
    if not result:  # a challenge (a new password, MFA): not served by the console
        raise SignInRefused()
    return Tokens(result["AccessToken"], int(result.get("ExpiresIn", 3600)))


def verify(token: str) -> Operator | None:
    """The operator of a valid access token of this pool and client, else None."""
    if not token or not configured():
        return None
    try:
        key = signing_keys().get_signing_key_from_jwt(token).key
        claims: dict[str, Any] = jwt.decode(
            token,
            key,
            algorithms=["RS256"],
            issuer=issuer(),
            options={"require": ["exp", "iss", "token_use"], "verify_aud": False},
        )
    except jwt.PyJWTError:
        return None
    if claims.get("token_use") != "access" or claims.get("client_id") != _client_id():
        return None
    return Operator(str(claims.get("username") or claims.get("sub")), int(claims["exp"]))


def sign_out(token: str) -> None:
    """End the operator's tokens at Cognito (their refresh tokens and access tokens)."""
    try:
        aws.client("cognito-idp").global_sign_out(AccessToken=token)
    except Exception:  # already expired or revoked: the cookie is cleared anyway
        log.info("operator sign-out: the token was no longer valid")


def _client_id() -> str:
    return settings.get().cognito_client_id


@lru_cache(maxsize=4)
def _jwk_client(url: str) -> jwt.PyJWKClient:
    return jwt.PyJWKClient(url, cache_keys=True, lifespan=3600, timeout=5)


def signing_keys() -> jwt.PyJWKClient:
    """The pool's public keys, fetched from its JWKS URL (cached an hour; a key id it does
    not know fetches them again)."""
    return _jwk_client(jwks_url())
