"""`make deploy`'s preflight (infra/preflight.py) and `make twilio-secret`
(infra/carrier_secret.py), against botocore's Stubber: no network, no credentials."""

from __future__ import annotations

import io
import json

import boto3
import pytest
from botocore.stub import ANY, Stubber

from infra import carrier_secret, preflight

TWILIO = [
    "--stage",
    "prod",
    "--carrier",
    "twilio",
    "--twilio-account-sid",
    "AC00000000000000000000000000000000",
    "--twilio-numbers",
    "+13035550110,+13035550111",
]


@pytest.fixture
def secrets():
    client = boto3.client(
        "secretsmanager",
        region_name="us-east-1",
        aws_access_key_id="stub",
        aws_secret_access_key="stub",
    )
    with Stubber(client) as stub:
        yield client, stub
        stub.assert_no_pending_responses()


def holds(stub: Stubber, value: str, name: str = "ocp-prod-twilio") -> None:
    stub.add_response(
        "get_secret_value",
        {"Name": name, "SecretString": value},
        {"SecretId": name},
    )


def missing(stub: Stubber, method: str = "get_secret_value") -> None:
    stub.add_client_error(
        method, service_error_code="ResourceNotFoundException", http_status_code=400
    )


def refused(argv: list[str], client=None) -> str:
    with pytest.raises(preflight.Refusal) as refusal:
        preflight.check(argv, client)
    return str(refusal.value)


def test_a_twilio_stage_with_its_secret_passes(secrets):
    client, stub = secrets
    holds(stub, json.dumps({"authToken": "0123456789abcdef0123456789abcdef"}))
    lines = preflight.check(TWILIO, client)
    assert "secret ocp-prod-twilio in us-east-1: authToken" in lines
    assert not [line for line in lines if "0123456789abcdef" in line]  # never the value
    assert lines[-1].endswith("the stage's own https URL (EndpointURL, after the deploy)")


def test_a_missing_secret_is_refused_with_the_command_that_makes_it(secrets):
    client, stub = secrets
    missing(stub)
    message = refused(TWILIO, client)
    assert "no secret named ocp-prod-twilio in us-east-1" in message
    assert "make twilio-secret STAGE=prod" in message


def test_a_secret_by_another_name_is_read_by_that_name(secrets):
    client, stub = secrets
    missing(stub)
    message = refused([*TWILIO, "--twilio-secret-name", "voice/twilio"], client)
    assert "no secret named voice/twilio" in message
    assert "--twilio-secret-name voice/twilio" in message


@pytest.mark.parametrize(
    "value",
    ["not json", "[]", json.dumps({"token": "x"}), json.dumps({"authToken": ""})],
)
def test_a_malformed_secret_is_refused_without_its_value(secrets, value):
    client, stub = secrets
    holds(stub, value)
    message = refused(TWILIO, client)
    assert 'not JSON with a non-empty "authToken"' in message
    assert "not json" not in message


def test_a_binary_secret_is_refused(secrets):
    client, stub = secrets
    stub.add_response(
        "get_secret_value",
        {"Name": "ocp-prod-twilio", "SecretBinary": b"\x00"},
        {"SecretId": "ocp-prod-twilio"},
    )
    assert 'not JSON with a non-empty "authToken"' in refused(TWILIO, client)


def test_signalwire_needs_the_signing_key(secrets):
    client, stub = secrets
    holds(stub, json.dumps({"authToken": "PT123"}))
    message = refused([*TWILIO, "--twilio-signature", "signalwire"], client)
    assert '"signingKey"' in message and "SIGNALWIRE=1" in message


def test_unreadable_credentials_name_the_error(secrets):
    client, stub = secrets
    stub.add_client_error("get_secret_value", service_error_code="AccessDeniedException")
    assert "(AccessDeniedException)" in refused(TWILIO, client)


@pytest.mark.parametrize(
    ("flags", "says"),
    [
        (["--twilio-numbers", "3035550110"], "--twilio-numbers: E.164"),
        (["--public-base-url", "http://voice.example.com"], "--public-base-url: an https://"),
        (["--twilio-account-sid", ""], "--twilio-account-sid"),
    ],
)
def test_wrong_flags_are_refused_before_any_aws_call(flags, says):
    """No client: a flag refused first never reads the secret (the Stubber is not needed)."""
    message = refused([*TWILIO, *flags])
    assert message.startswith("the stage's flags (INFRA_FLAGS): ") and says in message


def test_chime_numbers_are_checked_too():
    assert "--chime-numbers: E.164" in refused(
        ["--stage", "dev", "--carrier", "chime", "--chime-numbers", "3035550100"]
    )


def test_a_stage_without_twilio_needs_no_secret():
    """No client given and none made: the simulated stage reads nothing."""
    assert preflight.check(["--stage", "dev"]) == [
        "ocp-dev: flags checked (carrier simulated, texts eum)"
    ]


def test_main_prints_the_refusal_and_exits_2(secrets, capsys, monkeypatch):
    client, stub = secrets
    missing(stub)
    monkeypatch.setattr(boto3, "client", lambda *a, **k: client)
    assert preflight.main(TWILIO) == 2
    assert capsys.readouterr().err.startswith("make deploy refused: no secret named")


# -- make twilio-secret ---------------------------------------------------------------------


def test_the_token_from_stdin_creates_the_stage_s_secret(secrets, capsys):
    client, stub = secrets
    missing(stub, "put_secret_value")
    stub.add_response(
        "create_secret",
        {"Name": "ocp-prod-twilio", "VersionId": "v1" * 16},
        {
            "Name": "ocp-prod-twilio",
            "Description": ANY,
            "SecretString": json.dumps({"authToken": "tok123"}),
        },
    )
    code = carrier_secret.main(["--stage", "prod"], stdin=io.StringIO("tok123\n"), client=client)
    assert code == 0
    err = capsys.readouterr().err
    assert "created ocp-prod-twilio" in err and "tok123" not in err


def test_an_existing_secret_gets_a_new_version_with_the_signing_key(secrets):
    client, stub = secrets
    stub.add_response(
        "put_secret_value",
        {"Name": "ocp-dev-twilio", "VersionId": "v2" * 16},
        {
            "SecretId": "ocp-dev-twilio",
            "SecretString": json.dumps({"authToken": "PT1", "signingKey": "PSK2"}),
        },
    )
    stdin = io.StringIO("PT1\nPSK2\n")
    assert carrier_secret.main(["--stage", "dev", "--signing-key"], stdin=stdin, client=client) == 0


def test_a_rotation_keeps_the_previous_token(secrets):
    client, stub = secrets
    holds(stub, json.dumps({"authToken": "old"}), name="ocp-dev-twilio")
    stub.add_response(
        "put_secret_value",
        {"Name": "ocp-dev-twilio", "VersionId": "v3" * 16},
        {
            "SecretId": "ocp-dev-twilio",
            "SecretString": json.dumps({"authToken": "new", "previousAuthToken": "old"}),
        },
    )
    stdin = io.StringIO("new\n")
    assert (
        carrier_secret.main(["--stage", "dev", "--keep-previous"], stdin=stdin, client=client) == 0
    )


@pytest.mark.parametrize("given", ["", "\n", "two words\n"])
def test_an_empty_or_spaced_token_writes_nothing(secrets, given, capsys):
    client, _ = secrets  # no response queued: any call would fail the Stubber
    assert carrier_secret.main(["--stage", "dev"], stdin=io.StringIO(given), client=client) == 2
    assert "one line, no spaces, not empty" in capsys.readouterr().err


def test_no_region_is_refused_before_any_call(monkeypatch):
    from botocore.exceptions import NoRegionError

    def no_region(*args, **kwargs):
        raise NoRegionError()

    monkeypatch.setattr(boto3, "client", no_region)  # as with no region configured
    assert refused(TWILIO).startswith("no AWS region")
