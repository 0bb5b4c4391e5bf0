"""Issue 21's check, against a running `OCP_MESSAGING=eum make run` (or `OCP_CARRIER=twilio
make run`, with --sms-port the fake Twilio's): one blastsms to N
recipients over the test numbers (docs/sms.md "Test numbers"), a status callback receiver
on this machine, then wait until every recipient has ended or had its receipt window.
Prints the results by reason against what the table says, the sending time against the
identity's pace (from the fake's /stats), and the status callbacks per recipient.

    OCP_MESSAGING=eum OCP_PORT=8106 OCP_AWS_PORT=5106 OCP_SMS_PORT=5206 make run
    .venv/bin/python -m local.sms_blast_check --port 8106 --sms-port 5206 --recipients 1000

    OCP_CARRIER=twilio OCP_PORT=8109 OCP_AWS_PORT=5109 OCP_TWILIO_PORT=5209 make run
    .venv/bin/python -m local.sms_blast_check --port 8109 --sms-port 5209 --recipients 20
"""

from __future__ import annotations

import argparse
import collections
import json
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

from chalicelib.messaging import simulated
from examples.callback_receiver import make_server
from local.session import open_session

# The last seven digits of the test numbers a blast cycles through (in area codes 201 on,
# so that each recipient is a number of its own), and what each should end as.
NUMBERS = {
    "5551212": ("Success", None),
    "5550111": ("Failed", "invalid"),
    "5550112": ("Failed", "unreachable"),
    "5550113": ("Failed", "blocked"),
    "5550114": ("Failed", "optedOut"),
    "5550115": ("Sent", None),  # no receipt: unknown only after the receipt window
    "5550116": ("Failed", "expired"),
}


# How long the status callbacks may trail the last outcome before the check counts them.
CALLBACK_SETTLE_SECONDS = 120


def area_codes() -> list[str]:
    """NANP area codes from 201, without the N11 service codes."""
    return [str(a) for a in range(201, 1000) if str(a)[1:] != "11" and str(a)[1] != "9"]


def recipients(count: int) -> list[str]:
    endings, areas = list(NUMBERS), area_codes()
    return [areas[i // len(endings)] + endings[i % len(endings)] for i in range(count)]


def call(base: str, auth: str, method: str, path: str, data: dict | None = None) -> dict:
    body = urllib.parse.urlencode(data).encode() if data else None
    request = urllib.request.Request(
        f"{base}{path}", data=body, method=method, headers={"Authorization": auth}
    )
    for attempt in range(5 if method == "GET" else 1):
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                text = response.read()
            return json.loads(text) if text else {}
        except (ConnectionError, TimeoutError, urllib.error.URLError) as e:
            if attempt == 4 or method != "GET":
                raise
            print(f"GET {path}: {e}; again", file=sys.stderr)
            time.sleep(2)
    raise AssertionError("unreachable")


def stats_of(port: int) -> dict:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/stats", timeout=10) as r:
        return json.loads(r.read())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m local.sms_blast_check")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--sms-port", type=int, default=5003)
    parser.add_argument("--callback-port", type=int, default=0)
    parser.add_argument("--recipients", type=int, default=1000)
    parser.add_argument("--secret", default="56789")
    parser.add_argument("--signing-secret", default="whsec_local_56789")
    parser.add_argument("--timeout", type=float, default=3600)
    args = parser.parse_args(argv)
    base = f"http://127.0.0.1:{args.port}"
    auth = f"Basic 1:{open_session(base, 1, args.secret)}"

    events: list[dict] = []
    lock = threading.Lock()

    def took(event: dict) -> None:
        with lock:
            events.append(event)

    receiver = make_server(args.callback_port, [args.signing_secret], on_event=took)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    callback = f"http://127.0.0.1:{receiver.server_address[1]}/events"

    user = call(
        base,
        auth,
        "POST",
        "/user?output=json",
        {
            "firstName": "Sms",
            "lastName": "Check",
            "email": f"sms{int(time.time())}@example.com",
            "phoneNumber": f"720{int(time.time()) % 10_000_000:07d}",
            "phoneType": 2,
        },
    )
    user_id = int(user["userId"])
    before = stats_of(args.sms_port)
    destination = ",".join(f"3:{n}" for n in recipients(args.recipients))
    started = time.time()
    posted = call(
        base,
        auth,
        "POST",
        "/blastsms?output=json",
        {
            "userId": user_id,
            "origination": f"1:{user_id}",
            "destination": destination,
            "text": "Practice moved to 5 pm. Reply STOP to opt out.",
            "statusCallback": callback,
        },
    )
    blast_id = int(posted["blastid"])
    first_sent = started
    print(f"blast {blast_id}: {args.recipients} recipients posted", flush=True)
    deadline = started + args.timeout
    while True:
        body = call(base, auth, "GET", f"/blastsms/{blast_id}?userId={user_id}&output=json")
        terms = body["terminations"]
        waiting = sum(
            1
            for t in terms
            if t.get("currentState") in ("scheduled", "dialing")
            and simulated.fate("+1" + str(t["value"])) != simulated.NO_RECEIPT
        )
        if waiting == 0 or time.time() > deadline:
            break
        time.sleep(2)
    ended = time.time()
    # The last status callbacks: each follows its outcome through the Calls stream, the
    # callbacks queue and the worker's delivery, a few seconds behind it.
    ended_count = sum(1 for t in terms if t["currentState"] in ("complete", "failed"))
    settle = time.time() + CALLBACK_SETTLE_SECONDS
    while time.time() < settle:
        with lock:
            delivered = sum(1 for e in events if e["object"] == "blastRecipient")
        if delivered >= ended_count:
            break
        time.sleep(1)
    after = stats_of(args.sms_port)
    stats = {k: after[k] - before[k] for k in ("accepted", "refused", "throttled", "events")}
    stats["first"], stats["last"] = after["first"], after["last"]
    if before["last"] is not None:  # texts of an earlier run: this one's began after them
        stats["first"] = first_sent

    wrong: list[tuple[str, tuple]] = []
    got: collections.Counter[tuple] = collections.Counter()
    for t in terms:
        [attempt] = t["attempts"]
        outcome = (attempt["result"], attempt.get("reason"))
        got[outcome] += 1
        if outcome != NUMBERS[str(t["value"])[3:]]:
            wrong.append((t["value"], outcome))
    with lock:
        per_recipient = collections.Counter(
            e["data"].get("recipient") for e in events if e["object"] == "blastRecipient"
        )
    outcomes = sum(1 for t in terms if t["currentState"] in ("complete", "failed"))
    sending = (stats["last"] or 0) - (stats["first"] or 0)
    print(
        json.dumps(
            {
                "blastId": blast_id,
                "recipients": len(terms),
                "results": {f"{r}/{why or '-'}": n for (r, why), n in sorted(got.items(), key=str)},
                "notAsTheTableSays": wrong[:10],
                "secondsToLastOutcome": round(ended - started, 1),
                "fake": stats,
                "textsAccepted": stats["accepted"],
                "sendingSeconds": round(sending, 1),
                "sendsPerSecond": round((stats["accepted"] + stats["refused"]) / sending, 2)
                if sending
                else None,
                "recipientsEnded": outcomes,
                "recipientCallbacks": sum(per_recipient.values()),
                "recipientsWithMoreThanOneCallback": sum(
                    1 for n in per_recipient.values() if n > 1
                ),
            },
            indent=2,
        )
    )
    receiver.shutdown()
    return 0 if not wrong and sum(per_recipient.values()) == outcomes else 1


if __name__ == "__main__":
    sys.exit(main())
