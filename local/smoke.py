"""`make smoke STAGE=prod EID=1`: the README's walkthrough against a running stage, and what
it proved, one line each (docs/twilio-deploy.md "The smoke check").

  OCP_SECRET=... python -m local.smoke --eid 1 \
      --base https://{id}.execute-api.{region}.amazonaws.com/api
  OCP_SECRET=... python -m local.smoke --stage prod --eid 1            # base from the stack
  python -m local.smoke --base http://127.0.0.1:8000                   # `make run` (eid 1, 56789)

Steps: a session; a user created, read in XML and JSON, changed, found by email, deleted; a
call hunted through the callee's numbers; a voice blast POSTed twice with one
Idempotency-Key (one blast); a text blast. Each is waited for until the API says it is
complete, never for a fixed time (a real carrier paces recipients). The users it makes are
its own (fresh emails and numbers) and removed at the end.

Numbers: the simulated carrier's test numbers (docs/carriers.md#test-numbers: 555-0101 busy,
0102 no answer, anything else answers), which a real carrier refuses as fictional: nothing
rings. `--twilio-test` (TWILIO_TEST=1) uses Twilio's magic numbers instead, for a stage
deployed with the account's test credentials and `--twilio-numbers +15005550006`: Twilio
accepts the requests and places nothing, bills nothing. Standard library only.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from xml.etree import ElementTree

from local.session import open_session

# The simulated carrier's outcomes (docs/carriers.md#test-numbers).
BUSY, NO_ANSWER, MACHINE = "3035550101", "3035550102", "3035550103"
# Twilio's magic numbers (test credentials): 5005550006 is a valid caller id and answers
# the API; 5005550001 is an invalid number, 5005550004 a blocked one.
MAGIC_VALID, MAGIC_INVALID, MAGIC_BLOCKED = "5005550006", "5005550001", "5005550004"


class SmokeFailed(Exception):
    pass


@dataclass
class Client:
    base: str
    auth: str
    timeout: float = 30

    def request(
        self,
        method: str,
        path: str,
        data: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, bytes]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        all_headers = {"Authorization": self.auth, **(headers or {})}
        if body is not None:
            all_headers["Content-Type"] = "application/x-www-form-urlencoded"
        request = urllib.request.Request(
            self.base + path, data=body, headers=all_headers, method=method
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    def ok(
        self,
        method: str,
        path: str,
        data: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        want: tuple[int, ...] = (200, 201),
    ) -> bytes:
        status, body = self.request(method, path, data, headers)
        if status not in want:
            raise SmokeFailed(
                f"{method} {path}: HTTP {status}: {body[:300].decode(errors='replace')}"
            )
        return body

    def json(self, path: str) -> Any:
        sep = "&" if "?" in path else "?"
        return json.loads(self.ok("GET", f"{path}{sep}output=json"))


def text_of(body: bytes, tag: str) -> str:
    found = ElementTree.fromstring(body).findtext(f".//{tag}")
    if found is None:
        raise SmokeFailed(f"no <{tag}> in {body[:200]!r}")
    return found


@dataclass
class Smoke:
    client: Client
    twilio_test: bool = False
    wait_seconds: float = 300
    poll_seconds: float = 1
    say: Callable[[str], None] = print
    made: list[int] = field(default_factory=list)
    run: str = field(default_factory=lambda: uuid.uuid4().hex[:8])

    def proved(self, what: str, started: float) -> None:
        self.say(f"ok    {what} ({time.monotonic() - started:.1f} s)")

    def wait(self, what: str, done: Callable[[], Any]) -> Any:
        deadline = time.monotonic() + self.wait_seconds
        while True:
            found = done()
            if found:
                return found
            if time.monotonic() > deadline:
                raise SmokeFailed(f"{what}: not complete after {self.wait_seconds:.0f} s")
            time.sleep(self.poll_seconds)

    def user(self, first: str) -> tuple[int, str]:
        """A fresh user: a new email, and a number no user has (103 names a taken one)."""
        for _ in range(20):
            phone = f"720{random.randint(200, 999)}{random.randint(1000, 9999)}"
            status, body = self.client.request(
                "POST",
                "/user",
                {
                    "firstName": first,
                    "lastName": "Smoke",
                    "email": f"smoke-{self.run}-{first.lower()}@example.com",
                    "phoneNumber": phone,
                    "phoneType": 2,
                },
            )
            if status == 409:
                continue
            if status != 200:
                raise SmokeFailed(f"POST /user: HTTP {status}: {body[:300]!r}")
            user_id = int(text_of(body, "userId"))
            self.made.append(user_id)
            return user_id, phone
        raise SmokeFailed("POST /user: every number tried is taken")

    def all(self) -> None:
        steps = [self.users, self.call, self.blast, self.texts]
        try:
            for step in steps:
                step()
        finally:
            for user_id in self.made:
                self.client.request("DELETE", f"/user/{user_id}")

    def users(self) -> None:
        started = time.monotonic()
        c = self.client
        user_id, _ = self.user("Ann")
        text_of(c.ok("GET", f"/user/{user_id}"), "firstName")
        if c.json(f"/user/{user_id}")["user"]["firstName"] != "Ann":
            raise SmokeFailed("user GET in JSON: not the user created")
        c.ok("PUT", f"/user/{user_id}?verbose=1", {"city": "Denver"})
        email = f"smoke-{self.run}-ann@example.com"
        if int(text_of(c.ok("GET", f"/uidbyemail/{email}"), "id")) != user_id:
            raise SmokeFailed("uidbyemail: not the user created")
        c.ok("DELETE", f"/user/{user_id}?verbose=1")
        self.made.remove(user_id)
        if c.request("GET", f"/user/{user_id}")[0] != 404:
            raise SmokeFailed("user GET after DELETE: still there")
        self.proved(
            "users: created, read in XML and JSON, changed, found by email, deleted", started
        )

    def call(self) -> None:
        started = time.monotonic()
        c = self.client
        john, _ = self.user("John")
        jane, _ = self.user("Jane")
        numbers = (
            [MAGIC_INVALID, MAGIC_VALID] if self.twilio_test else [BUSY, NO_ANSWER, "3035551234"]
        )
        hunt = {"userId": jane, "phoneNumber": ",".join(numbers), "phoneType": 2}
        status, body = c.request("POST", "/huntorder", hunt)
        if status == 409:  # 113: the test numbers are another user's (the README's Jane?)
            raise SmokeFailed(
                f"the test numbers {', '.join(numbers)} are another user's on this stage "
                "(113): delete that user (the README's Jane: DELETE /user/ID), then smoke again"
            )
        if status not in (200, 201):
            raise SmokeFailed(f"POST /huntorder: HTTP {status}: {body[:300]!r}")
        call_id = int(
            text_of(
                c.ok(
                    "POST",
                    "/call",
                    {
                        "userId": john,
                        "origination": f"1:{john}",
                        "destination": f"1:{jane}",
                        "text": "OCP smoke check. Press 1.",
                    },
                ),
                "callId",
            )
        )
        done = self.wait(
            f"call {call_id}",
            lambda: (lambda b: b if b["callComplete"] else None)(c.json(f"/call/{call_id}")),
        )
        results = [f"{a['number']} {a['result']}" for a in done["attempts"]]
        if not self.twilio_test:
            expected = [f"{BUSY} Busy", f"{NO_ANSWER} NoAnswer", "3035551234 Success"]
            if results != expected:
                raise SmokeFailed(f"call {call_id}: attempts {results}, not {expected}")
        mou = text_of(c.ok("GET", f"/mouused?userId={john}"), "mou")
        self.proved(f"call {call_id}: hunted {', '.join(results)}; {mou} min billed", started)
        self.john = john

    def blast(self) -> None:
        started = time.monotonic()
        c = self.client
        key = str(uuid.uuid4())
        to = (
            [f"3:{MAGIC_VALID}", f"3:{MAGIC_BLOCKED}"]
            if self.twilio_test
            else ["3:3035551212", f"3:{MACHINE}", f"3:{BUSY}"]
        )
        body = {
            "userId": self.john,
            "origination": f"1:{self.john}",
            "destination": ",".join(to),
            "text": "OCP smoke check: practice moved",
        }
        first = int(text_of(c.ok("POST", "/blastvoice", body, {"Idempotency-Key": key}), "blastid"))
        again = int(text_of(c.ok("POST", "/blastvoice", body, {"Idempotency-Key": key}), "blastid"))
        if first != again:
            raise SmokeFailed(f"one Idempotency-Key, two blasts: {first} and {again}")
        path = f"/blastVoice/{first}?userId={self.john}"
        done = self.wait(
            f"blast {first}",
            lambda: (lambda b: b if b.get("currentState") == "complete" else None)(c.json(path)),
        )
        results = [
            f"{t['value']} {t['attempts'][-1]['result'] if t['attempts'] else 'none'}"
            for t in done["terminations"]
        ]
        if not self.twilio_test and [r.split()[1] for r in results] != [
            "Success",
            "Success",
            "Busy",
        ]:
            raise SmokeFailed(f"blast {first}: {results}")
        self.proved(
            f"blast {first}: POSTed twice with one key, one blast; {', '.join(results)}", started
        )

    def texts(self) -> None:
        started = time.monotonic()
        c = self.client
        to = [f"3:{MAGIC_VALID}", f"3:{MAGIC_BLOCKED}"] if self.twilio_test else ["3:3035551212"]
        blast_id = int(
            text_of(
                c.ok(
                    "POST",
                    "/blastsms",
                    {
                        "userId": self.john,
                        "origination": f"1:{self.john}",
                        "destination": ",".join(to),
                        "text": "OCP smoke check",
                    },
                ),
                "blastid",
            )
        )
        path = f"/blastsms/{blast_id}?userId={self.john}"
        done = self.wait(
            f"text blast {blast_id}",
            lambda: (lambda b: b if b.get("currentState") == "complete" else None)(c.json(path)),
        )
        results = [
            f"{t['value']} {t['attempts'][-1]['result'] if t['attempts'] else 'none'}"
            for t in done["terminations"]
        ]
        self.proved(f"text blast {blast_id}: {', '.join(results)}", started)


def endpoint_of(stage: str) -> str:
    """The stack's EndpointURL output (your credentials' account and region)."""
    import boto3

    stack = f"ocp-{stage}"
    try:
        found = boto3.client("cloudformation").describe_stacks(StackName=stack)["Stacks"][0]
    except Exception as error:
        raise SmokeFailed(
            f"no stack {stack} to smoke ({error}): deploy it, or give BASE="
        ) from None
    for output in found.get("Outputs", []):
        if output["OutputKey"] == "EndpointURL":
            return str(output["OutputValue"])
    raise SmokeFailed(f"stack {stack} has no EndpointURL output")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m local.smoke", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--base", default=os.environ.get("BASE") or None)
    parser.add_argument("--stage", default=None, help="read the base URL off stack ocp-STAGE")
    parser.add_argument("--eid", type=int, default=int(os.environ.get("EID") or 1))
    parser.add_argument(
        "--twilio-test", action="store_true", default=bool(os.environ.get("TWILIO_TEST"))
    )
    parser.add_argument("--wait", type=float, default=300, help="seconds per step at most")
    args = parser.parse_args(argv)
    started = time.monotonic()
    try:
        base = args.base or (endpoint_of(args.stage) if args.stage else None)
        if not base:
            raise SmokeFailed("which stage? --base URL (BASE=) or --stage NAME (STAGE=)")
        base = base.rstrip("/")
        local = base.startswith(("http://127.", "http://localhost"))
        secret = os.environ.get("OCP_SECRET") or ("56789" if local else "")
        if not secret:
            raise SmokeFailed("the enterprise's secret: read -rs OCP_SECRET; export OCP_SECRET")
        try:
            auth = f"Basic {args.eid}:{open_session(base, args.eid, secret, timeout=30)}"
        except SystemExit as error:
            raise SmokeFailed(str(error)) from None
        print(
            f"smoke: {base}, enterprise {args.eid}"
            + (" (Twilio magic numbers)" if args.twilio_test else "")
        )
        print(f"ok    session: enterprise {args.eid} signs in ({time.monotonic() - started:.1f} s)")
        Smoke(Client(base, auth), twilio_test=args.twilio_test, wait_seconds=args.wait).all()
    except SmokeFailed as failure:
        print(f"FAIL  {failure}", file=sys.stderr)
        return 1
    print(f"smoke: everything above proved in {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
