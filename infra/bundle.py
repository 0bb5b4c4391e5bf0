"""The project directory handed to `chalice.cdk.Chalice`, packaged without pip.

`chalice package` normally runs `pip download` for requirements.txt to fetch
wheels for the Lambda platform: network at every synth. Instead this copies the
app (app.py, chalicelib/, .chalice/config.json) to a build directory and puts
the runtime requirements in its `vendor/`, copied file by file from the
distributions installed in this interpreter (the exact versions pinned in
pyproject.toml's `[project] dependencies`, checked), with no requirements.txt
beside them. Chalice adds vendor/ to the deployment package as it is, so
synthesis reads no network.

This is only right for pure-Python distributions (`pure`): for a
distribution with compiled code the copy here is built for this machine, not for
Lambda's, so the Lambda platform's build of the same version is copied instead,
from the cache `make` fills (infra/lambda_wheels.py, infra/lambda_platform.py).
boto3 and botocore are shipped too, the versions the tests ran with (the runtime's
own copy lags behind and may lack newer APIs, such as the Chime SDK's).

Bytecode is shipped with the code (`compile_bytecode`): Lambda's /var/task is
read-only, so without it every cold start compiles chalicelib, PynamoDB and
botocore again. It is compiled by this interpreter, which must be the functions'
Python (infra/lambda_platform.py), with unchecked hashes: a zip's timestamps
cannot invalidate it.

The build directory keeps `.chalice/deployments/`, chalice's own cache keyed by
a hash of the app and vendor files, so an unchanged app is not zipped again.
"""

from __future__ import annotations

import compileall
import json
import py_compile
import shutil
import sys
from importlib import metadata
from pathlib import Path

from infra import lambda_platform, lambda_wheels
from infra.distributions import BundleError, installed_runtime, pure

APP_FILES = ("app.py", "chalicelib", ".chalice/config.json")


def stage_project(project_dir: Path, build_dir: Path) -> Path:
    """Fill `build_dir` with what chalice packages; returns it."""
    _check_python()  # before seconds of copying
    build_dir.mkdir(parents=True, exist_ok=True)
    for stale in ("app.py", "chalicelib", "vendor", "requirements.txt", ".chalice/config.json"):
        target = build_dir / stale
        if target.is_dir():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()
    for name in APP_FILES:
        source = project_dir / name
        target = build_dir / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(source, target)
    vendor = build_dir / "vendor"
    vendor.mkdir()
    for dist in runtime_distributions(project_dir / "pyproject.toml"):
        _copy_distribution(dist, vendor)
    compile_bytecode(build_dir)
    return build_dir


def _check_python() -> None:
    """Bytecode is only used by the Python that wrote it: this must be the functions'."""
    target = lambda_platform.TARGET
    if sys.version_info[:2] != target.python:
        raise BundleError(
            f"the functions run Python {target.python_version} (infra/lambda_platform.py) "
            f"but this is {sys.version_info.major}.{sys.version_info.minor}: its bytecode "
            f"would be ignored; run with the project's .venv"
        )


def compile_bytecode(build_dir: Path) -> None:
    """`__pycache__` for chalicelib, vendor/ and the chalice runtime that `chalice
    package` adds (chalice/app.py: its bytecode goes in vendor/, which lands at the
    package root beside it)."""
    _check_python()
    unchecked = py_compile.PycInvalidationMode.UNCHECKED_HASH
    for tree in ("chalicelib", "vendor"):
        if not compileall.compile_dir(build_dir / tree, quiet=1, invalidation_mode=unchecked):
            raise BundleError(f"{tree}/ does not compile")
    import chalice
    import chalice.app

    runtime_cache = build_dir / "vendor" / "chalice" / "__pycache__"
    for module, name in ((chalice, "__init__"), (chalice.app, "app")):
        if module.__file__ is None:
            raise BundleError(f"{module.__name__} has no source file to compile")
        py_compile.compile(
            module.__file__,
            cfile=str(runtime_cache / f"{name}.{sys.implementation.cache_tag}.pyc"),
            dfile=f"chalice/{name}.py",
            doraise=True,
            invalidation_mode=unchecked,
        )


def add_stage(build_dir: Path, name: str, config: dict) -> None:
    """Add a generated stage to the packaged copy's .chalice/config.json."""
    path = build_dir / ".chalice" / "config.json"
    project = json.loads(path.read_text())
    project.setdefault("stages", {})[name] = config
    path.write_text(json.dumps(project, indent=2))


def runtime_distributions(
    pyproject: Path, *, lambda_builds: bool = True
) -> list[metadata.Distribution]:
    """The project's runtime pins and what they need, as installed here; compiled ones as
    built for Lambda (or as installed here, without `lambda_builds`)."""
    return [
        _lambda_build(dist) if lambda_builds and not pure(dist) else dist
        for dist in installed_runtime(pyproject)
    ]


def _lambda_build(dist: metadata.Distribution) -> metadata.Distribution:
    try:
        return lambda_wheels.installed(dist.metadata["Name"], dist.version)
    except lambda_wheels.LambdaWheelError as error:
        raise BundleError(
            f"{dist.metadata['Name']} has compiled code, so the package needs its Lambda "
            f"build: {error}"
        ) from None


def _copy_distribution(dist: metadata.Distribution, vendor: Path) -> None:
    for file in dist.files or ():
        parts = Path(file).parts
        if parts[0] in ("..", "bin") or "__pycache__" in parts or file.suffix == ".pyc":
            continue  # console scripts (outside site-packages, or bin/ of a --target install)
        source = Path(str(dist.locate_file(file)))
        target = vendor / file
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)
