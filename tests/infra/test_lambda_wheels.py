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
PY312_X86 = Platform("x86_64", "3.12")  # Amazon Linux 2023: glibc 2.34
PY312_ARM = Platform("arm64", "3.12")
# The blast decoder (media/transcode.py) and what it needs with compiled code, and the web
# console's (cryptography for its operators' tokens, markupsafe's speed-ups for Jinja2)
DECODER = ("cffi", "cryptography", "markupsafe", "numpy", "soundfile", "soxr")


def wheel(filename: str, digest: str = "ab" * 32) -> dict:
    return {"url": f"{FILES}/{filename}", "hash": f"sha256:{digest}"}


def test_the_platform_is_the_one_the_stack_deploys_today():
    assert (TARGET.architecture, TARGET.python_version) == (ARCHITECTURE, "3.12")
    assert (TARGET.runtime, TARGET.machine, TARGET.glibc) == ("python3.12", "aarch64", (2, 34))
    assert PY312_ARM.machine == "aarch64" and PY311_X86.glibc == (2, 26)
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


def test_a_compiled_package_s_pure_wheel_is_never_taken_for_its_build():
    # soundfile publishes both: the pure one expects a libsndfile on the system
    wheels = [
        wheel("soundfile-0.14.0-py2.py3-none-any.whl"),
        wheel("soundfile-0.14.0-py2.py3-none-manylinux_2_28_x86_64.whl"),
    ]
    chosen = choose(PY312_X86, "soundfile", "0.14.0", wheels)
    assert chosen.filename == "soundfile-0.14.0-py2.py3-none-manylinux_2_28_x86_64.whl"
    with pytest.raises(LambdaWheelError, match=r"soundfile 0\.14\.0 has no wheel .* arm64"):
        choose(PY312_ARM, "soundfile", "0.14.0", wheels)


def test_a_wheel_for_a_newer_glibc_than_the_runtime_s_is_not_taken():
    wheels = [wheel("x-1.0-cp311-cp311-manylinux_2_28_x86_64.whl")]
    with pytest.raises(LambdaWheelError, match=r"python3\.11 on x86_64 .*glibc 2\.26"):
        choose(PY311_X86, "x", "1.0", wheels)
    wheels = [wheel("x-1.0-cp312-cp312-manylinux_2_28_aarch64.whl")]
    assert choose(PY312_ARM, "x", "1.0", wheels).filename.endswith("manylinux_2_28_aarch64.whl")


def test_the_locked_wheels_for_today_s_platform():
    names = [w.filename for w in required(PY312_X86)]
    assert names == [
        "cffi-2.1.1-cp312-cp312-manylinux2014_x86_64.manylinux_2_17_x86_64.whl",
        "cryptography-50.0.2-cp311-abi3-manylinux_2_34_x86_64.whl",
        "markupsafe-3.0.4-cp312-cp312-manylinux2014_x86_64.manylinux_2_17_x86_64."
        "manylinux_2_28_x86_64.whl",
        "numpy-2.4.6-cp312-cp312-manylinux_2_27_x86_64.manylinux_2_28_x86_64.whl",
        "soundfile-0.14.0-py2.py3-none-manylinux_2_28_x86_64.whl",
        "soxr-1.1.0-cp312-abi3-manylinux_2_27_x86_64.manylinux_2_28_x86_64.whl",
    ]


@pytest.mark.parametrize("architecture", ["x86_64", "arm64"])
@pytest.mark.parametrize("python_version", ["3.12", "3.13"])
def test_the_decoder_resolves_on_both_machines_for_every_amazon_linux_2023_python(
    architecture, python_version
):
    # Given the platform issue 15 may choose (infra/lambda_platform.py)
    platform = Platform(architecture, python_version)
    # When uv.lock's wheels are chosen for it
    wheels = {w.name: w.filename for w in required(platform)}
    # Then every compiled distribution has its build, for that machine and Python
    assert tuple(wheels) == DECODER
    cp = f"cp{python_version.replace('.', '')}"
    for name, filename in wheels.items():
        assert filename.endswith(f"_{platform.machine}.whl"), filename
        assert name == "soundfile" or f"-{cp}-" in filename or "-abi3-" in filename


@pytest.mark.parametrize("architecture", ["x86_64", "arm64"])
def test_python_3_11_cannot_carry_the_decoder_and_says_so(architecture):
    # python3.11 runs on Amazon Linux 2 (glibc 2.26); numpy 2.3+, soxr 1.0+ and every
    # soundfile with an arm64 build need glibc 2.27 or 2.28 (docs/deploy.md "Offline packaging")
    with pytest.raises(LambdaWheelError, match=r"has no wheel .*python3\.11 .*glibc 2\.26"):
        required(Platform(architecture, "3.11"))


def test_a_compiled_distribution_without_the_platform_s_wheel_is_refused(tmp_path):
    # Given a pin whose lock entry (a fixture) has a wheel for x86_64 only: lameenc, a
    # compiled distribution installed here for the tests
    from importlib import metadata

    version = metadata.version("lameenc")
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(f'[project]\ndependencies = ["lameenc=={version}"]\n')
    lock = tmp_path / "uv.lock"
    lock.write_text(
        f'[[package]]\nname = "lameenc"\nversion = "{version}"\nwheels = [\n'
        f'  {{ url = "{FILES}/lameenc-{version}-cp312-cp312-manylinux_2_17_x86_64.whl", '
        f'hash = "sha256:{"ab" * 32}" }},\n]\n'
    )
    # Then x86_64 gets it, and arm64 is refused with what to do
    assert [w.name for w in required(PY312_X86, lock=lock, pyproject=pyproject)] == ["lameenc"]
    with pytest.raises(LambdaWheelError) as refused:
        required(PY312_ARM, lock=lock, pyproject=pyproject)
    assert str(refused.value).startswith(
        f"lameenc {version} has no wheel in uv.lock for Lambda's python3.12 on arm64 "
        "(Linux aarch64, glibc 2.34): its project publishes none on PyPI"
    )
    assert "Keep infra/lambda_platform.py on a platform it publishes" in str(refused.value)


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


@pytest.mark.parametrize("platform", [PY312_X86, PY312_ARM], ids=lambda p: p.name)
def test_make_fetches_with_the_lock_s_hashes_once(tmp_path, platform):
    uv, log = fake_uv(tmp_path)
    target = lambda_wheels.fetch(platform, cache=tmp_path / "cache", uv=uv)
    args = log.read_text().split()
    assert {"--require-hashes", "--no-deps", "--no-build"} <= set(args)
    assert args[args.index("--python-version") + 1] == "3.12"
    assert args[args.index("--python-platform") + 1] == f"{platform.machine}-manylinux_2_34"
    assert (target / "requirements.txt").read_text() == lambda_wheels.manifest(required(platform))
    assert target == tmp_path / "cache" / platform.name
    assert (target / "cffi").is_dir()
    # up to date: uv is not run again
    log.unlink()
    assert lambda_wheels.fetch(platform, cache=tmp_path / "cache", uv=uv) == target
    assert not log.exists()


def test_synthesis_without_the_fetched_wheels_says_to_run_make(tmp_path):
    with pytest.raises(LambdaWheelError, match="run `make`"):
        lambda_wheels.installed("soundfile", "0.14.0", PY312_X86, cache=tmp_path)
    stale = tmp_path / PY312_X86.name
    stale.mkdir()
    (stale / "requirements.txt").write_text("soundfile @ https://old --hash=sha256:00\n")
    with pytest.raises(LambdaWheelError, match=r"not the ones uv\.lock pins"):
        lambda_wheels.installed("soundfile", "0.14.0", PY312_X86, cache=tmp_path)


# -- the synthesised stage agrees with the platform ---------------------------------------

ELF_MACHINES = {"x86_64": 62, "aarch64": 183}  # e_machine: EM_X86_64, EM_AARCH64


def test_every_compiled_file_in_the_package_is_built_for_the_platform(synth):
    vendor = synth.outdir.parent / "build" / "prod" / "project" / "vendor"
    shared = [p for p in vendor.rglob("*.so*") if p.is_file()]  # numpy.libs: lib*.so.5.0.0
    soundfile_lib = "libsndfile_arm64.so" if TARGET.machine == "aarch64" else "libsndfile_x86_64.so"
    assert {p.name for p in shared} >= {soundfile_lib, "soxr_ext.abi3.so"}
    assert any(p.name.startswith("_multiarray_umath.") for p in shared)
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
