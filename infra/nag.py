"""cdk-nag's AwsSolutions pack, and every acknowledged finding with its reason.

An acknowledgment names one finding (`AwsSolutions-IAM5[Resource::...]`) on one
construct, never a whole rule on the stack. IAM5 (wildcards) is acknowledged
statement by statement from the statements infra wrote, with the reason that
statement's service has in WILDCARD_REASONS: a wildcard there is either a
resource type that has no ARN, or one named resource's children (the indexes
of one table, the objects under one prefix, the executions of one state machine).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

from aws_cdk import Acknowledgment, App, Stack, Validations
from aws_cdk import aws_iam as iam
from constructs import IConstruct

WILDCARD_REASONS = {
    "xray": "X-Ray trace segments and telemetry are not resources: the X-Ray actions accept "
    "only '*'.",
    "polly": "polly:SynthesizeSpeech has no resource but lexicons, and OCP uses none: '*' is the "
    "only form it takes.",
    "sms-voice": "A stage deployed without --sms-identity lets End User Messaging pick one of "
    "the account's origination identities for each text: SendTextMessage on the account's "
    "phone numbers, pools and sender ids in the stage's region, nothing else.",
    "states:SendTask": "Task tokens are not resources: SendTaskSuccess/Failure/Heartbeat "
    "accept only '*'.",
    "states:Execution": "The executions of this stage's state machine only: an execution is named "
    "per call (call-{callId}), so its name cannot be known in advance.",
    "dynamodb": "The secondary indexes of one table of this stage each (table/index/*): an index "
    "is only queried, and only by the code that owns the table.",
    "s3": "The objects under one key prefix of the audio bucket (chalicelib/media/storage.py: "
    "uploads/, tts/, wav/); object keys are made per upload or per text.",
    "scheduler": "The schedules in this stage's schedule group only; a schedule is named per call "
    "or blast when it is made.",
    "chime": "Chime SDK meetings are made per conference room while the app runs, with ids the "
    "service picks: the account's meetings in the stage's region only (meeting/*).",
}


def add_checks(app: App) -> None:
    from cdk_nag import AwsSolutionsChecks

    # The acknowledgments are also written into the template (Metadata cdk_nag),
    # where a reviewer and tests/infra read them.
    Validations.of(app).add_plugins(
        AwsSolutionsChecks(app, write_suppressions_to_cloud_formation=True)
    )


def acknowledge(construct: IConstruct, finding: str, reason: str) -> None:
    Validations.of(construct).acknowledge(Acknowledgment(id=finding, reason=reason))


def acknowledge_wildcards(
    construct: IConstruct, statements: Iterable[iam.PolicyStatement], reason: str | None = None
) -> None:
    """Acknowledge IAM5 for each wildcard in these Allow statements, with `reason`
    or the reason its service has in WILDCARD_REASONS (a missing one is an error)."""
    stack = Stack.of(construct)
    for statement in statements:
        document = stack.resolve(statement.to_statement_json())
        if document.get("Effect") != "Allow":
            continue
        actions = _listed(document.get("Action"))
        findings = [f"Action::{a}" for a in actions if "*" in a]
        findings += [
            f"Resource::{flat}"
            for flat in map(flatten_reference, _listed(document.get("Resource")))
            if "*" in flat
        ]
        for finding in findings:
            acknowledge(
                construct, f"AwsSolutions-IAM5[{finding}]", reason or _wildcard_reason(actions)
            )


def _wildcard_reason(actions: list[str]) -> str:
    first = actions[0]
    service = first.split(":")[0]
    if first.startswith("states:SendTask"):
        return WILDCARD_REASONS["states:SendTask"]
    if first in ("states:DescribeExecution", "states:StopExecution"):
        return WILDCARD_REASONS["states:Execution"]
    if service not in WILDCARD_REASONS:
        raise ValueError(f"a wildcard for {actions} has no reason in infra/nag.py WILDCARD_REASONS")
    return WILDCARD_REASONS[service]


def _listed(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def flatten_reference(reference: Any) -> str:
    """A resolved CloudFormation value as cdk-nag prints it in a finding
    (its flattenCfnReference): `<Logical.Arn>/index/*`."""
    if isinstance(reference, str):
        return re.sub(r"\$\{", "<", reference).replace("}", ">")
    if isinstance(reference, dict):
        if "Fn::Join" in reference:
            delimiter, items = reference["Fn::Join"]
            return delimiter.join(flatten_reference(item) for item in items)
        if "Fn::Sub" in reference:
            return flatten_reference(reference["Fn::Sub"])
        if "Fn::GetAtt" in reference:
            resource, attribute = reference["Fn::GetAtt"]
            return f"<{flatten_reference(resource)}.{flatten_reference(attribute)}>"
        if "Fn::ImportValue" in reference:
            return flatten_reference(reference["Fn::ImportValue"])
        if "Ref" in reference:
            return f"<{flatten_reference(reference['Ref'])}>"
    return json.dumps(reference, separators=(",", ":"))
