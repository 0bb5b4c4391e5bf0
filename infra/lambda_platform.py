"""Where the Lambda functions run: the one place to change it.

The functions' architecture and Python version decide which build of a compiled
dependency is vendored into the package (infra/lambda_wheels.py fetches it at install
time; infra/bundle.py copies it at synthesis), and every synthesised function says the
same (its Runtime and Architectures: infra/stack.py), as tests/infra checks. The
package's bytecode is compiled for this Python too (infra/bundle.py), so the project's
own Python (.python-version) is the same.
"""

from __future__ import annotations

from dataclasses import dataclass

# Lambda's names: "x86_64" (its default) or "arm64" (Graviton: about 20% cheaper per GB-s).
ARCHITECTURE = "arm64"
# The runtime is f"python{PYTHON_VERSION}". 3.12 at least: the blast decoder's wheels
# (soundfile, numpy, soxr: media/transcode.py) need glibc 2.27 or 2.28, and python3.12 is
# the first runtime on Amazon Linux 2023; 3.12 rather than 3.13: its cold import measured
# faster (docs/operations.md).
PYTHON_VERSION = "3.12"

# python3.11 and older run on Amazon Linux 2 (glibc 2.26), later ones on Amazon Linux
# 2023 (glibc 2.34): a wheel built for a newer glibc than the runtime's fails to load.
_AMAZON_LINUX_2 = frozenset({"3.9", "3.10", "3.11"})
_MACHINES = {"x86_64": "x86_64", "arm64": "aarch64"}


@dataclass(frozen=True)
class Platform:
    architecture: str  # Lambda's name
    python_version: str  # "3.11"

    def __post_init__(self) -> None:
        if self.architecture not in _MACHINES:
            raise ValueError(f"Lambda architecture {self.architecture!r}: x86_64 or arm64")

    @property
    def runtime(self) -> str:
        return f"python{self.python_version}"

    @property
    def machine(self) -> str:
        """The processor as wheel tags name it: x86_64 or aarch64."""
        return _MACHINES[self.architecture]

    @property
    def glibc(self) -> tuple[int, int]:
        return (2, 26) if self.python_version in _AMAZON_LINUX_2 else (2, 34)

    @property
    def python(self) -> tuple[int, int]:
        major, minor = self.python_version.split(".")
        return int(major), int(minor)

    @property
    def name(self) -> str:
        return f"{self.runtime}-{self.architecture}"


TARGET = Platform(ARCHITECTURE, PYTHON_VERSION)
