"""The Lambda builds of compiled runtime dependencies: which wheel of uv.lock fits the
platform of infra/lambda_platform.py, the cache `make` fills with it, and the package
and template agreeing with that platform. No network: uv is a stand-in here."""

from __future__ import annotations

import stat
import sys
from pathlib import Path

import pytest

from infra import lambda_wheels
from infra.lambda_platform import ARCHITECTURE, TARGET, Platform
from infra.lambda_wheels import LambdaWheelError, choose, required
from tests.infra.conftest import resources

FILES = "https://files.pythonhosted.org/packages/aa/bb"
PY311_X86 = Platform("x86_64", "3.11")  # Amazon Linux 2: glibc 2.26
PY312_ARM = Platform("arm64", "3.12")  # Amazon Linux 2023: glibc 2.34


def wheel(filename: str, digest: str = "ab" * 32) -> dict:
    return {"url": f"{FILES}/{filename}", "hash": f"sha256:{digest}"}


def test_the_platform_is_the_one_the_stack_deploys_today():
    assert (TARGET.architecture, TARGET.python_version) == (ARCHITECTURE, "3.11")
    assert (TARGET.runtime, TARGET.machine, TARGET.glibc) == ("python3.11", "x86_64", (2, 26))
    assert PY312_ARM.machine == "aarch64" and PY312_ARM.glibc == (2, 34)
    with pytest.raises(ValueError, match="x86_64 or arm64"):
        Platform("aarch64", "3.11")


def test_the_best_wheel_for_the_platform_is_chosen():
    wheels = [
        wheel("x-1.0-cp311-cp311-macosx_11_0_arm64.whl"),
        wheel("x-1.0-cp311-cp311-musllinux_1_2_x86_64.whl"),
        wheel("x-1.0-cp311-abi3-manylinux2014_x86_64.whl"),
        wheel("x-1.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl", "cd" * 32),
        wheel("x-1.0-cp311-cp311-manylinux_2_17_aarch64.manylinux2014_aarch64.whl"),
        wheel("x-1.0-cp312-cp312-manylinux_2_17_x86_64.whl"),
        wheel("x-1.0-py3-none-any.whl"),
    ]
    chosen = choose(PY311_X86, "x", "1.0", wheels)
    # its own CPython ABI before abi3, and before pure Python
    assert chosen.filename == "x-1.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"
    assert chosen.requirement == f"x @ {FILES}/{chosen.filename} --hash=sha256:{'cd' * 32}"
    assert choose(PY312_ARM, "x", "1.0", wheels).filename == "x-1.0-py3-none-any.whl"


def test_a_wheel_for_a_newer_glibc_than_the_runtime_s_is_not_taken():
    wheels = [wheel("x-1.0-cp311-cp311-manylinux_2_28_x86_64.whl")]
    with pytest.raises(LambdaWheelError, match=r"python3\.11 on x86_64 .*glibc 2\.26"):
        choose(PY311_X86, "x", "1.0", wheels)
    wheels = [wheel("x-1.0-cp312-cp312-manylinux_2_28_aarch64.whl")]
    assert choose(PY312_ARM, "x", "1.0", wheels).filename.endswith("manylinux_2_28_aarch64.whl")


def test_the_locked_wheels_for_today_s_platform():
    names = [w.filename for w in required(PY311_X86)]
    assert names == [
        "cffi-2.1.1-cp311-cp311-manylinux2014_x86_64.manylinux_2_17_x86_64.whl",
        "miniaudio-1.71-cp311-cp311-manylinux_2_24_x86_64.manylinux_2_28_x86_64.whl",
    ]


def test_miniaudio_publishes_no_linux_arm64_wheel_and_says_so():
    # PyPI has miniaudio for Linux x86_64 only (README "Lambda platform")
    with pytest.raises(LambdaWheelError, match=r"miniaudio 1\.71 has no wheel .* arm64"):
        required(Platform("arm64", "3.11"))


def fake_uv(tmp_path: Path) -> tuple[str, Path]:
    """A stand-in for uv that records its arguments and installs an empty distribution."""
    log = tmp_path / "uv-args"
    script = tmp_path / "uv"
    script.write_text(
        f"#!{sys.executable}\n"
        "import sys, pathlib\n"
        f"pathlib.Path({str(log)!r}).write_text(' '.join(sys.argv[1:]))\n"
        "target = pathlib.Path(sys.argv[sys.argv.index('--target') + 1])\n"
        "(target / 'cffi').mkdir()\n"
    )
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return str(script), log


def test_make_fetches_with_the_lock_s_hashes_once(tmp_path):
    uv, log = fake_uv(tmp_path)
    target = lambda_wheels.fetch(PY311_X86, cache=tmp_path / "cache", uv=uv)
    args = log.read_text().split()
    assert {"--require-hashes", "--no-deps", "--no-build"} <= set(args)
    assert args[args.index("--python-version") + 1] == "3.11"
    assert args[args.index("--python-platform") + 1] == "x86_64-manylinux_2_28"
    assert (target / "requirements.txt").read_text() == lambda_wheels.manifest(required(PY311_X86))
    assert (target / "cffi").is_dir()
    # up to date: uv is not run again
    log.unlink()
    assert lambda_wheels.fetch(PY311_X86, cache=tmp_path / "cache", uv=uv) == target
    assert not log.exists()


def test_synthesis_without_the_fetched_wheels_says_to_run_make(tmp_path):
    with pytest.raises(LambdaWheelError, match="run `make`"):
        lambda_wheels.installed("miniaudio", "1.71", PY311_X86, cache=tmp_path)
    stale = tmp_path / PY311_X86.name
    stale.mkdir()
    (stale / "requirements.txt").write_text("miniaudio @ https://old --hash=sha256:00\n")
    with pytest.raises(LambdaWheelError, match=r"not the ones uv\.lock pins"):
        lambda_wheels.installed("miniaudio", "1.71", PY311_X86, cache=tmp_path)


# -- the synthesised stage agrees with the platform ---------------------------------------

ELF_MACHINES = {"x86_64": 62, "aarch64": 183}  # e_machine: EM_X86_64, EM_AARCH64


def test_every_compiled_file_in_the_package_is_built_for_the_platform(synth):
    vendor = synth.outdir.parent / "build" / "prod" / "project" / "vendor"
    shared = list(vendor.rglob("*.so"))
    assert {p.name for p in shared} >= {"_miniaudio.abi3.so"}
    for path in shared:
        header = path.read_bytes()[:20]
        assert header[:4] == b"\x7fELF", path
        assert int.from_bytes(header[18:20], "little") == ELF_MACHINES[TARGET.machine], path
    assert not (vendor / "bin").exists()


def test_every_function_runs_on_the_platform(synth):
    functions = resources(synth.template, "AWS::Serverless::Function")
    assert "APIHandler" in functions
    for logical_id, function in functions.items():
        properties = function["Properties"]
        assert properties["Runtime"] == TARGET.runtime, logical_id
        assert properties.get("Architectures", ["x86_64"]) == [TARGET.architecture], logical_id
