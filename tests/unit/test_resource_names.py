"""The dialing state machine's ARN is a setting (infra passes it; locally it is made from
its name, the region and moto's account): call POST and autoconference POST start an
execution without an STS GetCallerIdentity to learn the account."""

from __future__ import annotations

import pytest

from chalicelib import settings
from chalicelib.store import aws


@pytest.fixture
def environment(monkeypatch):
    def use(**variables: str) -> settings.Settings:
        monkeypatch.delenv("OCP_STATE_MACHINE_ARN", raising=False)
        for name, value in variables.items():
            monkeypatch.setenv(name, value)
        return settings.reload()

    yield use
    monkeypatch.undo()
    settings.reload()


def test_a_deployed_stage_uses_the_arn_infra_passes(environment):
    arn = "arn:aws:states:eu-west-1:210987654321:stateMachine:ocp-prod-call"
    assert environment(OCP_STATE_MACHINE_ARN=arn).state_machine_arn == arn


def test_locally_the_arn_is_made_from_the_name_the_region_and_moto_s_account(environment):
    found = environment(AWS_REGION="eu-west-1", OCP_STATE_MACHINE_NAME="ocp-x-call")
    assert found.state_machine_arn == (
        f"arn:aws:states:eu-west-1:{settings.LOCAL_ACCOUNT}:stateMachine:ocp-x-call"
    )


def test_no_request_is_made_to_know_it(environment, monkeypatch):
    environment(OCP_STATE_MACHINE_NAME="ocp-y-call")

    def no_client(service):
        raise AssertionError(f"a {service} client was asked for")

    monkeypatch.setattr(aws, "client", no_client)
    assert aws.state_machine_arn().endswith(":stateMachine:ocp-y-call")
