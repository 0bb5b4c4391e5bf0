"""Create what the deployed stack's infra/ creates, in moto (local runs and tests).

Deployed stages never run this: their tables, keys, queues and state machines
come from the CDK app in infra/.
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass
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


# The web console's first operator under `make run` (docs/console.md): the deployed stack's
# pool is infra/console.py's, and its operators are made with `make operator`.
OPERATOR_NAME = "operator"
OPERATOR_PASSWORD = "Local-operator-1"


@dataclass(frozen=True)
class OperatorPool:
    pool_id: str
    client_id: str
    jwks_url: str
    username: str
    password: str

    def environment(self) -> dict[str, str]:
        """The settings the API reads to sign operators in (chalicelib/settings.py)."""
        return {
            "OCP_COGNITO_POOL_ID": self.pool_id,
            "OCP_COGNITO_CLIENT_ID": self.client_id,
            "OCP_COGNITO_JWKS_URL": self.jwks_url,
        }


def create_operator_pool(aws_endpoint: str) -> OperatorPool:
    """The operators' Cognito user pool in moto, its app client (user name and password
    sign-in, as the console's server does it) and the first operator, with a permanent
    password. moto serves the pool's signing keys at its own JWKS path."""
    cognito = aws.client("cognito-idp")
    name = f"ocp-{settings.get().stage}-operators"
    pool_id = cognito.create_user_pool(
        PoolName=name,
        Policies={"PasswordPolicy": {"MinimumLength": 12, "RequireSymbols": False}},
        AdminCreateUserConfig={"AllowAdminCreateUserOnly": True},
    )["UserPool"]["Id"]
    client_id = cognito.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName=f"{name}-console",
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        GenerateSecret=False,
    )["UserPoolClient"]["ClientId"]
    create_operator(pool_id, OPERATOR_NAME, OPERATOR_PASSWORD)
    return OperatorPool(
        pool_id,
        client_id,
        f"{aws_endpoint.rstrip('/')}/{pool_id}/.well-known/jwks.json",
        OPERATOR_NAME,
        OPERATOR_PASSWORD,
    )


def create_operator(pool_id: str, username: str, password: str) -> None:
    cognito = aws.client("cognito-idp")
    cognito.admin_create_user(UserPoolId=pool_id, Username=username, MessageAction="SUPPRESS")
    cognito.admin_set_user_password(
        UserPoolId=pool_id, Username=username, Password=password, Permanent=True
    )
