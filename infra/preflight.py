"""Before `make deploy`: refuse a stage that would deploy but not work.

`python -m infra.preflight --stage prod $(INFRA_FLAGS)` (the Makefile runs it first) reads
the same flags as synthesis (infra/__main__.py) and refuses, with what to do, when

* a flag is wrong: a number that is not E.164, a public URL that is not https, a missing
  account SID (infra/stage.py says why, as synthesis would, but before the 20 s of it);
* the stage calls or texts through Twilio and its secret (`ocp-{stage}-twilio`, or
  `--twilio-secret-name`) is missing in the account and region of your credentials, or is
  not JSON with a non-empty `authToken` (and a `signingKey` for SignalWire). Without this
  the deploy succeeds and the first dial fails: every webhook answered 403.

It reads the secret (`secretsmanager:GetSecretValue`, as the functions will) and prints
nothing of its value. `make twilio-secret STAGE=...` (infra/carrier_secret.py) creates it.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from typing import Any

from infra.stage import Stage, TwilioAccount


@dataclass(frozen=True)
class Refusal(Exception):
    """Why the stage is not deployed, and what to do."""

    message: str

    def __str__(self) -> str:
        return self.message


def stage_of(argv: list[str]) -> Stage:
    """The stage the flags describe, checked as synthesis checks it."""
    from infra.__main__ import parser, twilio_account

    args = parser("python -m infra.preflight", __doc__.splitlines()[0]).parse_args(argv)
    try:
        return Stage.named(
            args.stage,
            alarm_email=args.alarm_email,
            carrier=args.carrier,
            chime_numbers=tuple(n.strip() for n in args.chime_numbers.split(",") if n.strip()),
            chime_calls_per_second=args.calls_per_second,
            concurrent_calls=args.concurrent_calls,
            twilio=twilio_account(args),
            messaging=args.messaging,
            sms_identity=args.sms_identity,
            sms_messages_per_second=args.sms_messages_per_second,
        )
    except ValueError as error:
        raise Refusal(f"the stage's flags (INFRA_FLAGS): {error}") from None


def check_secret(account: TwilioAccount, stage: str, client: Any) -> str:
    """What the secret holds (key names only), or Refusal."""
    name = account.secret_name
    create = f"create it: make twilio-secret STAGE={stage}" + (
        f" INFRA_FLAGS='--twilio-secret-name {name}'" if name != f"ocp-{stage}-twilio" else ""
    )
    region = client.meta.region_name
    try:
        value = client.get_secret_value(SecretId=name).get("SecretString")
    except client.exceptions.ResourceNotFoundException:
        raise Refusal(
            f"no secret named {name} in {region}, where the stage reads the Twilio auth token "
            f"(docs/twilio-deploy.md step 2); {create}"
        ) from None
    except Exception as error:
        code = getattr(error, "response", {}).get("Error", {}).get("Code") or type(error).__name__
        raise Refusal(
            f"could not read the secret {name} in {region} ({code}): deploy with the "
            f"credentials of the stage's account, allowed secretsmanager:GetSecretValue"
        ) from None
    try:
        data = json.loads(value or "")
    except ValueError:
        data = None
    token = data.get("authToken") if isinstance(data, dict) else None
    if not isinstance(token, str) or not token.strip():
        # Never the value itself.
        raise Refusal(
            f'secret {name}: not JSON with a non-empty "authToken" (the functions would '
            f"refuse every webhook); {create.replace('create it', 'write it again')}"
        )
    keys = ["authToken"]
    if account.signature == "signalwire":
        key = data.get("signingKey")
        if not isinstance(key, str) or not key.strip():
            raise Refusal(
                f'secret {name}: --twilio-signature signalwire needs its "signingKey" too; '
                f"make twilio-secret STAGE={stage} SIGNALWIRE=1"
            )
        keys.append("signingKey")
    keys += [k for k in ("previousAuthToken",) if isinstance(data.get(k), str) and data[k]]
    return ", ".join(keys)


def check(argv: list[str], client: Any = None) -> list[str]:
    """What was checked, one line each; Refusal when the stage must not be deployed."""
    stage = stage_of(argv)
    done = [f"{stage.stack_name}: flags checked (carrier {stage.carrier}, texts {stage.messaging})"]
    account = stage.twilio
    if account is None:
        return done
    if client is None:
        import boto3
        from botocore.exceptions import NoRegionError

        try:
            client = boto3.client("secretsmanager")
        except NoRegionError:
            raise Refusal(
                "no AWS region: set AWS_REGION (or the profile's region) to the stage's"
            ) from None
    held = check_secret(account, stage.name, client)
    done.append(f"secret {account.secret_name} in {client.meta.region_name}: {held}")
    numbers = ", ".join(account.numbers)
    done.append(f"calls and texts from {numbers} (E.164)")
    url = account.public_base_url or "the stage's own https URL (EndpointURL, after the deploy)"
    done.append(f"Twilio calls the webhooks at {url}")
    return done


def main(argv: list[str] | None = None) -> int:
    try:
        lines = check(sys.argv[1:] if argv is None else argv)
    except Refusal as refusal:
        print(f"make deploy refused: {refusal}", file=sys.stderr)
        return 2
    for line in lines:
        print(f"preflight: {line}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
