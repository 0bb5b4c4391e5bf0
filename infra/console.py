"""The web console's operators: an Amazon Cognito user pool and the app client the console's
server signs them in with (chalicelib/console/operators.py).

Only an administrator makes operators (no self sign-up; `make deploy`'s next steps say
how); passwords are long and mixed, accounts are recovered by email only. The console
verifies each operator's access token against the pool's public signing keys (the JWKS
at the pool's issuer URL), so the functions need no IAM permission on the pool:
InitiateAuth and GlobalSignOut are the client's own, unsigned calls.
"""

from __future__ import annotations

from aws_cdk import CfnOutput, Duration, RemovalPolicy, Stack
from aws_cdk import aws_cognito as cognito

from infra import nag
from infra.stage import Stage


def operator_pool(stack: Stack, stage: Stage, removal: RemovalPolicy) -> dict[str, str]:
    """The pool and its client; returns the settings the functions read."""
    pool = cognito.UserPool(
        stack,
        "OperatorPool",
        user_pool_name=stage.resource("operators"),
        self_sign_up_enabled=False,
        sign_in_aliases=cognito.SignInAliases(username=True, email=True),
        password_policy=cognito.PasswordPolicy(
            min_length=14,
            require_lowercase=True,
            require_uppercase=True,
            require_digits=True,
            require_symbols=True,
            temp_password_validity=Duration.days(3),
        ),
        account_recovery=cognito.AccountRecovery.EMAIL_ONLY,
        mfa=cognito.Mfa.OPTIONAL,
        mfa_second_factor=cognito.MfaSecondFactor(otp=True, sms=False),
        feature_plan=cognito.FeaturePlan.ESSENTIALS,
        removal_policy=removal,
    )
    nag.acknowledge(
        pool,
        "AwsSolutions-COG2",
        "MFA is optional: the console's server-side sign-in (USER_PASSWORD_AUTH) does not "
        "answer an MFA challenge yet, so requiring it would lock every operator out. "
        "Operators are made only by an administrator, with a 14-character mixed password.",
    )
    nag.acknowledge(
        pool,
        "AwsSolutions-COG8",
        "Threat protection (the Plus feature plan) is priced per active user; the pool "
        "holds a handful of operators made by an administrator, with no self sign-up.",
    )
    client = pool.add_client(
        "ConsoleClient",
        user_pool_client_name=stage.resource("console"),
        auth_flows=cognito.AuthFlow(user_password=True),
        generate_secret=False,
        prevent_user_existence_errors=True,
        access_token_validity=Duration.hours(1),
        id_token_validity=Duration.hours(1),
        refresh_token_validity=Duration.hours(8),
        enable_token_revocation=True,
    )
    CfnOutput(stack, "OperatorPoolId", value=pool.user_pool_id)
    CfnOutput(stack, "OperatorClientId", value=client.user_pool_client_id)
    return {
        "OCP_COGNITO_POOL_ID": pool.user_pool_id,
        "OCP_COGNITO_CLIENT_ID": client.user_pool_client_id,
    }
