"""The Lambda package's dependencies come from the installed, pinned, pure-Python
distributions, so `chalice package` needs no pip and no network."""

from __future__ import annotations

import json
import sys

import pytest

from infra.bundle import BundleError, add_stage, runtime_distributions, stage_project
from tests.infra.conftest import ROOT


def names(dists) -> set[str]:
    return {d.metadata["Name"].lower().replace("_", "-") for d in dists}


def test_the_runtime_requirements_and_what_they_need_boto3_included():
    found = names(runtime_distributions(ROOT / "pyproject.toml"))
    assert {
        "pynamodb",
        "phonenumbers",
        "email-validator",
        "dnspython",
        "idna",
        "python-multipart",
    } <= found
    # The boto3 the tests ran with, not the runtime's older copy
    assert {
        "boto3",
        "botocore",
        "s3transfer",
        "jmespath",
        "urllib3",
        "python-dateutil",
        "six",
    } <= found


def test_a_version_other_than_the_pin_is_refused(tmp_path):
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[project]\ndependencies = ["phonenumbers==0.0.1"]\n')
    with pytest.raises(BundleError, match=r"pins 0\.0\.1"):
        runtime_distributions(pyproject)


def test_a_loose_pin_is_refused(tmp_path):
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[project]\ndependencies = ["phonenumbers>=9"]\n')
    with pytest.raises(BundleError, match="not an exact pin"):
        runtime_distributions(pyproject)


def test_compiled_code_without_a_lambda_build_is_refused(tmp_path):
    from importlib import metadata

    pyproject = tmp_path / "pyproject.toml"
    # lameenc, installed for the tests only, ships a C extension built for this machine,
    # and `make` fetched no Lambda build of it
    version = metadata.version("lameenc")
    pyproject.write_text(f'[project]\ndependencies = ["lameenc=={version}"]\n')
    with pytest.raises(BundleError, match=r"lameenc has compiled code.*run `make`"):
        runtime_distributions(pyproject)


def test_a_platform_wheel_is_not_pure_even_when_it_says_root_is_purelib():
    from importlib import metadata

    from infra.bundle import pure

    # soundfile's Linux wheels: Root-Is-Purelib true, tagged manylinux, libsndfile inside
    soundfile = metadata.distribution("soundfile")
    assert "Root-Is-Purelib: true" in soundfile.read_text("WHEEL")
    assert not pure(soundfile)
    assert pure(metadata.distribution("phonenumbers"))
    assert not pure(metadata.distribution("numpy"))


def test_compiled_code_comes_from_the_lambda_build_not_this_machine():
    from infra.lambda_platform import TARGET
    from infra.lambda_wheels import CACHE

    dists = {d.metadata["Name"]: d for d in runtime_distributions(ROOT / "pyproject.toml")}
    for name in ("soundfile", "soxr", "numpy", "cffi"):
        assert str(dists[name].locate_file("")).startswith(str(CACHE / TARGET.name)), name
    # pure Python is copied from here, as before
    assert str(dists["phonenumbers"].locate_file("")).startswith(sys.prefix)
    assert not str(dists["phonenumbers"].locate_file("")).startswith(str(CACHE))


@pytest.fixture(scope="module")
def staged(tmp_path_factory: pytest.TempPathFactory):
    """One staging for the tests that only read it (a staging copies and compiles the whole
    vendor tree: seconds)."""
    return stage_project(ROOT, tmp_path_factory.mktemp("bundle") / "project")


def test_the_staged_project_has_the_app_and_vendor_but_no_requirements(staged):
    assert (staged / "app.py").read_text() == (ROOT / "app.py").read_text()
    assert (staged / "chalicelib" / "settings.py").exists()
    assert (staged / "vendor" / "phonenumbers" / "__init__.py").exists()
    assert (staged / "vendor" / "pynamodb" / "models.py").exists()
    # Without requirements.txt chalice runs no `pip download`
    assert not (staged / "requirements.txt").exists()
    # A second staging replaces the first, keeping chalice's package cache
    (staged / ".chalice" / "deployments").mkdir()
    (staged / "chalicelib" / "stale.py").write_text("")
    stage_project(ROOT, staged)
    assert not (staged / "chalicelib" / "stale.py").exists()
    assert (staged / ".chalice" / "deployments").is_dir()


def test_a_generated_stage_goes_into_the_staged_config_only(tmp_path):
    staged = tmp_path / "project"
    (staged / ".chalice").mkdir(parents=True)
    (staged / ".chalice" / "config.json").write_text(json.dumps({"version": "2.0", "stages": {}}))
    add_stage(staged, "ocp-dev", {"lambda_functions": {"api_handler": {"lambda_timeout": 29}}})
    config = json.loads((staged / ".chalice" / "config.json").read_text())
    assert config["stages"]["ocp-dev"]["lambda_functions"]["api_handler"]["lambda_timeout"] == 29
    assert "ocp-dev" not in json.loads((ROOT / ".chalice" / "config.json").read_text())["stages"]


def test_the_package_has_the_chime_sdk_apis_and_bytecode_for_the_functions_python(staged):
    import sys

    from infra.lambda_platform import TARGET

    data = staged / "vendor" / "botocore" / "data"
    assert (data / "chime-sdk-voice").is_dir()
    assert (data / "chime-sdk-meetings").is_dir()
    assert TARGET.python == sys.version_info[:2]
    tag = sys.implementation.cache_tag
    for module in ("chalicelib/settings", "vendor/pynamodb/models", "vendor/botocore/client"):
        source = staged / f"{module}.py"
        pyc = source.parent / "__pycache__" / f"{source.stem}.{tag}.pyc"
        # flags 0b01: hash-based and not checked against the source (a zip's timestamps
        # would otherwise make every cold start compile it again)
        assert int.from_bytes(pyc.read_bytes()[4:8], "little") == 0b01, module
    # chalice/app.py, which `chalice package` adds at the package root
    assert (staged / "vendor" / "chalice" / "__pycache__" / f"app.{tag}.pyc").exists()


def test_bytecode_for_another_python_than_the_functions_is_refused(tmp_path, monkeypatch):
    from infra import lambda_platform

    monkeypatch.setattr(lambda_platform, "TARGET", lambda_platform.Platform("arm64", "3.9"))
    with pytest.raises(BundleError, match=r"Python 3\.9"):
        stage_project(ROOT, tmp_path / "project")
