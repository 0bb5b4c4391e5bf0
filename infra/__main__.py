"""Synthesise one stage's CloudFormation, offline: `python -m infra --stage dev`.

No AWS credentials and no network: the Chalice app is packaged from the
installed requirements (infra/bundle.py), and nothing is looked up in an
account. Writes the cloud assembly that `cdk deploy --app <outdir>` deploys.
cdk-nag runs during synthesis; an unacknowledged finding fails it.

One stage per process: `chalice package` imports app.py once, and its
module-level settings (queue names in decorators) must be that stage's.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from aws_cdk import App

    from infra.stage import TwilioAccount

ROOT = Path(__file__).resolve().parent.parent
# CDK behaviours a new project gets; set here rather than in a cdk.json so that
# `make synth`, the tests and `cdk deploy --app infra/cdk.out` agree.
FEATURE_FLAGS = {
    # The access-log bucket admits S3's log delivery by bucket policy, not by ACL.
    "@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy": True,
}


def build(
    stage_name: str,
    outdir: Path,
    *,
    workflows_dir: Path | None = None,
    build_dir: Path | None = None,
    alarm_email: str | None = None,
    api_gateway_logging_role: bool = True,
    carrier: str = "simulated",
    chime_numbers: tuple[str, ...] = (),
    chime_calls_per_second: float = 1.0,
    concurrent_calls: int = 3,
    twilio: TwilioAccount | None = None,
    messaging: str | None = None,
    sms_identity: str = "",
    sms_messages_per_second: float | None = None,
    waf: bool | None = None,
    reserve_concurrency: bool = True,
    project_dir: Path = ROOT,
) -> App:
    """The CDK app of one stage, not yet synthesised."""
    from infra.stage import Stage

    stage = Stage.named(
        stage_name,
        alarm_email=alarm_email,
        api_gateway_logging_role=api_gateway_logging_role,
        carrier=carrier,
        chime_numbers=chime_numbers,
        chime_calls_per_second=chime_calls_per_second,
        concurrent_calls=concurrent_calls,
        twilio=twilio,
        messaging=messaging,
        sms_identity=sms_identity,
        sms_messages_per_second=sms_messages_per_second,
        waf=waf,
        reserve_concurrency=reserve_concurrency,
    )
    # Before chalicelib is imported: table names, queue names in decorators.
    os.environ.update(stage.settings_literals())
    if str(project_dir) not in sys.path:
        sys.path.insert(0, str(project_dir))
    from chalicelib import settings

    settings.reload()

    from infra import jsii_output

    jsii_output.as_text()  # before the first CDK import starts Node.js
    import aws_cdk as cdk

    from infra import nag
    from infra.stack import OcpStack

    app = cdk.App(outdir=str(outdir), context=FEATURE_FLAGS)
    OcpStack(
        app,
        stage,
        project_dir=project_dir,
        build_dir=(build_dir or ROOT / "infra" / "build") / stage.name,
        workflows_dir=workflows_dir or ROOT / "chalicelib" / "workflows",
    )
    nag.add_checks(app)
    return app


def parser(
    prog: str = "python -m infra", description: str | None = None
) -> argparse.ArgumentParser:
    """The stage's flags (INFRA_FLAGS), shared by synthesis and the deploy's preflight
    (infra/preflight.py)."""
    from infra.stage import MESSAGING

    parser = argparse.ArgumentParser(prog=prog, description=description or __doc__.splitlines()[0])
    parser.add_argument("--stage", default=os.environ.get("STAGE", "dev"))
    parser.add_argument(
        "--outdir",
        type=Path,
        default=Path(os.environ.get("CDK_OUTDIR", ROOT / "infra" / "cdk.out")),
    )
    parser.add_argument(
        "--workflows",
        type=Path,
        default=None,
        help="directory of *.asl.json (default chalicelib/workflows)",
    )
    parser.add_argument(
        "--build-dir",
        type=Path,
        default=None,
        help="where the packaged project is kept (default infra/build)",
    )
    parser.add_argument(
        "--alarm-email",
        default=os.environ.get("ALARM_EMAIL") or None,
        help="subscribe this address to the stage's alarms (or ALARM_EMAIL)",
    )
    parser.add_argument(
        "--carrier",
        default=os.environ.get("CARRIER", "simulated"),
        choices=("simulated", "chime", "twilio"),
        help="telephony adapter, OCP_CARRIER (default simulated: no real calls; chime: "
        "Amazon Chime SDK PSTN Audio, docs/carriers.md; twilio: Twilio or "
        "SignalWire, docs/twilio-deploy.md)",
    )
    parser.add_argument(
        "--chime-numbers",
        default=os.environ.get("CHIME_NUMBERS", ""),
        help="with --carrier chime: the account's E.164 numbers to call from, "
        "comma-separated (or CHIME_NUMBERS)",
    )
    parser.add_argument(
        "--calls-per-second",
        "--chime-calls-per-second",
        dest="calls_per_second",
        type=float,
        default=float(
            os.environ.get("CALLS_PER_SECOND") or os.environ.get("CHIME_CALLS_PER_SECOND") or 1
        ),
        help="with a real carrier: new calls a second at most, the account's quota "
        "(default 1: chime's CreateSipMediaApplicationCall default, a new Twilio account's)",
    )
    parser.add_argument(
        "--concurrent-calls",
        type=int,
        default=int(os.environ.get("CONCURRENT_CALLS", 3)),
        help="with a real carrier: calls at once at most (default 3: a Twilio account with "
        "an Individual profile; docs/limits-pacing.md)",
    )
    twilio = parser.add_argument_group("--carrier twilio (docs/twilio-deploy.md)")
    twilio.add_argument("--twilio-account-sid", default=os.environ.get("TWILIO_ACCOUNT_SID", ""))
    twilio.add_argument(
        "--twilio-numbers",
        default=os.environ.get("TWILIO_NUMBERS", ""),
        help="the account's E.164 numbers to call from, comma-separated",
    )
    twilio.add_argument(
        "--twilio-api-base",
        default=os.environ.get("TWILIO_API_BASE", "https://api.twilio.com/2010-04-01"),
        help="SignalWire: https://{space}.signalwire.com/api/laml/2010-04-01",
    )
    twilio.add_argument(
        "--twilio-secret-name",
        default=os.environ.get("TWILIO_SECRET_NAME") or None,
        help="the Secrets Manager secret holding the auth token (default ocp-{stage}-twilio)",
    )
    twilio.add_argument(
        "--twilio-signature",
        default=os.environ.get("TWILIO_SIGNATURE", "twilio"),
        choices=("twilio", "signalwire"),
    )
    twilio.add_argument(
        "--twilio-messaging-service-sid",
        default=os.environ.get("TWILIO_MESSAGING_SERVICE_SID", ""),
        help="texts from this Messaging Service instead of the first --twilio-numbers number",
    )
    twilio.add_argument(
        "--public-base-url",
        default=os.environ.get("PUBLIC_BASE_URL", ""),
        help="only with a custom domain mapped to the stage's API: the URL Twilio calls the "
        "webhooks at (default: the stage's own execute-api URL, docs/twilio-deploy.md)",
    )
    parser.add_argument(
        "--messaging",
        default=os.environ.get("MESSAGING") or None,
        choices=MESSAGING,
        help="texts, OCP_MESSAGING (default: twilio, Twilio Messages, with --carrier twilio; "
        "else eum, AWS End User Messaging SMS; docs/sms.md)",
    )
    parser.add_argument(
        "--sms-identity",
        default=os.environ.get("SMS_IDENTITY", ""),
        help="the origination identity texts are sent from: a phone number's or pool's id "
        "or ARN (or SMS_IDENTITY; default: the service picks one of the account's)",
    )
    parser.add_argument(
        "--sms-messages-per-second",
        type=float,
        default=float(os.environ["SMS_MESSAGES_PER_SECOND"])
        if os.environ.get("SMS_MESSAGES_PER_SECOND")
        else None,
        help="texts a second from the identity (default 3 for a toll-free number, else 1)",
    )
    parser.add_argument(
        "--waf",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="a regional WAF web ACL on the API (infra/waf.py; default: on in prod only)",
    )
    parser.add_argument(
        "--no-reserved-concurrency",
        action="store_true",
        help="no reserved Lambda concurrency (infra/concurrency.py): for an account whose "
        "concurrent executions quota is still below 1,000",
    )
    parser.add_argument(
        "--project-dir",
        type=Path,
        default=ROOT,
        help="the Chalice project: app.py, chalicelib/, .chalice/ (default this repository)",
    )
    parser.add_argument(
        "--no-api-gateway-logging-role",
        action="store_true",
        help="the account's API Gateway logging role is managed elsewhere",
    )
    return parser


def twilio_account(args: argparse.Namespace) -> TwilioAccount | None:
    """The Twilio account the flags name, for a stage that calls or texts through it."""
    if args.carrier != "twilio" and args.messaging != "twilio":
        return None
    from infra.stage import TwilioAccount

    return TwilioAccount(
        account_sid=args.twilio_account_sid,
        numbers=tuple(n.strip() for n in args.twilio_numbers.split(",") if n.strip()),
        public_base_url=args.public_base_url,
        secret_name=args.twilio_secret_name or f"ocp-{args.stage}-twilio",
        api_base=args.twilio_api_base,
        signature=args.twilio_signature,
        messaging_service_sid=args.twilio_messaging_service_sid,
    )


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    started = time.monotonic()
    shutil.rmtree(args.outdir, ignore_errors=True)  # no assets of earlier synths
    numbers = tuple(n.strip() for n in args.chime_numbers.split(",") if n.strip())
    account = twilio_account(args)
    try:
        app = build(
            args.stage,
            args.outdir.resolve(),
            workflows_dir=args.workflows,
            build_dir=args.build_dir,
            alarm_email=args.alarm_email,
            api_gateway_logging_role=not args.no_api_gateway_logging_role,
            carrier=args.carrier,
            chime_numbers=numbers,
            chime_calls_per_second=args.calls_per_second,
            concurrent_calls=args.concurrent_calls,
            twilio=account,
            messaging=args.messaging,
            sms_identity=args.sms_identity,
            sms_messages_per_second=args.sms_messages_per_second,
            waf=args.waf,
            reserve_concurrency=not args.no_reserved_concurrency,
            project_dir=args.project_dir.resolve(),
        )
    except ValueError as error:  # a stage that cannot be (infra/stage.py, infra/chime.py)
        print(f"synthesis failed: {error}", file=sys.stderr)
        return 2
    try:
        app.synth()
    except RuntimeError as error:  # jsii's form of CDK's ValidationFailed (cdk-nag findings)
        print(f"synthesis failed: {error}", file=sys.stderr)
        return 1
    print(
        f"synthesised ocp-{args.stage} into {args.outdir} in {time.monotonic() - started:.1f}s",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
