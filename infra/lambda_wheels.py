"""Compiled runtime dependencies, built for Lambda: fetched at install time, read at synthesis.

infra/bundle.py copies the runtime's distributions from this machine's environment,
which is only right for pure Python. For a distribution with compiled code (soundfile
with its libsndfile, soxr, numpy, cffi) the Lambda platform's build is needed instead
(infra/lambda_platform.py: architecture, Python version, and so the glibc).

`python -m infra.lambda_wheels` (run by `make`, as part of installing; like `uv sync`,
the only kind of step that uses the network) picks, for each compiled runtime
distribution, the wheel that uv.lock lists for that platform (by its tags, best
first), and has uv download it, check the sha256 the lock records and install it
into CACHE/<platform>/, with a manifest of what it holds. Synthesis reads that
directory and fetches nothing; a cache that is missing or no longer matches uv.lock
is an error that says to run `make`.
"""

from __future__ import annotations

import argparse
import functools
import os
import shutil
import subprocess
import sys
import tempfile
import tomllib
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from packaging.tags import Tag, compatible_tags, cpython_tags
from packaging.utils import canonicalize_name, parse_wheel_filename

from infra.distributions import installed_runtime, pure
from infra.lambda_platform import TARGET, Platform

ROOT = Path(__file__).resolve().parent.parent
# Beside the environment that synthesises: made, and removed, with it.
CACHE = Path(sys.prefix) / "lambda-wheels"
MANIFEST = "requirements.txt"
# manylinux1 and manylinux2010/2014 are older names of manylinux_2_5/_2_12/_2_17.
_LEGACY_MANYLINUX = {5: "manylinux1", 12: "manylinux2010", 17: "manylinux2014"}


class LambdaWheelError(RuntimeError):
    pass


@dataclass(frozen=True)
class Wheel:
    name: str
    version: str
    url: str
    sha256: str

    @property
    def filename(self) -> str:
        return self.url.rsplit("/", 1)[-1]

    @property
    def requirement(self) -> str:
        """The line uv installs it from, hash-checked."""
        return f"{self.name} @ {self.url} --hash=sha256:{self.sha256}"


def supported_tags(platform: Platform) -> list[Tag]:
    """The wheel tags the platform's runtime loads, best first (CPython ABI, then abi3,
    then pure; the newest manylinux glibc it has first)."""
    major, minor = platform.python
    glibc_major, glibc_minor = platform.glibc
    platforms = []
    for minor_glibc in range(glibc_minor, 4, -1):
        platforms.append(f"manylinux_{glibc_major}_{minor_glibc}_{platform.machine}")
        if minor_glibc in _LEGACY_MANYLINUX:
            platforms.append(f"{_LEGACY_MANYLINUX[minor_glibc]}_{platform.machine}")
    return [
        *cpython_tags((major, minor), abis=[f"cp{major}{minor}"], platforms=platforms),
        *compatible_tags((major, minor), f"cp{major}{minor}", platforms),
    ]


def choose(platform: Platform, name: str, version: str, wheels: list[dict]) -> Wheel:
    """The best of a compiled package's wheels (uv.lock `wheels` entries) for the platform.

    Only a build for the platform will do: a pure-Python wheel of the same version may
    install, but lacks the compiled part (soundfile's expects a libsndfile on the
    system, which Lambda has not)."""
    rank = {tag: i for i, tag in enumerate(supported_tags(platform)) if tag.platform != "any"}
    best: tuple[int, dict] | None = None
    for wheel in wheels:
        _, _, _, tags = parse_wheel_filename(wheel["url"].rsplit("/", 1)[-1])
        score = min((rank[t] for t in tags if t in rank), default=None)
        if score is not None and (best is None or score < best[0]):
            best = (score, wheel)
    if best is None:
        raise LambdaWheelError(
            f"{name} {version} has no wheel in uv.lock for Lambda's {platform.runtime} on "
            f"{platform.architecture} (Linux {platform.machine}, glibc "
            f"{'.'.join(map(str, platform.glibc))}): its project publishes none on PyPI "
            f"(a pure-Python wheel of a compiled package is not taken). Keep "
            f"infra/lambda_platform.py on a platform it publishes, or drop the dependency"
        )
    wheel = best[1]
    algorithm, _, digest = wheel["hash"].partition(":")
    if algorithm != "sha256" or not digest:
        raise LambdaWheelError(f"uv.lock: {wheel['url']} has no sha256")
    return Wheel(name, version, wheel["url"], digest)


def locked_wheels(lock: Path, name: str, version: str) -> list[dict]:
    for package in tomllib.loads(lock.read_text())["package"]:
        if canonicalize_name(package["name"]) == name and package["version"] == version:
            return package.get("wheels", [])
    raise LambdaWheelError(f"uv.lock has no {name} {version}: run `make lock`")


def required(
    platform: Platform = TARGET, *, lock: Path = ROOT / "uv.lock", pyproject: Path | None = None
) -> list[Wheel]:
    """The Lambda wheels of the runtime's compiled distributions (pinned in pyproject.toml,
    and what they need, as installed here)."""
    compiled = [
        dist for dist in installed_runtime(pyproject or ROOT / "pyproject.toml") if not pure(dist)
    ]
    wheels = []
    for dist in compiled:
        name = canonicalize_name(dist.metadata["Name"])
        wheels.append(choose(platform, name, dist.version, locked_wheels(lock, name, dist.version)))
    return wheels


def manifest(wheels: list[Wheel]) -> str:
    return "".join(f"{w.requirement}\n" for w in wheels)


def fetch(platform: Platform = TARGET, *, cache: Path = CACHE, uv: str = "uv") -> Path:
    """Install the platform's wheels into cache/<platform> unless they already are."""
    wheels = required(platform)
    target = cache / platform.name
    wanted = manifest(wheels)
    if (target / MANIFEST).is_file() and (target / MANIFEST).read_text() == wanted:
        return target
    cache.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{platform.name}-", dir=cache))
    try:
        requirements = staging / MANIFEST
        requirements.write_text(wanted)
        if wheels:
            subprocess.run(
                [
                    uv,
                    "pip",
                    "install",
                    "--quiet",
                    "--target",
                    str(staging),
                    "--no-deps",
                    "--no-build",
                    "--require-hashes",
                    # uv names no glibc 2.26 platform: the wheel was chosen above for the
                    # runtime's glibc; this only lets uv install it.
                    "--python-platform",
                    f"{platform.machine}-manylinux_2_{max(28, platform.glibc[1])}",
                    "--python-version",
                    platform.python_version,
                    "-r",
                    str(requirements),
                ],
                check=True,
            )
        shutil.rmtree(target, ignore_errors=True)
        os.replace(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


@functools.cache
def _checked_cache(platform: Platform, cache: Path) -> Path:
    target = cache / platform.name
    listed = target / MANIFEST
    if not listed.is_file() or listed.read_text() != manifest(required(platform)):
        raise LambdaWheelError(
            f"the Lambda builds of the compiled dependencies for {platform.name} are not in "
            f"{target}, or are not the ones uv.lock pins: run `make` (it fetches them), "
            f"or `.venv/bin/python -m infra.lambda_wheels`"
        )
    return target


def installed(
    name: str, version: str, platform: Platform = TARGET, *, cache: Path = CACHE
) -> metadata.Distribution:
    """The Lambda platform's build of a compiled distribution, from the cache."""
    target = _checked_cache(platform, cache)
    for dist in metadata.distributions(path=[str(target)]):
        if canonicalize_name(dist.metadata["Name"]) == canonicalize_name(name):
            if dist.version != version:
                break
            return dist
    raise LambdaWheelError(f"{name} {version} is not in {target}: run `make`")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m infra.lambda_wheels", description=__doc__.splitlines()[0]
    )
    tools_uv = ROOT / ".tools" / "bin" / "uv"  # the Makefile's
    parser.add_argument(
        "--uv",
        default=os.environ.get("UV") or (str(tools_uv) if tools_uv.exists() else "uv"),
        help="the uv executable",
    )
    args = parser.parse_args(argv)
    try:
        target = fetch(uv=args.uv)
    except (LambdaWheelError, subprocess.CalledProcessError) as error:
        print(f"lambda wheels: {error}", file=sys.stderr)
        return 1
    names = [w.filename for w in required()]
    print(f"lambda wheels for {TARGET.name} in {target}: {', '.join(names) or 'none'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
