"""`make bench`: cold-start import time, and AWS requests per route over moto.

Scenarios live in `bench/scenarios_*.py`, each defining `SCENARIOS`, a list of
`Scenario`s; this module discovers them, so a new resource adds its own file.
"""

from __future__ import annotations

import importlib
import pkgutil
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import chalice

import bench
from bench import console, costs
from bench.harness import run_scenarios

ROOT = Path(__file__).resolve().parents[1]
GOAL = 1.2
# Fresh interpreters per module, interleaved (app, bare, bare, app, ...), so that a busy
# moment of the machine weighs on both alike. The measure is the CPU time of the import:
# other processes on a shared machine stretch the wall clock, not that.
PAIRS = 30
BARE_APP = """
import boto3
from chalice import Chalice
app = Chalice(app_name="bare")
"""


def cold_import_seconds(module: str, path: list[Path]) -> float:
    """One import of `module` in a fresh interpreter that sees only the standard library
    and `path`, as Lambda's does, and writes no bytecode (/var/task is read-only)."""
    code = (
        f"import sys; sys.path[:0] = {[str(p) for p in path]!r}; import time; "
        f"t = time.process_time(); import {module}; print(time.process_time() - t)"
    )
    run = subprocess.run(
        [sys.executable, "-S", "-E", "-B", "-c", code], check=True, capture_output=True, text=True
    )
    return float(run.stdout)


# The Twilio webhook's path: app.py (the API function's handler module), the route's
# handler and what it makes on the first webhook (the dialer, the stores it writes).
TWILIO_HOOK = (
    "app, chalicelib.telephony.twilio.hooks, chalicelib.workflows.dialer, "
    "chalicelib.store.legs, chalicelib.store.rendezvous, chalicelib.store.calls, urllib3"
)


def cold_start(only: tuple[str, ...] = (), pairs: int = PAIRS) -> None:
    """`import app` from the deployment package as infra/bundle.py stages it (vendored
    dependencies, boto3 included, and their bytecode), against a bare Chalice app that
    imports the same boto3. `only`: these subjects (and the bare app)."""
    from infra.bundle import stage_project

    with tempfile.TemporaryDirectory() as tmp:
        package = stage_project(ROOT, Path(tmp, "package"))
        bare = Path(tmp, "bare")
        bare.mkdir()
        Path(bare, "bare_app.py").write_text(BARE_APP)
        runtime = Path(tmp, "runtime")  # what `chalice package` adds: chalice/app.py
        shutil.copytree(
            Path(chalice.__file__).parent,
            runtime / "chalice",
            ignore=lambda d, names: [n for n in names if n not in ("__init__.py", "app.py")],
        )
        shutil.copytree(package / "vendor" / "chalice", runtime / "chalice", dirs_exist_ok=True)
        ours_path = [package, package / "vendor", runtime]
        bare_path = [bare, package / "vendor", runtime]
        subjects = {
            "app": ("app", ours_path),
            "first": ("app, chalicelib.store.users", ours_path),
            # The `sma` function: app.py (Chalice's handler module) and what its first call
            # event imports; the SIP media application waits 5 s for its answer.
            "sma": ("app, chalicelib.telephony.chime.sma", ours_path),
            # Twilio's webhooks: the API function's routes; Twilio waits 15 s in all.
            "twilio": (TWILIO_HOOK, ours_path),
            "bare": ("bare_app", bare_path),
        }
        if only:
            subjects = {k: v for k, v in subjects.items() if k in (*only, "bare")}
        for module, path in subjects.values():
            cold_import_seconds(module, path)  # the page cache, not the measure
        samples: dict[str, list[float]] = {name: [] for name in subjects}
        for n in range(pairs):
            for name in subjects if n % 2 else reversed(subjects):
                samples[name].append(cold_import_seconds(*subjects[name]))

    def ms(name: str) -> str:
        return (
            f"min {min(samples[name]) * 1000:6.1f} ms, "
            f"median {statistics.median(samples[name]) * 1000:6.1f} ms"
        )

    def ratio(name: str, part: slice = slice(None)) -> float:
        return statistics.median(samples[name][part]) / statistics.median(samples["bare"][part])

    def verdict(name: str) -> str:
        half = pairs // 2
        lowest = min(samples[name]) / min(samples["bare"])
        met = "met" if ratio(name) <= GOAL else "NOT MET"
        return (
            f"{ratio(name):.2f}x (min {lowest:.2f}x; halves {ratio(name, slice(None, half)):.2f}x,"
            f" {ratio(name, slice(half, None)):.2f}x)   goal <= {GOAL}x: {met}"
        )

    print(
        f"cold import of the package as staged for Lambda, CPU time in {pairs} fresh "
        f"interpreters each (Python {sys.version.split()[0]})"
    )
    if only:
        for name in only:
            print(f"  {name:36} {ms(name)}")
        print(f"  bare Chalice app + boto3             {ms('bare')}")
        return
    print(f"  app.py                               {ms('app')}")
    print(f"  app.py + the store every route uses  {ms('first')}   (a first request's imports)")
    print(f"  bare Chalice app + boto3             {ms('bare')}")
    print(f"  sma (app.py + its handler)           {ms('sma')}   (the service waits 5 s)")
    print(f"  twilio webhook (app.py + its path)   {ms('twilio')}   (Twilio waits 15 s)")
    print(f"  app.py / bare          {verdict('app')}")
    print(f"  app.py + store / bare  {verdict('first')}")


def main(argv: list[str]) -> int:
    """`python -m bench` runs everything; `python -m bench cold` only the cold start;
    `python -m bench twilio` only the Twilio webhook's cold import and scenarios;
    `python -m bench sms` only the big SMS blast and its cost per adapter;
    `python -m bench console` only the web console's page costs."""
    if argv == ["twilio"]:
        return twilio_only()
    if argv == ["sms"]:
        return sms()
    if argv == ["console"]:
        return 0 if console.report() else 1
    cold_start()
    if argv == ["cold"]:
        return 0
    scenarios = []
    for info in pkgutil.iter_modules(bench.__path__):
        if info.name.startswith("scenarios_"):
            for scenario in importlib.import_module(f"bench.{info.name}").SCENARIOS:
                scenario.family = info.name.removeprefix("scenarios_")
                scenarios.append(scenario)
    print()
    run_scenarios(scenarios)
    from bench import scenarios_twilio

    scenarios_twilio.report_handling()
    print()
    costs.report(scenarios)
    print()
    console.report()
    return 0


def twilio_only() -> int:
    from bench import scenarios_twilio

    cold_start(only=("app", "twilio"), pairs=10)
    print()
    for scenario in scenarios_twilio.SCENARIOS:
        scenario.family = "twilio"
    run_scenarios(scenarios_twilio.SCENARIOS)
    scenarios_twilio.report_handling()
    return 0


def sms() -> int:
    from bench import scenarios_blasts

    [scenario] = [s for s in scenarios_blasts.SCENARIOS if s.route.startswith("blastsms of")]
    scenario.family = "blasts"
    run_scenarios([scenario])
    print()
    costs.sms_report(scenario)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
