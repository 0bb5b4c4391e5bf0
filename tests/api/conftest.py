"""Fixtures shared by the API tests (the root conftest composes aws -> app_client -> api)."""

import pytest

from tests.api import people


@pytest.fixture
def other_enterprise(app_client):
    """A logged-in client of enterprise 2."""
    return people.other_enterprise(app_client)
