"""A Twilio-compatible carrier's deployment (`python -m infra --carrier twilio`;
docs/twilio-deploy.md). Twilio and SignalWire live outside AWS, so the stage creates no
carrier resource: it passes the account's settings to every function and lets the
functions that talk to the carrier read its one secret.

* the settings: the account SID, its numbers, the REST base, the secret's NAME, the
  signature header, the public base URL of the webhooks, the account's limits;
* the secret (`{"authToken": ..., "signingKey": ...}`, optionally `sharedKeys` and an
  API key instead of the auth token: docs/twilio-deploy.md 5) is created by the operator
  (`aws secretsmanager create-secret`), never by the template: its value is never in the
  template, an environment variable or a log. Its ARN ends in a dash and six random
  characters, so the grant names `NAME-??????`, which matches that one secret only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from infra.stage import Stage

if TYPE_CHECKING:
    from aws_cdk import Stack


def settings(stage: Stage) -> dict[str, str]:
    """What every function of a twilio stage reads (chalicelib/settings.py)."""
    account = stage.twilio
    if account is None:
        return {}
    return {
        "OCP_TWILIO_ACCOUNT_SID": account.account_sid,
        "OCP_TWILIO_NUMBERS": ",".join(account.numbers),
        "OCP_TWILIO_API_BASE": account.api_base,
        "OCP_TWILIO_SECRET_NAME": account.secret_name,
        "OCP_TWILIO_SIGNATURE": account.signature,
        "OCP_TWILIO_MESSAGING_SERVICE_SID": account.messaging_service_sid,
        # A custom domain, when given; else each function's own (infra/stack.py
        # _public_base_url: the stage's execute-api URL, or the request's for the API).
        **({"OCP_PUBLIC_BASE_URL": account.public_base_url} if account.public_base_url else {}),
    }


def execute_api_url(stack: Stack, rest_api: str) -> str:
    """`https://{api id}.execute-api.{region}.{suffix}/api`: the stage's own URL, known to
    CloudFormation (a Ref of the REST API), so one deploy gives every function the URL
    Twilio calls (the API function reads it off each request instead: api/public_url.py)."""
    from aws_cdk import Fn

    from infra.api import API_STAGE

    return Fn.join(
        "",
        [
            "https://",
            Fn.ref(rest_api),
            f".execute-api.{stack.region}.{stack.url_suffix}/{API_STAGE}",
        ],
    )


def limits(stage: Stage) -> dict[str, str]:
    """The account's limits, for any real carrier (workflows/pacing.py)."""
    return {
        "OCP_CALLS_PER_SECOND": f"{stage.calls_per_second:g}",
        "OCP_CONCURRENT_CALLS": str(stage.concurrent_calls),
    }


def secret_arn_pattern(partition: str, region: str, account: str, name: str) -> str:
    """The secret's ARN as IAM matches it: Secrets Manager appends `-` and six characters."""
    return f"arn:{partition}:secretsmanager:{region}:{account}:secret:{name}-??????"
