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
    _create_audio_bucket()


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


def _create_audio_bucket() -> None:
    """Private, as deployed: every public access path blocked."""
    s3 = aws.client("s3")
    bucket = settings.get().audio_bucket
    if bucket in {b["Name"] for b in s3.list_buckets().get("Buckets", [])}:
        return
    region = settings.get().region
    s3.create_bucket(Bucket=bucket, **({} if region == "us-east-1" else {
        "CreateBucketConfiguration": {"LocationConstraint": region}}))
    s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration={
        "BlockPublicAcls": True, "IgnorePublicAcls": True,
        "BlockPublicPolicy": True, "RestrictPublicBuckets": True})
