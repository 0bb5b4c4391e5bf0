"""What this project needs on a developer's machine, checked with a clear message.

Standard library only: it runs before `.venv` exists (`make` checks Python with it
before installing anything).

  python3 -m local.prerequisites          # everything, one line each (`make doctor`)
  python3 -m local.prerequisites python   # exit 1 with a message unless Python fits
  python3 -m local.prerequisites node     # exit 1 unless Node.js is there (synth, deploy)

| what | needed for | versions |
|---|---|---|
| Python | everything | `.python-version` (3.12), within requires-python |
| make | everything | any |
| Node.js | `make synth`, `make deploy`, tests/infra (skipped without it) | 22 or 24 |
| npx (comes with Node.js) | `make deploy`, `make bootstrap`, `make destroy` | |
| AWS credentials | `make deploy` and the deployed-* targets only | |

Node.js runs the CDK's jsii kernel. jsii 1.142 supports each Node.js release until six
months after its end of life (its NodeRelease table, checked in tests/infra): 20 until
2026-10-30, 22 until 2027-10-30, 24 until 2028-10-30. An older release still works but
jsii prints a warning at every synthesis.
"""

from __future__ import annotations

import datetime
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass

PYPROJECT = os.path.join(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "pyproject.toml"
)
# Node.js major -> the last day jsii 1.142 supports it (end of life + 6 months).
NODE_JSII_SUPPORT_ENDS = {
    18: datetime.date(2025, 11, 30),
    20: datetime.date(2026, 10, 30),
    22: datetime.date(2027, 10, 30),
    24: datetime.date(2028, 10, 30),
}
NODE_ADVICE = "install Node.js 22 or 24 (https://nodejs.org, or your package manager)"


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool  # usable: False means what needs it cannot run
    detail: str
    warning: str | None = None


def python_supported() -> tuple[tuple[int, int], tuple[int, int]]:
    """The lowest and the first unsupported Python, from pyproject.toml's requires-python
    (">=3.11,<3.14"): read with a pattern, as this may run on a Python without tomllib."""
    with open(PYPROJECT, encoding="utf-8") as f:
        text = f.read()
    spec = re.search(r'^requires-python\s*=\s*"([^"]+)"', text, re.M)
    low = re.search(r">=\s*(\d+)\.(\d+)", spec.group(1)) if spec else None
    high = re.search(r"<\s*(\d+)\.(\d+)", spec.group(1)) if spec else None
    return (
        (int(low.group(1)), int(low.group(2))) if low else (3, 0),
        (int(high.group(1)), int(high.group(2))) if high else (4, 0),
    )


def project_python() -> tuple[str, str | None, tuple[int, int] | None]:
    """The Python uv makes .venv with: `.python-version`'s, found on PATH as
    `python{X.Y}` (pyenv's shims included), and its version; uv never downloads one."""
    with open(os.path.join(os.path.dirname(PYPROJECT), ".python-version"), encoding="utf-8") as f:
        wanted = f.read().strip()
    executable = shutil.which(f"python{wanted}")
    if executable is None:
        return wanted, None, None
    run = subprocess.run(
        [executable, "-c", "import sys; print(*sys.version_info[:2])"],
        capture_output=True,
        text=True,
    )
    if run.returncode != 0:  # a pyenv shim for a version that is not installed
        return wanted, None, None
    major, minor = run.stdout.split()
    return wanted, executable, (int(major), int(minor))


def python(version: tuple[int, int] | None = None) -> Check:
    executable: str | None = sys.executable
    if version is None:
        wanted, executable, version = project_python()
        if version is None:
            return Check(
                "Python",
                False,
                f"python{wanted} not found: this project runs Python {wanted} "
                f"(.python-version, the Lambda functions' own); install it (pyenv install "
                f"{wanted}, or the system's package)",
            )
    found = version
    low, high = python_supported()
    shown = ".".join(map(str, found))
    if low <= found < high:
        return Check("Python", True, f"{shown} ({executable})")
    return Check(
        "Python",
        False,
        f"{shown} found; this project needs Python >={low[0]}.{low[1]},<{high[0]}.{high[1]} "
        f"as `python3` (pyproject.toml requires-python)",
    )


def node_version() -> str | None:
    """`node --version` without its `v`, or None when Node.js is not on PATH."""
    executable = shutil.which("node")
    if executable is None:
        return None
    try:
        done = subprocess.run([executable, "--version"], capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip().lstrip("v") or None


def node(version: str | None = None, today: datetime.date | None = None) -> Check:
    found = node_version() if version is None else version
    if not found:
        return Check(
            "Node.js",
            False,
            f"not found; `make synth`, deploys and tests/infra need it: {NODE_ADVICE}",
        )
    match = re.match(r"(\d+)", found)
    major = int(match.group(1)) if match else 0
    ends = NODE_JSII_SUPPORT_ENDS.get(major)
    today = today or datetime.date.today()
    if ends is None or today > ends:
        why = (
            f"past jsii's support since {ends.isoformat()}"
            if ends is not None
            else "not a release jsii supports"
        )
        return Check(
            "Node.js",
            True,
            found,
            warning=f"Node.js {found} is {why}; it may work, with a warning at each synthesis: "
            f"{NODE_ADVICE}",
        )
    return Check("Node.js", True, f"{found} (jsii supports it until {ends.isoformat()})")


def npx() -> Check:
    found = shutil.which("npx")
    if found:
        return Check("npx", True, found)
    return Check("npx", False, "not found; it comes with Node.js and runs the CDK CLI for deploys")


def aws_credentials() -> Check:
    names = ("AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_CONTAINER_CREDENTIALS_FULL_URI")
    configured = (
        any(os.environ.get(n) for n in names)
        or os.path.exists(os.path.expanduser("~/.aws/credentials"))
        or os.path.exists(os.path.expanduser("~/.aws/config"))
    )
    if configured:
        return Check("AWS credentials", True, "configured (used by deploys only)")
    return Check(
        "AWS credentials",
        True,
        "none found: fine for everything but deploys",
    )


def main(argv: list[str]) -> int:
    what = argv[0] if argv else "all"
    if what == "python":
        checks = [python()]
    elif what == "node":
        checks = [node()]
    else:
        checks = [python(), Check("make", True, "found"), node(), npx(), aws_credentials()]
    quiet = what != "all"
    for check in checks:
        if not check.ok:
            print(f"{check.name}: {check.detail}", file=sys.stderr)
        elif not quiet:
            print(f"{check.name + ':':17} {check.detail}")
        if check.warning:
            print(f"warning: {check.warning}", file=sys.stderr)
    # `make doctor` fails only for what everything needs: Python.
    required = checks if quiet else checks[:1]
    return 0 if all(c.ok for c in required) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
