"""Does one enterprise's flood hurt another? (issue 26, "How it is measured"; the figures
are in docs/operations.md "Per-enterprise limits, measured").

Against a running `make run` (loopback only), two enterprises: A (the bootstrap's
enterprise 1) makes its usual requests, paced, one at a time; B (made here, in the local
AWS) sends a paced flood, ten times the default limit. Two phases in one run: A alone,
then A with B's flood. Prints A's p50/p95 latency and errors in each phase, and B's
answers by status (its 429s: the limit at work).

  make run OCP_PORT=8105 OCP_AWS_PORT=5105 &
  .venv/bin/python -m local.tenant_probe --port 8105 --aws-port 5105

Bounded: each phase lasts --seconds (10), A sends --a-rate requests a second (10), B
--flood-rate (200) from --workers threads (16); at most seconds x (2 a-rate + flood-rate)
requests in all, each given up after 5 s. Standard library only, but for the admin call
that makes enterprise B.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from xml.etree import ElementTree

from local.session import open_session

TIMEOUT = 5.0
LOOPBACK = ("127.0.0.1", "localhost", "::1")


@dataclass
class Phase:
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)

    def errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if status >= 400 or status == 0)

    def summary(self) -> str:
        if not self.latencies:
            return "no requests"
        ordered = sorted(self.latencies)
        p50 = statistics.median(ordered) * 1000
        p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))] * 1000
        return (
            f"{len(ordered)} requests, p50 {p50:.1f} ms, p95 {p95:.1f} ms, errors {self.errors()}"
        )

    def p95(self) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))] if ordered else 0.0


def send(
    base: str, auth: str, method: str, path: str, form: dict | None = None
) -> tuple[int, float, bytes]:
    data = urllib.parse.urlencode(form).encode() if form is not None else None
    request = urllib.request.Request(
        base + path, data=data, method=method, headers={"Authorization": auth}
    )
    if data is not None:
        request.add_header("Content-Type", "application/x-www-form-urlencoded")
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            body = response.read()
            status = response.status
    except urllib.error.HTTPError as e:
        body, status = e.read(), e.code
    except OSError:
        body, status = b"", 0
    return status, time.perf_counter() - started, body


def new_user(base: str, auth: str, tag: str) -> int:
    status, _, body = send(
        base,
        auth,
        "POST",
        "/user",
        {
            "firstName": "Probe",
            "lastName": tag,
            "email": f"probe-{tag}@example.com",
            "phoneNumber": f"720{random.randrange(2_000_000, 9_999_999)}",
            "phoneType": "2",
        },
    )
    if status != 200:
        raise SystemExit(f"POST /user for {tag}: HTTP {status}: {body[:200]!r}")
    return int(ElementTree.fromstring(body).findtext("userId") or 0)


def usual(base: str, auth: str, user_id: int, rate: float, seconds: float, phase: Phase) -> None:
    """A's usual requests, one at a time, `rate` a second: read the user, its hunt order,
    change its name."""
    requests = [
        ("GET", f"/user/{user_id}", None),
        ("GET", f"/huntorder?userId={user_id}", None),
        ("PUT", f"/user/{user_id}", {"firstName": "Probe"}),
    ]
    start = time.monotonic()
    n = 0
    while time.monotonic() - start < seconds:
        method, path, form = requests[n % len(requests)]
        status, took, _ = send(base, auth, method, path, form)
        phase.latencies.append(took)
        phase.statuses[status] += 1
        n += 1
        pause = start + n / rate - time.monotonic()
        if pause > 0:
            time.sleep(pause)


def flood(
    base: str, auth: str, user_id: int, rate: float, seconds: float, workers: int
) -> Counter[int]:
    """B's flood: `rate` requests a second in all, from `workers` threads, each paced on its
    own schedule (a thread that falls behind skips its missed turns: no catch-up burst)."""
    statuses: Counter[int] = Counter()
    lock = threading.Lock()
    every = workers / rate
    start = time.monotonic()

    def work(k: int) -> None:
        turn = 0
        while True:
            at = start + k * (every / workers) + turn * every
            if at - start >= seconds:
                return
            pause = at - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            elif pause < -every:
                turn += int(-pause / every)  # skip the turns missed
                continue
            status, _, _ = send(base, auth, "GET", f"/user/{user_id}")
            with lock:
                statuses[status] += 1
            turn += 1

    threads = [threading.Thread(target=work, args=(k,), daemon=True) for k in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(seconds + TIMEOUT + 5)
    return statuses


def enterprise_b(aws_port: int) -> tuple[int, str]:
    """A new enterprise in `make run`'s local AWS."""
    os.environ.update(
        {
            "AWS_ENDPOINT_URL": f"http://127.0.0.1:{aws_port}",
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_REGION": "us-east-1",
            "OCP_STAGE": "local",
        }
    )
    from chalicelib.store import enterprises

    made = enterprises.create("Probe flood")
    return made.eid, made.secret


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m local.tenant_probe")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=int(os.environ.get("OCP_PORT", 8000)))
    parser.add_argument("--aws-port", type=int, default=int(os.environ.get("OCP_AWS_PORT", 5000)))
    parser.add_argument("--secret", default=os.environ.get("OCP_DEV_SECRET", "56789"))
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--a-rate", type=float, default=10.0)
    parser.add_argument("--flood-rate", type=float, default=200.0)
    parser.add_argument("--workers", type=int, default=16)
    args = parser.parse_args(argv)
    if args.host not in LOOPBACK:
        raise SystemExit("the probe runs against `make run` on this machine only (loopback)")
    if not (0 < args.seconds <= 60 and 0 < args.a_rate <= 50 and 0 < args.flood_rate <= 500):
        raise SystemExit("bounded: --seconds at most 60, --a-rate 50, --flood-rate 500")
    base = f"http://{args.host}:{args.port}"
    auth_a = f"Basic 1:{open_session(base, 1, args.secret)}"
    eid_b, secret_b = enterprise_b(args.aws_port)
    auth_b = f"Basic {eid_b}:{open_session(base, eid_b, secret_b)}"
    tag = str(int(time.time()))
    user_a = new_user(base, auth_a, f"a{tag}")
    user_b = new_user(base, auth_b, f"b{tag}")
    print(f"A: enterprise 1, user {user_a}; B: enterprise {eid_b}, user {user_b}")

    alone = Phase()
    usual(base, auth_a, user_a, args.a_rate, args.seconds, alone)
    time.sleep(1.5)  # B's bucket and window start full, as after any quiet spell
    flooded = Phase()
    b_statuses: Counter[int] = Counter()

    def run_flood() -> None:
        b_statuses.update(flood(base, auth_b, user_b, args.flood_rate, args.seconds, args.workers))

    flooding = threading.Thread(target=run_flood)
    flooding.start()
    usual(base, auth_a, user_a, args.a_rate, args.seconds, flooded)
    flooding.join()

    print(f"A alone:          {alone.summary()}")
    print(f"A with B's flood: {flooded.summary()}")
    ratio = flooded.p95() / alone.p95() if alone.p95() else float("inf")
    print(f"A's p95 ratio:    {ratio:.2f} (goal: at most 1.5, and no errors)")
    sent = sum(b_statuses.values())
    shown = ", ".join(f"{status or 'no answer'}: {n}" for status, n in sorted(b_statuses.items()))
    print(f"B's flood:        {sent} requests in {args.seconds:g} s ({shown})")
    print(f"B's 429s:         {b_statuses[429]}")
    return 0 if flooded.errors() == 0 and alone.errors() == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
