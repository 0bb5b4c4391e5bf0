"""A stage's resource names are the settings' defaults for that stage, so an
operator's shell with only OCP_STAGE set reaches the deployed stage (no synthesis)."""

from __future__ import annotations

import pytest

from infra.stage import Stage


@pytest.fixture
def settings_of(monkeypatch):
    from chalicelib import settings

    def read(stage: str):
        for name in [n for n in __import__("os").environ if n.startswith("OCP_")]:
            monkeypatch.delenv(name)
        monkeypatch.setenv("OCP_STAGE", stage)
        return settings.reload()

    yield read
    monkeypatch.undo()
    settings.reload()


@pytest.mark.parametrize("name", ["dev", "prod", "staging2"])
def test_names_agree_with_the_settings_defaults(settings_of, name):
    stage = Stage.named(name)
    defaults = settings_of(name)
    assert defaults.table_prefix == stage.table_prefix
    assert defaults.secrets_key_id == stage.secrets_alias
    literals = stage.settings_literals()
    assert defaults.dial_queue_name == literals["OCP_DIAL_QUEUE_NAME"] == stage.resource("dial")
    assert defaults.fanout_queue_name == literals["OCP_FANOUT_QUEUE_NAME"]
    assert defaults.callback_queue_name == literals["OCP_CALLBACK_QUEUE_NAME"]
    assert defaults.state_machine_name == literals["OCP_STATE_MACHINE_NAME"]
    assert defaults.schedule_group == literals["OCP_SCHEDULE_GROUP"]


def test_only_prod_keeps_its_data_and_gets_prod_limits():
    dev, prod = Stage.named("dev"), Stage.named("prod")
    assert (dev.prod, prod.prod) == (False, True)
    assert prod.throttle_rate > dev.throttle_rate
    assert prod.log_retention_days > dev.log_retention_days


@pytest.mark.parametrize("bad", ["Prod", "my-stage", "", "averyveryverylongname"])
def test_a_stage_name_must_fit_every_resource_name(bad):
    with pytest.raises(ValueError):
        Stage.named(bad)
