"""Operator commands, run against whichever AWS endpoint the settings name.

  python -m chalicelib.admin create-enterprise --name "Acme"

prints the new enterprise id, its secret and the signing secret of its status callbacks,
once: only their encryption is kept.

  python -m chalicelib.admin rotate-signing-secret --eid 7
  python -m chalicelib.admin rotate-signing-secret --eid 7 --finish

starts a rotation of the signing secret (prints the new one; events carry a signature
with each, old and new, until the receivers have the new one) and ends it (only the new
one signs from then on).

  python -m chalicelib.admin suspend --eid 7
  python -m chalicelib.admin resume --eid 7
  python -m chalicelib.admin rotate-secret --eid 7

suspend an enterprise (its sign-in is refused with 101 and its sessions end), let it sign
in again, or give it a new login secret (printed once; its sessions end). Sessions end in
every container within OCP_TENANT_CACHE_SECONDS (10 s).

  python -m chalicelib.admin show-limits --eid 7
  python -m chalicelib.admin set-limits --eid 7 requests_per_second=50 burst=100 countries=US,CA,GB
  python -m chalicelib.admin set-limits --eid 7 --reset calls_per_day   (or --reset alone: all)

show or change an enterprise's limits (docs/limits.md "Per enterprise": request rate,
countries, daily caps, exclusive_users, ...), with today's use of each daily cap.

  python -m chalicelib.admin create-operator --username alice --email alice@example.com

makes an operator of the web console (docs/console.md) in the stage's Cognito user pool
(`ocp-{stage}-operators`) and prints a new password once (or sets `--password`): the
console's sign-in answers no "new password" challenge, so the password is permanent.

  python -m chalicelib.admin dial --to 3035550102,3035550105 --from 7202108298

places a call through the dialing state machine, as call POST will, and prints its
progress until it ends. Against `make run` the carrier is the simulated one: the
README's test numbers show every path. Elsewhere it rings real telephones.

  python -m chalicelib.admin blast-compliance --eid 7 --window 08:00-21:00 \
      --zone America/Chicago --daily-cap 2

sets an enterprise's blast compliance (issue 27): the calling window its blasts get when
they name none, the zone of a number whose zone is unknown, and the most blast calls or
texts a number gets a day across blasts (`--window none`, `--daily-cap 0`: none). With
only --eid it prints them.

  python -m chalicelib.admin watch [--once]
  python -m chalicelib.admin show-call 12

show what the asynchronous half is doing (chalicelib/watch.py): calls with their
attempts, blasts with their progress, scheduled work with its time to fire; and one
call's timeline.
"""

from __future__ import annotations

import argparse
import secrets
import sys
import time

from botocore.exceptions import EndpointConnectionError, NoCredentialsError, NoRegionError

from chalicelib import clock, settings
from chalicelib import watch as view
from chalicelib.domain import tenants
from chalicelib.domain.calling_hours import CallingWindow, valid_zone
from chalicelib.domain.compliance import EnterpriseRules
from chalicelib.errors import OcpError
from chalicelib.protocol.types import phone
from chalicelib.store import aws, calls, donotcall, enterprises, ids, quotas
from chalicelib.telephony import Target
from chalicelib.workflows import dialing


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m chalicelib.admin")
    commands = parser.add_subparsers(dest="command", required=True)
    create = commands.add_parser("create-enterprise", help="create an enterprise")
    create.add_argument("--name", required=True)
    rotate = commands.add_parser(
        "rotate-signing-secret", help="a new signing secret for status callbacks"
    )
    rotate.add_argument("--eid", type=int, required=True)
    rotate.add_argument(
        "--finish", action="store_true", help="end the rotation: only the newest secret signs"
    )
    operator = commands.add_parser("create-operator", help="an operator of the web console")
    operator.add_argument("--username", required=True)
    operator.add_argument("--email", default="")
    operator.add_argument("--password", default="", help="the password (default: a new one)")
    for name, text in (
        ("suspend", "refuse the enterprise's sign-in and end its sessions"),
        ("resume", "let a suspended enterprise sign in again"),
        ("rotate-secret", "a new login secret for the enterprise; its sessions end"),
        ("show-limits", "the enterprise's limits and today's use of its daily caps"),
    ):
        commands.add_parser(name, help=text).add_argument("--eid", type=int, required=True)
    limits = commands.add_parser("set-limits", help="change an enterprise's limits")
    limits.add_argument("--eid", type=int, required=True)
    limits.add_argument("changes", nargs="*", metavar="NAME=VALUE")
    limits.add_argument(
        "--reset", nargs="*", metavar="NAME", help="back to the documented defaults (all if none)"
    )
    dial = commands.add_parser("dial", help="place a call and follow it")
    dial.add_argument(
        "--to", required=True, help="destination numbers in hunt order, comma-separated"
    )
    dial.add_argument(
        "--from",
        dest="origination",
        default="7202108298",
        help="origination numbers, comma-separated",
    )
    dial.add_argument("--tryall", action="store_true", help="ring every destination number at once")
    dial.add_argument("--origination-first", action="store_true", help="as callOrigination=1")
    dial.add_argument("--eid", type=int, default=1)
    dial.add_argument("--user", type=int, default=0, help="the requesting userId")
    rules = commands.add_parser("blast-compliance", help="an enterprise's blast compliance")
    rules.add_argument("--eid", type=int, required=True)
    rules.add_argument("--window", help="HH:MM-HH:MM in recipients' local time, or none")
    rules.add_argument("--zone", help="IANA zone of numbers whose zone is unknown")
    rules.add_argument("--daily-cap", type=int, help="blast calls/texts a number a day; 0: none")
    watch = commands.add_parser("watch", help="live view of calls, blasts and scheduled work")
    watch.add_argument("--once", action="store_true", help="print the view once and exit")
    watch.add_argument("--interval", type=float, default=1.0, help="seconds between redraws")
    show = commands.add_parser("show-call", help="a call's timeline")
    show.add_argument("call_id", type=int, metavar="ID")
    args = parser.parse_args(argv)
    if args.command == "create-enterprise":
        made = enterprises.create(args.name)
        print(f"enterprise id:  {made.eid}\nsecret:         {made.secret}")
        print(f"signing secret: {made.signing_secret}")
        print(
            "Keep the secrets now: they are stored only encrypted and cannot be shown again.",
            file=sys.stderr,
        )
    elif args.command == "rotate-signing-secret":
        return _rotate(args.eid, args.finish)
    elif args.command == "create-operator":
        return _create_operator(args.username, args.email, args.password)
    elif args.command in ("suspend", "resume", "rotate-secret", "show-limits", "set-limits"):
        return _tenant(args)
    elif args.command == "dial":
        return _dial(args)
    elif args.command == "blast-compliance":
        return _compliance(args)
    elif args.command == "watch":
        return view.watch(once=args.once, interval=args.interval)
    elif args.command == "show-call":
        timeline = view.read_timeline(args.call_id)
        if timeline is None:
            print(f"no call {args.call_id}", file=sys.stderr)
            return 1
        sys.stdout.write(view.render_timeline(timeline, color=sys.stdout.isatty()))
    return 0


def _compliance(args: argparse.Namespace) -> int:
    current = donotcall.rules(args.eid)
    window = current.window
    if args.window is not None:
        try:
            window = None if args.window == "none" else CallingWindow.parse(args.window)
        except ValueError as e:
            print(e, file=sys.stderr)
            return 2
    zone = current.zone if args.zone is None else args.zone
    if not valid_zone(zone):
        print(f"no such time zone: {zone}", file=sys.stderr)
        return 2
    cap = current.daily_cap if args.daily_cap is None else (args.daily_cap or None)
    if (args.window, args.zone, args.daily_cap) != (None, None, None):
        donotcall.set_rules(args.eid, EnterpriseRules(window, zone, cap))
    print(f"window: {window or 'none'}\nzone: {zone}\ndaily cap: {cap or 'none'}")
    return 0


def _rotate(eid: int, finish: bool) -> int:
    try:
        if finish:
            ended = enterprises.finish_signing_rotation(eid)
            print(
                "only the newest signing secret signs now"
                if ended
                else "no rotation in progress: nothing changed"
            )
            return 0
        made = enterprises.rotate_signing_secret(eid)
    except enterprises.NoSuchEnterprise:
        print(f"no enterprise {eid}", file=sys.stderr)
        return 2
    print(f"new signing secret: {made}")
    print(
        "Events are signed with it and with the previous one until "
        f"`rotate-signing-secret --eid {eid} --finish`. It cannot be shown again.",
        file=sys.stderr,
    )
    return 0


def _create_operator(username: str, email: str, password: str) -> int:
    cognito = aws.client("cognito-idp")
    name = f"ocp-{settings.get().stage}-operators"
    pools = cognito.list_user_pools(MaxResults=60)["UserPools"]
    found = [p["Id"] for p in pools if p["Name"] == name]
    if not found:
        print(f"no user pool {name} in this account and region", file=sys.stderr)
        return 2
    attributes = [{"Name": "email", "Value": email}, {"Name": "email_verified", "Value": "true"}]
    # The pool's policy: 14 characters or more, with lower and upper case, digits, symbols.
    made = password or "Op-1" + secrets.token_urlsafe(18)
    cognito.admin_create_user(
        UserPoolId=found[0],
        Username=username,
        UserAttributes=attributes if email else [],
        MessageAction="SUPPRESS",
    )
    cognito.admin_set_user_password(
        UserPoolId=found[0], Username=username, Password=made, Permanent=True
    )
    print(f"operator {username} signs in at /console/operator")
    if not password:
        print(f"password: {made}")
        print("Keep it now: it cannot be shown again.", file=sys.stderr)
    return 0


def _tenant(args: argparse.Namespace) -> int:
    eid = args.eid
    try:
        if args.command == "suspend":
            enterprises.suspend(eid)
            print(f"enterprise {eid} suspended: sign-in refused, its sessions ended")
        elif args.command == "resume":
            enterprises.resume(eid)
            print(f"enterprise {eid} may sign in again")
        elif args.command == "rotate-secret":
            made = enterprises.rotate_secret(eid)
            print(f"new secret: {made}")
            print("Its sessions have ended. It cannot be shown again.", file=sys.stderr)
        elif args.command == "set-limits":
            changes = dict(_assignment(text) for text in args.changes)
            if args.reset is not None:
                enterprises.reset_limits(eid, *args.reset)
            if changes:
                enterprises.set_limits(eid, **changes)
            _show_limits(eid)
        else:
            _show_limits(eid)
    except enterprises.NoSuchEnterprise:
        print(f"no enterprise {eid}", file=sys.stderr)
        return 2
    except ValueError as e:
        print(e, file=sys.stderr)
        return 2
    return 0


def _assignment(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name.strip():
        raise ValueError(f"{text!r}: a change is NAME=VALUE")
    return name.strip(), value.strip()


def _show_limits(eid: int) -> None:
    limits = enterprises.limits_of(eid)
    now = clock.now()
    for name, value in limits.describe().items():
        shown = ",".join(value) if isinstance(value, list) else value
        print(f"{name:24} {shown}")
    for kind in tenants.DAILY:
        print(f"used today: {kind:12} {quotas.used(eid, kind, now):g} of {limits.daily_cap(kind)}")


def _dial(args: argparse.Namespace) -> int:
    def targets(text: str) -> tuple[Target, ...]:
        return tuple(
            Target(p.display, p.e164)
            for p in (phone("number", n) for n in text.split(",") if n.strip())
        )

    try:
        to, origination = targets(args.to), targets(args.origination)
    except OcpError as e:
        print(e, file=sys.stderr)
        return 2
    destination_leg = dialing.Leg(
        "destination",
        to,
        label=to[0].number if to else "",
        tryall=args.tryall,
        ask_for_one=not args.origination_first,
        accept_machine=args.origination_first,
        announcement={"text": "You have a call. Press 1 to accept."},
        caller_id=origination[0].e164 if origination else None,
    )
    origination_leg = dialing.Leg(
        "origination",
        origination,
        label=origination[0].number if origination else "",
        ask_for_one=False,
    )
    legs = (
        [origination_leg, destination_leg]
        if args.origination_first
        else [destination_leg, origination_leg]
    )
    call_id = ids.next_id("call")
    calls.create(
        call_id,
        eid=args.eid,
        user_id=args.user,
        kind="call",
        time_scheduled=clock.now(),
        calling_number=origination[0].number if origination else "",
    )
    print(f"callId {call_id}: {dialing.start(call_id, legs)}")
    shown = None
    while True:
        status = calls.get(call_id, args.eid)
        now = (status.state, len(status.attempts))
        if now != shown:
            shown = now
            tried = ", ".join(f"{a.number} {a.result}" for a in status.attempts)
            print(f"  {status.state:10} {tried}")
        if status.complete:
            print(f"  mou {status.mou}, success {int(status.success)}")
            return 0
        time.sleep(0.5)


def _unreachable(e: BaseException | None) -> str | None:
    """What stopped a command from reaching AWS (no credentials, no endpoint), if that was
    it: said in a line rather than a traceback."""
    while e is not None:
        if isinstance(e, NoCredentialsError | NoRegionError | EndpointConnectionError):
            return str(e)
        e = e.__cause__ or e.__context__
    return None


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Exception as e:
        if (reason := _unreachable(e)) is None:
            raise
        sys.exit(
            f"cannot reach AWS: {reason}.\nAgainst `make run`: `make watch`, "
            "`make show-call ID=...` and `make enterprise NAME=...` point at its local AWS "
            "(or set AWS_ENDPOINT_URL=http://127.0.0.1:5000 with any credentials); against a "
            "deployed stage, your AWS credentials, region and OCP_STAGE."
        )
