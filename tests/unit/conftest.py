"""The unit tier is pure code, no IO (docs/testing.md "The tiers"): a test here that asks
for moto or the app client, or starts an HTTP server, is in the wrong tier and fails."""

from __future__ import annotations

import http.server

import pytest

# The fixtures of the tiers above (tests/conftest.py, tests/workflows/conftest.py).
NOT_IN_THIS_TIER = {"aws", "sfn_aws", "app_client", "api", "enterprise", "switchboard"}


@pytest.fixture(autouse=True)
def _unit_tier(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    wrong = NOT_IN_THIS_TIER & set(request.fixturenames)
    if wrong:
        pytest.fail(f"{', '.join(sorted(wrong))}: not in the unit tier (tests/api)")

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the unit tier starts no server: this test belongs in tests/api")

    monkeypatch.setattr(http.server.HTTPServer, "server_bind", refuse)
