"""tests/infra: the prod stack, synthesised once per test session and shared.

Synthesis runs `python -m infra` in a subprocess, as `make synth` does: with no
AWS credentials or OCP settings in its environment, and with no network at all
where `unshare -n` can give it an empty network namespace (as root, on the CI
machine). A subprocess also keeps `chalice package`'s changes to os.environ and
sys.path, and the CDK's Node.js process, out of the test workers. With xdist,
the first worker to get the lock synthesises; the others read its output.
Without Node.js (`local/prerequisites.py`), every test that needs a template is
skipped with the reason; the others (gateway responses, stage names, bundling) run.

The workflows synthesised are chalicelib/workflows/'s (WORKFLOWS).
"""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
STAGE = "prod"
ALARM_EMAIL = "ops@example.com"
WORKFLOWS = ROOT / "chalicelib" / "workflows"


@dataclass
class Synth:
    outdir: Path
    workflows: Path
    network_isolated: bool

    @property
    def template(self) -> dict[str, Any]:
        return json.loads((self.outdir / f"ocp-{STAGE}.template.json").read_text())

    @property
    def metadata(self) -> dict[str, Any]:
        return json.loads((self.outdir / f"ocp-{STAGE}.metadata.json").read_text())

    @property
    def template_path(self) -> Path:
        return self.outdir / f"ocp-{STAGE}.template.json"


# The origination identity texts are sent from (End User Messaging's id of a number).
SMS_IDENTITY = "phone-0123456789abcdef0123456789abcdef"


@pytest.fixture(scope="session")
def synth(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Synth:
    return _shared_synth(
        tmp_path_factory, _worker_id(request), "infra-synth", "--sms-identity", SMS_IDENTITY
    )


def _worker_id(request: pytest.FixtureRequest) -> str:
    """xdist's worker id, "master" without xdist (`-p no:xdist` works too)."""
    return getattr(request.config, "workerinput", {}).get("workerid", "master")


# The chime carrier's stage (infra/chime.py): its caller-id pool and pace; and without the
# WAF web ACL, which a prod stage may turn off (infra/waf.py, tests/infra/test_hardening.py).
CHIME_NUMBERS = ("+13035550100", "+13035550101")
CHIME_CALLS_PER_SECOND = 2


@pytest.fixture(scope="session")
def chime_synth(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Synth:
    return _shared_synth(
        tmp_path_factory,
        _worker_id(request),
        "infra-synth-chime",
        "--carrier",
        "chime",
        "--chime-numbers",
        ",".join(CHIME_NUMBERS),
        "--chime-calls-per-second",
        str(CHIME_CALLS_PER_SECOND),
        "--no-waf",
    )


# The twilio carrier's stage (infra/twilio.py, docs/twilio-deploy.md).
TWILIO_ACCOUNT_SID = "AC00000000000000000000000000000000"
TWILIO_NUMBERS = ("+13035550110", "+13035550111")
TWILIO_SECRET_NAME = "ocp-prod-twilio"
# A custom domain's, for the stages given one (without synthesis).
PUBLIC_BASE_URL = "https://voice.example.com"
TWILIO_CALLS_PER_SECOND = 5
TWILIO_CONCURRENT_CALLS = 20


@pytest.fixture(scope="session")
def twilio_synth(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Synth:
    return _shared_synth(
        tmp_path_factory,
        _worker_id(request),
        "infra-synth-twilio",
        "--carrier",
        "twilio",
        "--twilio-account-sid",
        TWILIO_ACCOUNT_SID,
        "--twilio-numbers",
        ",".join(TWILIO_NUMBERS),
        # No --public-base-url: the stage's own URL, as docs/twilio-deploy.md deploys it.
        "--calls-per-second",
        str(TWILIO_CALLS_PER_SECOND),
        "--concurrent-calls",
        str(TWILIO_CONCURRENT_CALLS),
    )


def _shared_synth(
    tmp_path_factory: pytest.TempPathFactory,
    worker_id: str,
    name: str,
    *flags: str,
) -> Synth:
    from local import prerequisites

    node = prerequisites.node()
    if not node.ok:
        # The CDK's jsii kernel runs in Node.js: without it nothing can be synthesised.
        pytest.skip(f"Node.js is needed to synthesise the stack: {node.detail}")
    base = tmp_path_factory.getbasetemp()
    shared = base if worker_id == "master" else base.parent
    target = shared / name
    with open(shared / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        result_file = target / "result.json"
        if not result_file.exists():
            target.mkdir(parents=True, exist_ok=True)
            result_file.write_text(json.dumps(_synthesise(target, flags)))
    result = json.loads(result_file.read_text())
    if result["returncode"] != 0:
        pytest.fail(
            f"`python -m infra` failed ({result['returncode']}):\n{result['stderr']}", pytrace=False
        )
    return Synth(target / "out", Path(result["workflows"]), result["network_isolated"])


def _synthesise(target: Path, flags: tuple[str, ...] = ()) -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "OCP_", "CDK_"))}
    command = [
        sys.executable,
        "-m",
        "infra",
        "--stage",
        STAGE,
        "--outdir",
        str(target / "out"),
        "--build-dir",
        str(target / "build"),
        "--workflows",
        str(WORKFLOWS),
        "--alarm-email",
        ALARM_EMAIL,
        *flags,
    ]
    isolated = can_unshare_network()
    if isolated:
        command = ["unshare", "--net", *command]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    return {
        "returncode": done.returncode,
        "stderr": done.stderr[-20000:],
        "workflows": str(WORKFLOWS),
        "network_isolated": isolated,
    }


def can_unshare_network() -> bool:
    try:
        return subprocess.run(["unshare", "--net", "true"], capture_output=True).returncode == 0
    except FileNotFoundError:
        return False


# -- reading the template --------------------------------------------------------


def resources(template: dict[str, Any], type_: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == type_}


def one(template: dict[str, Any], type_: str, **properties: Any) -> tuple[str, dict[str, Any]]:
    """The one resource of this type whose properties include these values."""
    found = [
        (k, v)
        for k, v in resources(template, type_).items()
        if all(v["Properties"].get(p) == value for p, value in properties.items())
    ]
    assert len(found) == 1, f"{len(found)} {type_} with {properties}"
    return found[0]


def get_att(logical_id: str, attribute: str = "Arn") -> dict[str, Any]:
    return {"Fn::GetAtt": [logical_id, attribute]}


def listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def role_statements(template: dict[str, Any], role_id: str) -> list[dict[str, Any]]:
    """Every statement granted to a role: inline, and in policies attached to it."""
    statements = []
    role = template["Resources"][role_id]
    for policy in role["Properties"].get("Policies", []):
        statements += policy["PolicyDocument"]["Statement"]
    for policy in resources(template, "AWS::IAM::Policy").values():
        if {"Ref": role_id} in policy["Properties"].get("Roles", []):
            statements += policy["Properties"]["PolicyDocument"]["Statement"]
    return statements


def function_role_id(template: dict[str, Any], function_id: str) -> str:
    role = template["Resources"][function_id]["Properties"]["Role"]
    assert set(role) == {"Fn::GetAtt"} and role["Fn::GetAtt"][1] == "Arn", role
    return role["Fn::GetAtt"][0]
