"""`make bench`: cold-start import time, and AWS requests per route over moto.

Scenarios live in `bench/scenarios_*.py`, each defining `SCENARIOS`, a list of
`Scenario`s; this module discovers them, so a new resource adds its own file.
"""

from __future__ import annotations

import importlib
import pkgutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import bench
from bench.harness import run_scenarios

ROOT = Path(__file__).resolve().parents[1]
RUNS = 7


def cold_import_seconds(module: str, cwd: Path) -> float:
    code = (
        "import time; t = time.perf_counter(); import "
        + module
        + "; print(time.perf_counter() - t)"
    )
    samples = [
        float(
            subprocess.run(
                [sys.executable, "-c", code], cwd=cwd, check=True, capture_output=True, text=True
            ).stdout
        )
        for _ in range(RUNS)
    ]
    return statistics.median(samples)


def cold_start() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        Path(tmp, "bare_app.py").write_text(
            textwrap.dedent("""
            import boto3
            from chalice import Chalice
            app = Chalice(app_name="bare")
        """)
        )
        bare = cold_import_seconds("bare_app", Path(tmp))
    ours = cold_import_seconds("app", ROOT)
    # The `sma` function: app.py (Chalice's handler module) and what its first call
    # event imports; the SIP media application waits 5 s for its answer.
    sma = cold_import_seconds("app, chalicelib.telephony.chime.sma", ROOT)
    print(f"cold import (median of {RUNS} fresh interpreters)")
    print(f"  app.py                      {ours * 1000:8.1f} ms")
    print(f"  bare Chalice app + boto3    {bare * 1000:8.1f} ms")
    print(f"  ratio                       {ours / bare:8.2f}x   (goal: <= 1.5x)")
    print(f"  sma (app.py + its handler)  {sma * 1000:8.1f} ms   (the service waits 5 s)")


def main() -> int:
    cold_start()
    scenarios = []
    for info in pkgutil.iter_modules(bench.__path__):
        if info.name.startswith("scenarios_"):
            scenarios += importlib.import_module(f"bench.{info.name}").SCENARIOS
    print()
    run_scenarios(scenarios)
    return 0


if __name__ == "__main__":
    sys.exit(main())
