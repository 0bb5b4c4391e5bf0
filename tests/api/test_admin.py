"""The operator command that creates an enterprise."""

from chalicelib.store import enterprises
from local import admin
from tests.conftest import session_header
from tests.examples import xml


def test_create_enterprise_prints_a_working_id_and_secret_once(aws, app_client, capsys):
    # Given the local bootstrap's enterprise 1 already exists
    enterprises.create("Local", secret="56789", eid=1)
    # When an operator creates another
    admin.main(["create-enterprise", "--name", "Acme"])
    out = capsys.readouterr().out
    eid = int(out.split("enterprise id:")[1].split()[0])
    secret = out.split("secret:")[1].split()[0]
    # Then it gets a fresh id (enterprise 1 is not overwritten) and its secret opens a session
    assert eid != 1
    assert enterprises.secret_of(1) == "56789"
    response = app_client.http.get(
        "/session", headers={"Authorization": session_header(eid, secret)}
    )
    assert response.status_code == 200
    assert len(xml(response.body).findtext("sessionId")) == 64


def test_without_credentials_a_command_says_so_in_a_line_not_a_traceback(tmp_path):
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env |= {
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_EC2_METADATA_DISABLED": "true",  # never ask an instance for credentials
        "AWS_CONFIG_FILE": str(tmp_path / "none"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"),
    }
    run = subprocess.run(
        [sys.executable, "-m", "local.admin", "show-call", "1"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 1
    assert run.stderr.startswith("cannot reach AWS: Unable to locate credentials.")
    assert "Traceback" not in run.stderr
