"""Create what the deployed stack's infra/ creates, in moto (local runs and tests).

Deployed stages never run this: their tables, keys, queues and state machines
come from the CDK app in infra/.
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

from chalicelib import settings
from chalicelib.store import aws, models

CALL_ASL = Path(__file__).resolve().parents[1] / "chalicelib" / "workflows" / "call.asl.json"
# Longer than a consumer may take with one message (moto's default is 30 s).
QUEUE_VISIBILITY_SECONDS = 120


def create_resources() -> None:
    """Idempotent: a second `make run` against the same moto server works."""
    models.create_tables()
    _create_secrets_key()
    _create_audio_bucket()
    queue_url = _create_queue(settings.get().dial_queue_name)
    _create_queue(settings.get().fanout_queue_name)
    _create_callback_queue()
    _create_state_machine(queue_url)
    _create_schedule_group()
    if settings.get().messaging == "eum":
        create_sms_receipts()


def sms_receipt_queue_name() -> str:
    """Locally, the receipt topic's subscriber is a queue the worker drains (deployed, the
    `smsreceipts` function is subscribed to the topic itself)."""
    return settings.get().sms_receipt_topic + "-local"


def create_sms_receipts() -> str:
    """The End User Messaging receipt topic (local/fake_sms.py publishes to it) and the
    queue subscribed to it; the queue's URL."""
    sns, sqs = aws.client("sns"), aws.client("sqs")
    topic = sns.create_topic(Name=settings.get().sms_receipt_topic)["TopicArn"]
    url = _create_queue(sms_receipt_queue_name())
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)
    return url


def call_definition(dial_queue_url: str) -> str:
    """call.asl.json with its substitutions filled in, as CloudFormation's
    DefinitionSubstitutions does for the deployed stack."""
    return CALL_ASL.read_text().replace("${DialQueueUrl}", dial_queue_url)


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
    s3.create_bucket(
        Bucket=bucket,
        **(
            {}
            if region == "us-east-1"
            else {"CreateBucketConfiguration": {"LocationConstraint": region}}
        ),
    )
    s3.put_public_access_block(
        Bucket=bucket,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True,
        },
    )


def _create_queue(name: str) -> str:
    return aws.client("sqs").create_queue(
        QueueName=name, Attributes={"VisibilityTimeout": str(QUEUE_VISIBILITY_SECONDS)}
    )["QueueUrl"]


def _create_callback_queue() -> str:
    """FIFO, with its dead-letter queue after `callback_attempts` receives, as deployed."""
    s = settings.get()
    sqs = aws.client("sqs")
    dlq = sqs.create_queue(
        QueueName=s.callback_queue_name.replace(".fifo", "-dlq.fifo"),
        Attributes={"FifoQueue": "true"},
    )["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    redrive = {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": s.callback_attempts}
    return sqs.create_queue(
        QueueName=s.callback_queue_name,
        Attributes={
            "FifoQueue": "true",
            "VisibilityTimeout": str(QUEUE_VISIBILITY_SECONDS),
            "RedrivePolicy": json.dumps(redrive),
        },
    )["QueueUrl"]


def _create_state_machine(dial_queue_url: str) -> str:
    sfn = aws.client("stepfunctions")
    name = settings.get().state_machine_name
    definition = call_definition(dial_queue_url)
    for page in sfn.get_paginator("list_state_machines").paginate():
        for machine in page["stateMachines"]:
            if machine["name"] == name:
                sfn.update_state_machine(
                    stateMachineArn=machine["stateMachineArn"], definition=definition
                )
                return machine["stateMachineArn"]
    account = aws.client("sts").get_caller_identity()["Account"]
    return sfn.create_state_machine(
        name=name,
        type="STANDARD",
        definition=definition,
        roleArn=f"arn:aws:iam::{account}:role/{name}",
    )["stateMachineArn"]


def _create_schedule_group() -> None:
    scheduler = aws.client("scheduler")
    with contextlib.suppress(scheduler.exceptions.ConflictException):
        scheduler.create_schedule_group(Name=settings.get().schedule_group)
