"""`make twilio-secret STAGE=prod`: the stage's Twilio secret, from standard input.

Reads the auth token (Twilio) or API token (SignalWire, then its signing key with
`--signing-key`, SIGNALWIRE=1) from standard input, never the command line: typed at a
terminal without echo, or piped (`pass show twilio | make twilio-secret STAGE=prod`). Writes
`{"authToken": ..., "signingKey": ...}` into Secrets Manager under the name the stage reads
(`ocp-{stage}-twilio`, or `--twilio-secret-name` in INFRA_FLAGS), with your credentials'
account and region: created, or a new version of the one there. Prints the name and the
version, never the value. Rotation (docs/twilio-deploy.md "Rotating the auth token") writes
`previousAuthToken` too, with `--keep-previous`.
"""

from __future__ import annotations

import getpass
import json
import sys
from typing import IO, Any

from infra.preflight import Refusal


def read_value(stream: IO[str], prompt: str) -> str:
    """One line: without echo at a terminal, else as piped."""
    value = (getpass.getpass(prompt) if stream.isatty() else stream.readline()).strip()
    if not value or any(c.isspace() for c in value):
        raise Refusal(f"{prompt.strip(': ')}: one line, no spaces, not empty")
    return value


def secret_value(
    token: str, signing_key: str | None = None, previous: str | None = None
) -> dict[str, str]:
    value = {"authToken": token}
    if signing_key:
        value["signingKey"] = signing_key
    if previous:
        value["previousAuthToken"] = previous
    return value


def write(client: Any, name: str, stage: str, value: dict[str, str]) -> str:
    """Create the secret, or put a new version of it: the version id."""
    text = json.dumps(value)
    try:
        answer = client.put_secret_value(SecretId=name, SecretString=text)
        return f"new version {answer['VersionId']} of {name}"
    except client.exceptions.ResourceNotFoundException:
        answer = client.create_secret(
            Name=name,
            Description=f"OCP {stage}: the Twilio auth token (docs/twilio-deploy.md)",
            SecretString=text,
        )
        return f"created {name} (version {answer['VersionId']})"


def previous_token(client: Any, name: str) -> str | None:
    """The authToken the secret holds now (for a rotation's previousAuthToken)."""
    try:
        data = json.loads(client.get_secret_value(SecretId=name)["SecretString"])
    except (client.exceptions.ResourceNotFoundException, ValueError, KeyError):
        return None
    token = data.get("authToken") if isinstance(data, dict) else None
    return token if isinstance(token, str) and token else None


def main(argv: list[str] | None = None, stdin: IO[str] | None = None, client: Any = None) -> int:
    from infra.__main__ import parser as stage_parser

    parser = stage_parser("python -m infra.carrier_secret", __doc__.splitlines()[0])
    parser.add_argument(
        "--signing-key",
        action="store_true",
        help="SignalWire: read its signing key too, after the API token",
    )
    parser.add_argument(
        "--keep-previous",
        action="store_true",
        help="rotation: keep the token the secret holds as previousAuthToken",
    )
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    stream = stdin or sys.stdin
    name = args.twilio_secret_name or f"ocp-{args.stage}-twilio"
    try:
        if client is None:
            import boto3

            client = boto3.client("secretsmanager")
        token = read_value(stream, "auth token (or API token): ")
        key = read_value(stream, "signing key: ") if args.signing_key else None
        previous = previous_token(client, name) if args.keep_previous else None
        if previous == token:
            previous = None
        done = write(client, name, args.stage, secret_value(token, key, previous))
    except Refusal as refusal:
        print(f"twilio-secret: {refusal}", file=sys.stderr)
        return 2
    except Exception as error:
        code = getattr(error, "response", {}).get("Error", {}).get("Code") or type(error).__name__
        print(f"twilio-secret: could not write {name} ({code}): nothing written", file=sys.stderr)
        return 1
    print(f"twilio-secret: {done} in {client.meta.region_name}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
