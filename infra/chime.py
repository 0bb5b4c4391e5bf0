"""The Amazon Chime SDK PSTN Audio carrier's resources, in a stage synthesised with
`--carrier chime` (docs/carriers.md#chime); a stage with the simulated carrier
has none of them.

* the SIP media application (AWS::Chime::SipMediaApplication: CloudFormation has no
  ChimeSDKVoice type; this one is managed through the chime-sdk-voice API), whose one
  endpoint is the app's `sma` Lambda function (ocp-{stage}-sma);
* the permission for the Chime voice connector service to invoke that function, for
  this application only (its ARN as the source, in this account);
* the audio bucket's policy statement letting that service read WAV_PREFIX, and only
  there, for this account's application only;
* the settings the functions read: the application's id, the caller-id number pool,
  the calls-per-second cap.

Phone numbers, the account's quotas and the region are not CloudFormation's (README
"Real telephone calls" has the runbook).

CloudFormation order: the `sma` function, then the application (whose creation checks the
function), then what names the application: its invoke permission, the other
functions' OCP_CHIME_SMA_ID and the `chime:` statements of every role, which are in a
policy of their own (`ChimePolicy`) so that no role, and so no function, waits for it.
The `sma` function itself finds its application's id in each event it is given.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aws_cdk import Stack
from aws_cdk import aws_chime as chime
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3

from infra.access import CHIME_HANDLER, WAV_PREFIX, Function

SERVICE_PRINCIPAL = "voiceconnector.chime.amazonaws.com"
# The Chalice function the application invokes (app.lambda_function(name="sma")).
HANDLER = CHIME_HANDLER


class ChimeConfigurationError(ValueError):
    pass


@dataclass
class Carrier:
    application: chime.CfnSipMediaApplication
    permission: lambda_.CfnPermission

    @property
    def arn(self) -> str:
        return self.application.attr_sip_media_application_arn

    @property
    def id(self) -> str:
        return self.application.attr_sip_media_application_id


def define(
    stack: Stack,
    functions: dict[str, Function],
    handler_arn: str,
    handler_name: str,
    bucket: s3.Bucket,
) -> Carrier:
    """The application, its permission and the bucket statement; `after_functions` then
    makes the first two wait for the handler function, once the Chalice app exists."""
    if HANDLER not in functions:
        raise ChimeConfigurationError(
            f"--carrier chime needs the SIP media application handler, "
            f"app.lambda_function(name={HANDLER!r}), and this app has no such function"
        )
    application = chime.CfnSipMediaApplication(
        stack,
        "SipMediaApplication",
        aws_region=stack.region,
        name=handler_name,
        endpoints=[
            chime.CfnSipMediaApplication.SipMediaApplicationEndpointProperty(lambda_arn=handler_arn)
        ],
    )
    permission = lambda_.CfnPermission(
        stack,
        "SipMediaApplicationInvokePermission",
        action="lambda:InvokeFunction",
        function_name=handler_name,
        principal=SERVICE_PRINCIPAL,
        # This application only (it invokes as its own ARN, aws:SourceArn), in this
        # account: no other SIP media application, of this account or another, may
        # invoke the handler. Made after the application, whose ARN it names.
        source_account=stack.account,
        source_arn=application.attr_sip_media_application_arn,
    )
    carrier = Carrier(application, permission)
    # PlayAudio reads the WAV from S3 as the service (Chime SDK developer guide, play-audio).
    bucket.add_to_resource_policy(
        iam.PolicyStatement(
            sid="ChimeSipMediaApplicationReadsWav",
            principals=[iam.ServicePrincipal(SERVICE_PRINCIPAL)],
            actions=["s3:GetObject"],
            resources=[bucket.arn_for_objects(f"{WAV_PREFIX}*")],
            conditions={
                "StringEquals": {"aws:SourceAccount": stack.account, "aws:SourceArn": carrier.arn}
            },
        )
    )
    return carrier


def after_functions(carrier: Carrier, chalice: Any) -> None:
    """The application and its permission come after the handler function exists."""
    handler = chalice.get_resource(Function(HANDLER, None).logical_id)
    carrier.permission.add_resource_dependency(handler)
    carrier.application.add_resource_dependency(handler)


def settings(numbers: tuple[str, ...], calls_per_second: float) -> dict[str, str]:
    """The settings every function gets."""
    return {
        "OCP_CHIME_NUMBERS": ",".join(numbers),
        "OCP_CHIME_CALLS_PER_SECOND": f"{calls_per_second:g}",
    }


def application_settings(carrier: Carrier, function: str) -> dict[str, str]:
    """What names the application, for every function but its handler (which the
    application waits for: the handler reads the id from its events)."""
    return {} if function == HANDLER else {"OCP_CHIME_SMA_ID": carrier.id}
