"""Create what the deployed stack's infra/ creates, in moto (local runs and tests).

Deployed stages never run this: their tables, keys, queues and state machines
come from the CDK app in infra/.
"""
from __future__ import annotations

from chalicelib import settings
from chalicelib.store import aws, models


def create_resources() -> None:
    """Idempotent: a second `make run` against the same moto server works."""
    models.create_tables()
    _create_secrets_key()


def _create_secrets_key() -> None:
    kms = aws.client("kms")
    alias = settings.get().secrets_key_id
    if not alias.startswith("alias/"):
        return
    existing = {a["AliasName"] for a in kms.list_aliases()["Aliases"]}
    if alias in existing:
        return
    key_id = kms.create_key(Description="OCP enterprise secrets (local)")["KeyMetadata"]["KeyId"]
    kms.create_alias(AliasName=alias, TargetKeyId=key_id)
