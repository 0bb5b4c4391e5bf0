"""Helpers for the find-me/follow-me API tests: users, ids as the reference prints
them, and a session of a second enterprise."""

from __future__ import annotations

import json

from tests.examples import error_codes, xml

JOHN = {
    "firstName": "John",
    "lastName": "Doe",
    "email": "john@example.com",
    "phoneNumber": "3035551212",
    "phoneType": "2",
}

SUNDAY = 1704585600  # 2024-01-07 00:00 UTC, a Sunday


def at(day: int, hour: int) -> int:
    """Unix time on a day of that week (0 Sunday) at hour:30 UTC."""
    return SUNDAY + day * 86400 + hour * 3600 + 1800


def new_user(api, user_id: int | None = None, **changes) -> int:
    """Creates a user (John, default number 3035551212, unless changed) and returns its id;
    `user_id` makes the next user id that one, as the reference's examples print."""
    if user_id is not None:
        next_id_is("user", user_id)
    response = api.post("/user", {**JOHN, **changes})
    assert response.status_code == 200, response.body
    return int(xml(response.body).findtext("userId"))


def next_id_is(kind: str, value: int) -> None:
    from chalicelib.store.models import Counter

    Counter(kind, value=value - 1).save()


def other_enterprise(app_client):
    from chalicelib.store import enterprises
    from tests.conftest import Api, session_header

    enterprises.create("Two", secret="two", eid=2)
    session = xml(
        app_client.http.get("/session", headers={"Authorization": session_header(2, "two")}).body
    ).findtext("sessionId")
    return Api(app_client, f"Basic 2:{session}")


def ok(response, status: int = 200) -> None:
    assert response.status_code == status, response.body


def fails(response, status: int, *codes: int) -> None:
    assert (response.status_code, error_codes(response.body)) == (status, list(codes)), (
        response.body
    )


def as_json(response):
    return json.loads(response.body)
