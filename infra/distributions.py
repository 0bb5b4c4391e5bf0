"""The runtime's distributions as installed here: the exact pins of pyproject.toml's
`[project] dependencies` and what they need, and which of them are pure Python.

Below infra/bundle.py (which copies them into the package, each compiled one as its Lambda
build) and infra/lambda_wheels.py (which fetches those builds): both read them here.
"""

from __future__ import annotations

import tomllib
from email.parser import Parser
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name


class BundleError(RuntimeError):
    pass


def installed_runtime(pyproject: Path) -> list[metadata.Distribution]:
    """The project's runtime pins and what they need, as installed here (by name)."""
    pins = _pins(pyproject)
    found: dict[str, metadata.Distribution] = {}
    pending = [Requirement(f"{name}=={version}") for name, version in pins.items()]
    while pending:
        requirement = pending.pop()
        name = canonicalize_name(requirement.name)
        if name in found:
            continue
        try:
            dist = metadata.distribution(requirement.name)
        except metadata.PackageNotFoundError:
            raise BundleError(
                f"{requirement.name} is not installed: run `make` to install the project"
            ) from None
        if name in pins and dist.version != pins[name]:
            raise BundleError(
                f"{requirement.name} {dist.version} is installed but pyproject.toml "
                f"pins {pins[name]}: reinstall the venv"
            )
        found[name] = dist
        for text in dist.requires or ():
            dependency = Requirement(text)
            # This interpreter's environment, and no extra (packaging's default).
            if dependency.marker and not dependency.marker.evaluate():
                continue
            pending.append(dependency)
    return [found[name] for name in sorted(found)]


def _pins(pyproject: Path) -> dict[str, str]:
    pins: dict[str, str] = {}
    for line in tomllib.loads(pyproject.read_text())["project"]["dependencies"]:
        requirement = Requirement(line)
        specifiers = list(requirement.specifier)
        if len(specifiers) != 1 or specifiers[0].operator != "==":
            raise BundleError(f"pyproject.toml: {line!r} is not an exact pin")
        pins[canonicalize_name(requirement.name)] = specifiers[0].version
    return pins


def pure(dist: metadata.Distribution) -> bool:
    """Pure Python, the same on every platform: Root-Is-Purelib and every tag `-any`. A
    platform wheel may carry a C library beside pure Python (soundfile's libsndfile),
    so Root-Is-Purelib alone does not say."""
    wheel = dist.read_text("WHEEL")
    if wheel is None:
        return False
    fields = Parser().parsestr(wheel)
    tags = fields.get_all("Tag") or []
    return fields.get("Root-Is-Purelib", "").strip().lower() == "true" and all(
        tag.strip().endswith("-any") for tag in tags
    )
