"""Fixtures shared by the API tests (the root conftest composes aws -> app_client -> api)."""

import pytest

from tests.api import people


@pytest.fixture
def other_enterprise(app_client):
    """A logged-in client of enterprise 2."""
    return people.other_enterprise(app_client)


@pytest.fixture
def app_client(app_client):
    """The chalice test client, every response of which must conform to the OpenAPI
    description (tests/contract/description.py): its status documented for the operation,
    its content type listed, its body valid in XML or JSON with the elements in order
    and none undocumented. So the API tests, which reach every route and error code,
    also keep the description true."""
    from tests.contract import description

    http = app_client.http
    send = http.request

    def request(method, path, headers=None, body=b""):
        response = send(method, path, headers=headers, body=body)
        found = description.problems(
            method,
            path,
            response.status_code,
            response.headers.get("Content-Type", response.headers.get("content-type", "")),
            response.body or b"",
        )
        assert not found, "the response differs from the description:\n" + "\n".join(found)
        return response

    http.request = request
    return app_client
