"""A local stand-in for Twilio Programmable Voice, so that `make run` with
`OCP_CARRIER=twilio` and the workflow tests run the real adapter and the real webhooks.

It serves the REST requests the adapter makes, each checked against Twilio's own OpenAPI
description (local/twilio_oai/, path and form parameters by name, type, enum, pattern,
the required ones, and HTTP Basic with the account's SID and auth token):

    POST /2010-04-01/Accounts/{AccountSid}/Calls.json                  Calls create
    POST /2010-04-01/Accounts/{AccountSid}/Calls/{Sid}.json            Call update
    GET  /2010-04-01/Accounts/{AccountSid}/Conferences.json            Conferences list
    POST /2010-04-01/Accounts/{AccountSid}/Conferences/{Sid}.json      Conference update
    POST /2010-04-01/Accounts/{AccountSid}/Messages.json               Messages create

and plays the telephone network: each call is a thread that requests its TwiML from the
app's webhooks as Twilio does (a signed form POST: `X-Twilio-Signature`, or SignalWire's
header), parses it, refuses verbs and attributes TwiML does not have (`errors`), and
carries it out: <Play>, <Say>, <Pause>, <Gather>, <Dial> with <Number>s (each answered
number runs its `url` first) or a <Conference>, <Redirect>, <Hangup>. A live call
redirected by Calls update interrupts what it is doing, as on Twilio. Status callbacks,
asynchronous answering-machine detection results and <Dial> actions are sent signed too.

Who answers follows the simulated carrier's test numbers (README "Test numbers"):
555-0101 busy, 0102 no answer (after `ring`), 0103 an answering machine (detected as one:
`machine_start`, or `machine_end_beep` with DetectMessageEnd; it never presses a key),
0104 a person who presses 2, 0105 a person who answers after `slow` seconds, 0106 a call
that fails, 0107 a person who presses 9 (a blast's optOutDigit, issue 27); anyone else
answers and presses 1 when asked. A connected party hangs up after
`talk` seconds.

Texts follow the SMS test numbers (docs/sms.md, chalicelib/messaging/simulated.py): a
moment (`Timing.text`) after the create, the StatusCallback gets `sent`, then 555-0111
`undelivered` 30006 (invalid), 0112 `undelivered` 30003 (unreachable), 0113 `undelivered`
30007 (blocked), 0116 `failed` 30001 (expired), anyone else `delivered`; 0114 is refused at
the create (400, 21610: opted out) and 0115 never gets past `sent`. Each callback is sent
once, as Twilio does without connection overrides: one that comes before the send's own
write must not be lost by the app (docs/sms.md "Receipts are idempotent").

Fault injection for tests: `refuse` (a number -> (HTTP status, Twilio error code) for
Calls create), `fail_next` (the next REST answers), `lose` (which webhooks are never sent).

    python -m local.fake_twilio --port 5002 --app http://127.0.0.1:8000
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import json
import logging
import queue
import re
import threading
import time
import traceback
import urllib.error
import urllib.request
import uuid
import xml.etree.ElementTree as ET
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

from chalicelib import messaging
from chalicelib.messaging import simulated as texts
from chalicelib.providers.twilio import signature
from chalicelib.telephony.simulated import (
    ANSWERING_MACHINE,
    BROKEN,
    BUSY_LINE,
    DECLINER,
    NOBODY,
    OPTER,
    SLOW_HUMAN,
    behaviour,
)

log = logging.getLogger("chalicelib.local.fake_twilio")

SPEC = Path(__file__).with_name("twilio_oai") / "twilio_api_v2010.json"
ACCOUNT_SID = "AC" + "0" * 31 + "1"
AUTH_TOKEN = "local-twilio-auth-token"

# TwiML (twilio.com/docs/voice/twiml): the verbs carried out here and the attributes each
# verb has; a verb or attribute not listed is refused (nested: which nouns each takes).
ATTRIBUTES: dict[str, set[str]] = {
    "Response": set(),
    "Play": {"loop", "digits"},
    "Say": {"voice", "language", "loop"},
    "Pause": {"length"},
    "Hangup": set(),
    "Redirect": {"method"},
    "Gather": {
        "action", "method", "timeout", "finishOnKey", "numDigits", "input", "speechTimeout",
        "hints", "language", "partialResultCallback", "partialResultCallbackMethod",
        "profanityFilter", "speechModel", "enhanced", "actionOnEmptyResult", "bargeIn",
        "debug", "maxSpeechTime",
    },
    "Dial": {
        "action", "method", "timeout", "hangupOnStar", "timeLimit", "callerId", "record",
        "trim", "recordingStatusCallback", "recordingStatusCallbackMethod",
        "recordingStatusCallbackEvent", "answerOnBridge", "ringTone", "recordingTrack",
        "sequential", "referUrl", "referMethod", "events",
    },
    "Number": {
        "sendDigits", "url", "method", "statusCallbackEvent", "statusCallback",
        "statusCallbackMethod", "byoc", "machineDetection", "amdStatusCallbackMethod",
        "amdStatusCallback", "machineDetectionTimeout", "machineDetectionSpeechThreshold",
        "machineDetectionSpeechEndThreshold", "machineDetectionSilenceTimeout",
    },
    "Conference": {
        "muted", "beep", "startConferenceOnEnter", "endConferenceOnExit", "waitUrl",
        "waitMethod", "maxParticipants", "record", "region", "coach", "trim",
        "statusCallbackEvent", "statusCallback", "statusCallbackMethod",
        "recordingStatusCallback", "recordingStatusCallbackMethod",
        "recordingStatusCallbackEvent", "eventCallbackUrl", "jitterBufferSize",
        "participantLabel",
    },
}  # fmt: skip
CHILDREN = {
    "Response": {"Play", "Say", "Pause", "Hangup", "Redirect", "Gather", "Dial"},
    "Gather": {"Play", "Say", "Pause"},
    "Dial": {"Number", "Conference"},
}
BOOLEAN = {"actionOnEmptyResult", "startConferenceOnEnter", "endConferenceOnExit", "beep"}
INTEGER = {"numDigits", "timeout", "length", "loop", "timeLimit", "maxParticipants"}
DTMF = re.compile(r"[0-9wW#*]+")
METHODS = {"GET", "POST"}
# The log keeps this many lines (a blast's thousands of callbacks under `make run` would
# otherwise all stay in memory).
LOG_LINES = 5000
URL = re.compile(r"https?://([^<\s\"?]+)(\?[^<\s\"]*)?")


# A text's final status and ErrorCode by its number's fate (docs/sms.md "Test numbers").
TEXT_FATES = {
    messaging.INVALID: ("undelivered", "30006"),
    messaging.UNREACHABLE: ("undelivered", "30003"),
    messaging.BLOCKED: ("undelivered", "30007"),
    messaging.EXPIRED: ("failed", "30001"),
}


class TwilioError(Exception):
    def __init__(self, status: int, code: int, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


class Hangup(Exception):
    """The call is over."""


# <Gather>'s own default timeout: how long a party that presses nothing is waited for.
GATHER_TIMEOUT_SECONDS = 5.0


@dataclass
class Timing:
    ring: float = 2.0  # an unanswered phone rings this long
    answer: float = 0.0  # a person picks up after this
    slow: float = 3.0  # 555-0105 picks up after this
    play: float = 1.0  # any audio plays this long
    amd: float = 0.5  # asynchronous machine detection answers after this
    talk: float = 12.0  # a connected party hangs up after this
    # The talk may pass on a virtual clock (the tests' frozen clock) instead.
    talk_clock: Callable[[float], None] | None = None
    pause_cap: float | None = None  # tests: a <Pause> lasts at most this long
    text: float = 0.5  # a text's status callbacks come after this


def post_http(url: str, headers: dict[str, str], body: bytes) -> tuple[int, str]:
    """A webhook over HTTP, as Twilio sends it (15 s at most)."""
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(errors="replace")


class OpenApi:
    """The operations of Twilio's description, matched by method and path."""

    def __init__(self, path: Path = SPEC):
        doc = json.loads(path.read_text())
        self.schemas = doc["components"]["schemas"]
        self.operations: list[tuple[str, re.Pattern, dict]] = []
        for template, item in doc["paths"].items():
            pattern = re.compile(
                "^" + re.sub(r"\\{(\w+)\\}", r"(?P<\1>[^/]+)", re.escape(template)) + "$"
            )
            for method, op in item.items():
                if method in ("get", "post"):
                    self.operations.append((method.upper(), pattern, op))

    def check(self, method: str, path: str, params: list[tuple[str, str]]) -> dict[str, str]:
        """The path parameters; TwilioError 400/404 for what Twilio would refuse."""
        for verb, pattern, op in self.operations:
            found = pattern.match(path)
            if verb != method or not found:
                continue
            values = found.groupdict()
            declared = op.get("parameters", [])
            for p in declared:
                if p["in"] == "path":
                    self._value(p["name"], values[p["name"]], p["schema"])
            if method == "GET":
                known = {p["name"]: p["schema"] for p in declared if p["in"] == "query"}
                required: list[str] = []
            else:
                body = op["requestBody"]["content"]["application/x-www-form-urlencoded"]
                schema = body["schema"]
                known, required = schema["properties"], schema.get("required", [])
            names = [name for name, _ in params]
            for name in required:
                if name not in names:
                    raise TwilioError(400, 21201, f"missing required parameter {name}")
            for name, value in params:
                if name not in known:
                    raise TwilioError(400, 20001, f"unknown parameter {name}")
                self._value(name, value, known[name])
            return values
        raise TwilioError(404, 20404, f"no such resource: {method} {path}")

    def _value(self, name: str, value: str, schema: dict) -> None:
        if "$ref" in schema:
            schema = self.schemas[schema["$ref"].rsplit("/", 1)[-1]]
        kind = schema.get("type")
        if kind == "array":
            schema = schema.get("items", {})
            kind = schema.get("type")
        bad = (
            (kind == "integer" and not re.fullmatch(r"-?\d+", value))
            or (kind == "boolean" and value not in ("true", "false"))
            or ("enum" in schema and value not in schema["enum"])
            or ("pattern" in schema and not re.search(schema["pattern"], value))
            or (schema.get("format") == "uri" and not re.match(r"https?://", value))
        )
        if bad:
            raise TwilioError(400, 21205 if name.endswith("Url") else 20001, f"invalid {name}")


class FakeTwilio:
    def __init__(
        self,
        app_post: Callable[[str, dict[str, str], bytes], tuple[int, str]] = post_http,
        timing: Timing | None = None,
        account_sid: str = ACCOUNT_SID,
        auth_token: str = AUTH_TOKEN,
        header: str = signature.TWILIO_HEADER,
        signing_key: str | None = None,
    ):
        self.app_post = app_post
        self.timing = timing or Timing()
        self.account_sid, self.auth_token = account_sid, auth_token
        self.header, self.signing_key = header, signing_key or auth_token
        self.api = OpenApi()
        self.lock = threading.Lock()
        self.calls: dict[str, Call] = {}
        self.conferences: dict[str, dict] = {}  # name -> {"sid", "status", "members"}
        # What happened, for tests and `make watch`'s neighbour, the log.
        self.dialed: list[str] = []  # To of every call created
        self.bridged: list[str] = []  # every <Number> of every <Dial>
        self.sent_digits: list[tuple[str, str]] = []  # (CallSid, digits)
        self.played: list[str] = []  # every <Play> URL
        self.requests: list[tuple[str, str, list]] = []  # (method, path, params)
        self.texted: list[str] = []  # To of every message created
        self.sending: list[threading.Thread] = []  # each text's status callbacks
        self.text_stats: dict = {
            "accepted": 0, "refused": 0, "events": 0, "first": None, "last": None,
        }  # fmt: skip
        self.webhooks: list[tuple[str, dict]] = []  # (url, params) sent
        self.errors: list[str] = []  # what Twilio would have refused or failed on
        # The latest calls, updates and webhooks in order, with the time of day (a failed
        # test's evidence: tests/workflows/conftest.py prints it).
        self.log: deque[str] = deque(maxlen=LOG_LINES)
        # Fault injection.
        self.refuse: dict[str, tuple[int, int]] = {}  # To -> (status, code)
        self.fail_next: list[tuple[int, int]] = []
        self.lose: Callable[[str, dict], bool] = lambda url, params: False

    def note(self, text: str) -> None:
        with self.lock:
            self.log.append(f"{datetime.now(UTC):%H:%M:%S.%f} {text}")

    def log_lines(self) -> list[str]:
        with self.lock:
            return list(self.log)

    # -- REST ---------------------------------------------------------------------------

    def respond(self, method: str, raw_path: str, headers: Any, body: bytes) -> tuple[int, dict]:
        path, _, query = raw_path.partition("?")
        params = parse_qsl((body or b"").decode() if method == "POST" else query, True)
        with self.lock:
            self.requests.append((method, path, params))
        try:
            self._authorised(headers.get("Authorization") or "")
            values = self.api.check(method, path, params)
            if values.get("AccountSid") != self.account_sid:
                raise TwilioError(404, 20404, "no such account")
            if self.fail_next:
                status, code = self.fail_next.pop(0)
                raise TwilioError(status, code, "injected")
            return self._operation(method, path, values, params)
        except TwilioError as e:
            if e.code in (20001, 21201, 21205, 20003):
                self.errors.append(f"{method} {path}: {e.message}")
            return e.status, {"code": e.code, "message": e.message, "status": e.status}

    def _authorised(self, header: str) -> None:
        expected = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        if header != f"Basic {expected}":
            raise TwilioError(401, 20003, "Authenticate")

    def _operation(self, method: str, path: str, values: dict, params: list) -> tuple[int, dict]:
        form = dict(params)
        if path.endswith("/Calls.json"):
            return 201, self.create_call(form)
        if path.endswith("/Messages.json"):
            return 201, self.create_message(form)
        if path.endswith("/Conferences.json"):
            name = form.get("FriendlyName")
            with self.lock:
                found = [
                    {"sid": c["sid"], "friendly_name": n, "status": c["status"]}
                    for n, c in self.conferences.items()
                    if (name is None or n == name)
                    and c["status"] == form.get("Status", c["status"])
                ]
            return 200, {"conferences": found}
        if "/Conferences/" in path:
            self.end_conference(values["Sid"])
            return 200, {"sid": values["Sid"], "status": "completed"}
        call = self.calls.get(values["Sid"])
        if call is None or call.over.is_set():
            raise TwilioError(404, 20404, "no such call in progress")
        self.note(f"update {call.sid[:10]} {form}")
        call.inbox.put(form)
        return 200, {"sid": call.sid, "status": call.status}

    def create_call(self, form: dict) -> dict:
        to = form["To"]
        if to in self.refuse:
            status, code = self.refuse[to]
            raise TwilioError(status, code, "refused")
        if not form.get("Url"):
            raise TwilioError(400, 21205, "Url is required here")
        sid = "CA" + uuid.uuid4().hex
        call = Call(self, sid, form["From"], to, form)
        with self.lock:
            self.calls[sid] = call
            self.dialed.append(to)
        self.note(f"create {sid[:10]} To={to}")
        call.start()
        return {"sid": sid, "status": "queued", "to": to, "from": form["From"], "queue_time": "0"}

    def create_message(self, form: dict) -> dict:
        to = form["To"]
        if not (form.get("From") or form.get("MessagingServiceSid")):
            raise TwilioError(400, 21603, "A 'From' or 'MessagingServiceSid' is required")
        if not form.get("Body"):
            raise TwilioError(400, 21602, "Message body is required")
        fate = texts.fate(to)
        with self.lock:
            now = time.time()
            self.text_stats["first"] = self.text_stats["first"] or now
            self.text_stats["last"] = now
            self.text_stats["refused" if fate == messaging.OPTED_OUT else "accepted"] += 1
        if fate == messaging.OPTED_OUT:
            raise TwilioError(400, 21610, "Attempt to send to unsubscribed recipient")
        sid = "SM" + uuid.uuid4().hex
        with self.lock:
            self.texted.append(to)
        callback = form.get("StatusCallback")
        if callback:
            sending = threading.Thread(
                target=self._text_statuses, args=(callback, sid, form, fate), daemon=True
            )
            with self.lock:
                self.sending.append(sending)
            sending.start()
        return {
            "sid": sid,
            "status": "queued",
            "to": to,
            "from": form.get("From"),
            "body": form["Body"],
        }

    def _text_statuses(self, url: str, sid: str, form: dict, fate: str) -> None:
        time.sleep(self.timing.text)
        base = {"MessageSid": sid, "SmsSid": sid, "To": form["To"], "From": form.get("From", "")}
        self.text_status(url, {**base, "MessageStatus": "sent", "SmsStatus": "sent"})
        if fate == texts.NO_RECEIPT:
            return
        status, code = TEXT_FATES.get(fate, ("delivered", ""))
        final = {**base, "MessageStatus": status, "SmsStatus": status}
        self.text_status(url, {**final, "ErrorCode": code} if code else final)

    def text_status(self, url: str, params: dict[str, str]) -> None:
        """A text's status callback, sent once (Twilio retries only when the URL asks)."""
        try:
            found = self._signed_post(url, params)
        except Exception as e:  # the app is gone (a test ended)
            self.errors.append(f"text status {url}: {e!r}")
            return
        if found is None:  # lost
            return
        with self.lock:
            self.text_stats["events"] += 1
        if found[0] != 200:
            self.errors.append(f"text status {url}: HTTP {found[0]}")

    def end_conference(self, sid: str) -> None:
        with self.lock:
            room = next((c for c in self.conferences.values() if c["sid"] == sid), None)
            if room is None:
                raise TwilioError(404, 20404, "no such conference")
            room["status"] = "completed"
            room["ended"].set()

    def room(self, name: str) -> dict:
        with self.lock:
            room = self.conferences.get(name)
            if room is None or room["status"] == "completed":
                room = self.conferences[name] = {
                    "sid": "CF" + uuid.uuid4().hex,
                    "status": "in-progress",
                    "members": [],
                    "ended": threading.Event(),
                }
            return room

    # -- webhooks --------------------------------------------------------------------------

    def webhook(self, url: str, params: dict[str, str]) -> str | None:
        """POST a signed webhook; its body, or None if it failed (or was lost)."""
        try:
            return self._webhook(url, params)
        except Exception as e:  # the app is gone (a test ended): as a failed request
            self.errors.append(f"webhook {url}: {e!r}")
            self.note(f"<- {_short(url)} raised:\n{traceback.format_exc()}")
            return None

    def _webhook(self, url: str, params: dict[str, str]) -> str | None:
        found = self._signed_post(url, params)
        if found is None:
            return None
        status, body = found
        if status != 200:
            self.errors.append(f"webhook {url}: HTTP {status}")
            return None
        return body

    def _signed_post(self, url: str, params: dict[str, str]) -> tuple[int, str] | None:
        """POST a webhook signed as Twilio signs it; None if it was lost."""
        params = {"AccountSid": self.account_sid, "ApiVersion": "2010-04-01", **params}
        if self.lose(url, params):
            return None
        pairs = list(params.items())
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            self.header: signature.sign(self.signing_key, url, pairs),
        }
        if self.header != signature.TWILIO_HEADER:  # SignalWire sends both names
            headers[signature.TWILIO_HEADER] = headers[self.header]
        with self.lock:
            self.webhooks.append((url, params))
        shown = {k: v for k, v in params.items() if k not in ("AccountSid", "ApiVersion", "From")}
        self.note(f"-> {_short(url)} {shown}")
        status, body = self.app_post(url, headers, urlencode(pairs).encode())
        self.note(f"<- {status} {_short(url)} {_short(body)}")
        return status, body

    def twiml(self, url: str, params: dict[str, str]) -> ET.Element | None:
        body = self.webhook(url, params)
        if body is None:
            return None
        try:
            doc = ET.fromstring(body)
        except ET.ParseError as e:
            self.errors.append(f"TwiML of {url}: not XML: {e}")
            return None
        problem = check_twiml(doc)
        if problem:
            self.errors.append(f"TwiML of {url}: {problem}")
            return None
        return doc

    # -- waiting, for tests -------------------------------------------------------------------

    def idle(self, timeout: float = 30.0) -> bool:
        deadline = time.monotonic() + timeout
        for call in list(self.calls.values()):
            if not call.over.wait(max(0.0, deadline - time.monotonic())):
                return False
        for sending in list(self.sending):
            sending.join(max(0.0, deadline - time.monotonic()))
            if sending.is_alive():
                return False
        return True

    def stats(self) -> dict:
        """What `GET /stats` answers (local/sms_blast_check.py): texts taken and refused,
        their status callbacks sent, and when the first and last text came."""
        with self.lock:
            return {**self.text_stats, "throttled": 0}

    def hang_up_everyone(self) -> None:
        for call in list(self.calls.values()):
            call.inbox.put({"Status": "completed"})

    # -- HTTP -------------------------------------------------------------------------------

    def serve(self, port: int = 0, host: str = "127.0.0.1") -> ThreadingHTTPServer:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _any(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                if self.command == "GET" and self.path == "/stats":
                    status, answer = 200, fake.stats()
                else:
                    status, answer = fake.respond(self.command, self.path, self.headers, body)
                raw = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            do_GET = do_POST = _any

            def log_message(self, *args: Any) -> None:
                pass

        server = ThreadingHTTPServer((host, port), Handler)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True, name="fake-twilio").start()
        return server


def _short(text: str) -> str:
    """A URL, or the URLs in TwiML, by their last four path parts (the log's)."""
    return URL.sub(lambda m: "/".join(m.group(1).split("/")[-4:]), text)


def check_twiml(element: ET.Element, parent: str | None = None) -> str:
    """What Twilio would refuse in a TwiML document (empty: nothing)."""
    name = element.tag
    if parent is None and name != "Response":
        return f"the root is <{name}>, not <Response>"
    if parent is not None and name not in CHILDREN.get(parent, set()):
        return f"<{name}> is not allowed in <{parent}>"
    unknown = set(element.attrib) - ATTRIBUTES.get(name, set())
    if unknown:
        return f"<{name}> has no attribute {sorted(unknown)}"
    for attr, value in element.attrib.items():
        if attr in BOOLEAN and value not in ("true", "false"):
            return f"<{name} {attr}> is not true/false: {value}"
        if attr in INTEGER and not value.isdigit():
            return f"<{name} {attr}> is not a number: {value}"
        if attr == "method" and value not in METHODS:
            return f"<{name} method> is {value}"
        if attr in ("digits", "sendDigits") and not DTMF.fullmatch(value):
            return f"<{name} {attr}> is not DTMF"
    if name == "Redirect" and not (element.text or "").strip():
        return "<Redirect> has no URL"
    if name == "Play" and not (element.text or "").strip() and "digits" not in element.attrib:
        return "<Play> has neither a URL nor digits"
    for child in element:
        problem = check_twiml(child, name)
        if problem:
            return problem
    return ""


OPT_OUT_KEY = "9"  # the key 555-0107 presses (docs/carriers.md#test-numbers)


def _presses(kind: str) -> str:
    """The key a party presses when asked: a person 1, 555-0104 2, a machine nothing."""
    if kind == ANSWERING_MACHINE:
        return ""
    if kind == DECLINER:
        return "2"
    if kind == OPTER:
        return OPT_OUT_KEY  # issue 27: 555-0107 presses a blast's opt-out digit, 9
    return "1"


@dataclass
class Call:
    twilio: FakeTwilio
    sid: str
    frm: str
    to: str
    form: dict
    status: str = "queued"
    inbox: queue.Queue = field(default_factory=queue.Queue)
    over: threading.Event = field(default_factory=threading.Event)
    answered_at: float | None = None
    talked: float = 0.0
    # Set once an asynchronous machine detection result has been sent (or none is due).
    detected: threading.Event = field(default_factory=threading.Event)

    def start(self) -> None:
        threading.Thread(target=self._run, daemon=True, name=f"call-{self.sid[:10]}").start()

    def params(self, **more: str) -> dict[str, str]:
        return {
            "CallSid": self.sid,
            "From": self.frm,
            "To": self.to,
            "Direction": "outbound-api",
            "CallStatus": self.status,
            **more,
        }

    def _run(self) -> None:
        try:
            self._call()
            self._end("completed")
        except Hangup:
            self._end(self.status if self.status != "in-progress" else "completed")
        except Exception as e:
            log.exception("fake Twilio call %s failed", self.sid)
            self.twilio.errors.append(f"call {self.sid} crashed: {e!r}")
            self._end("failed")
        finally:
            self.over.set()

    def _end(self, status: str) -> None:
        if self.over.is_set():
            return
        self.status = status
        callback = self.form.get("StatusCallback")
        if callback:
            duration = int(self.talked) if self.answered_at is not None else 0
            self.twilio.webhook(
                callback, self.params(CallDuration=str(duration), CallStatus=status)
            )
        self.over.set()

    def _call(self) -> None:
        t = self.twilio.timing
        kind = behaviour(self.to)
        self.status = "ringing"
        if kind == BROKEN:
            self.status = "failed"
            raise Hangup
        if kind == BUSY_LINE:
            self.status = "busy"
            raise Hangup
        timeout = float(self.form.get("Timeout") or 60)
        if kind == NOBODY:
            self._ring(min(timeout, t.ring))
            self.status = "no-answer"
            raise Hangup
        self._ring(t.slow if kind == SLOW_HUMAN else t.answer)
        self.status = "in-progress"
        self.answered_at = time.monotonic()
        self.twilio.note(f"answered {self.sid[:10]} {self.to}")
        detection = self.form.get("MachineDetection")
        machine = kind == ANSWERING_MACHINE
        answered_by = {}
        if detection:
            found = (
                ("machine_end_beep" if detection == "DetectMessageEnd" else "machine_start")
                if machine
                else "human"
            )
            if self.form.get("AsyncAmd") != "true":
                answered_by = {"AnsweredBy": found}
        doc = self.twilio.twiml(self.form["Url"], self.params(**answered_by))
        if detection and self.form.get("AsyncAmd") == "true":
            # Detection listens to the greeting: its result never comes before the answer's
            # TwiML was fetched (a machine's beep is seconds away), however fast `amd` is.
            threading.Thread(target=self._amd, args=(found,), daemon=True).start()
        else:
            self.detected.set()
        self.run(doc, kind)

    def _amd(self, answered_by: str) -> None:
        time.sleep(self.twilio.timing.amd)
        try:
            if not self.over.is_set():
                self.twilio.webhook(
                    self.form["AsyncAmdStatusCallback"], self.params(AnsweredBy=answered_by)
                )
        finally:
            self.detected.set()

    def _ring(self, seconds: float) -> None:
        """Ring for `seconds`; Status=completed/canceled meanwhile cancels the call."""
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            try:
                update = self.inbox.get(timeout=left)
            except queue.Empty:
                return
            if update.get("Status") in ("completed", "canceled"):
                self.status = "canceled"
                raise Hangup

    # -- TwiML ------------------------------------------------------------------------------

    def run(self, doc: ET.Element | None, kind: str) -> None:
        """Carry out TwiML until the call ends; a redirect (Calls update Url) replaces it."""
        while doc is not None:
            try:
                doc = self._verbs(list(doc), kind)
            except Redirected as r:
                doc = self.twilio.twiml(r.url, self.params())

    def _verbs(self, verbs: list[ET.Element], kind: str) -> ET.Element | None:
        for verb in verbs:
            following = self._verb(verb, kind)
            if following is not None:
                return following
        return None  # the end of the document: Twilio hangs up

    def _verb(self, verb: ET.Element, kind: str) -> ET.Element | None:
        t = self.twilio.timing
        name, a = verb.tag, verb.attrib
        if name == "Hangup":
            raise Hangup
        if name in ("Play", "Say"):
            with self.twilio.lock:
                if a.get("digits"):
                    self.twilio.sent_digits.append((self.sid, a["digits"]))
                elif name == "Play":
                    self.twilio.played.append((verb.text or "").strip())
            self._wait(t.play)
            return None
        if name == "Pause":
            length = float(a.get("length", 1))
            self._wait(length if t.pause_cap is None else min(length, t.pause_cap))
            return None
        if name == "Redirect":
            return self.twilio.twiml((verb.text or "").strip(), self.params())
        if name == "Gather":
            for child in verb:
                self._verb(child, kind)
            digits = _presses(kind)  # (after the prompts: a person waits for the question)
            if not digits:
                # A machine never presses a key: its Gather times out only after the
                # detection (which listens to its greeting) has answered, however slow
                # this machine is; what the app does with the result interrupts the wait.
                self._wait_for(self.detected, GATHER_TIMEOUT_SECONDS)
            if digits or a.get("actionOnEmptyResult") == "true":
                return self.twilio.twiml(a["action"], self.params(Digits=digits))
            return None
        if name == "Dial":
            return self._dial(verb, kind)
        self.twilio.errors.append(f"<{name}> not carried out")
        raise Hangup

    def _wait(self, seconds: float) -> None:
        """Let `seconds` pass; an update meanwhile interrupts it (Redirected / Hangup)."""
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            try:
                update = self.inbox.get(timeout=left)
            except queue.Empty:
                return
            self._update(update)

    def _wait_for(self, event: threading.Event, seconds: float) -> None:
        """Wait until `event` is set, at most `seconds`; an update meanwhile interrupts."""
        deadline = time.monotonic() + seconds
        while not event.is_set() and (left := deadline - time.monotonic()) > 0:
            try:
                update = self.inbox.get(timeout=min(left, 0.01))
            except queue.Empty:
                continue
            self._update(update)
        with contextlib.suppress(queue.Empty):
            self._update(self.inbox.get_nowait())

    def _update(self, update: dict) -> None:
        if update.get("Status") in ("completed", "canceled"):
            raise Hangup
        if update.get("Url"):
            raise Redirected(update["Url"])

    def _talk(self, ended: threading.Event | None = None) -> float:
        """A conversation: the far end hangs up after `talk` seconds; its length."""
        t = self.twilio.timing
        if t.talk_clock is not None:
            # Drain an update that came meanwhile (a hang up), then pass the talk virtually.
            with contextlib.suppress(queue.Empty):
                self._update(self.inbox.get_nowait())
            t.talk_clock(t.talk)
            return t.talk
        started = time.monotonic()
        deadline = started + t.talk
        while (left := deadline - time.monotonic()) > 0:
            if ended is not None and ended.is_set():
                break
            try:
                update = self.inbox.get(timeout=min(left, 0.2))
            except queue.Empty:
                continue
            self._update(update)
        return time.monotonic() - started

    def _dial(self, verb: ET.Element, kind: str) -> ET.Element | None:
        a = verb.attrib
        nouns = list(verb)
        if nouns and nouns[0].tag == "Conference":
            room = self.twilio.room((nouns[0].text or "").strip())
            with self.twilio.lock:
                room["members"].append(self.sid)
            self.talked += self._talk(room["ended"])
            return None
        status, seconds = self._ring_numbers(nouns, a)
        self.talked += seconds
        if a.get("action"):
            return self.twilio.twiml(
                a["action"],
                self.params(DialCallStatus=status, DialCallDuration=str(int(seconds))),
            )
        return None

    def _ring_numbers(self, numbers: list[ET.Element], a: dict) -> tuple[str, float]:
        """Ring every <Number> at once: (DialCallStatus, seconds talked). The quickest to
        answer runs its `url` first; one that hangs up there leaves the others ringing."""
        t = self.twilio.timing
        timeout = float(a.get("timeout", 30))
        results: list[str] = []
        answering: list[tuple[float, int]] = []
        for n, number in enumerate(numbers):
            e164 = (number.text or "").strip()
            with self.twilio.lock:
                self.twilio.bridged.append(e164)
            far = behaviour(e164)
            if far == BUSY_LINE:
                results.append("busy")
            elif far == BROKEN:
                results.append("failed")
            elif far == NOBODY:
                results.append("no-answer")
            else:
                results.append("ringing")
                answering.append((t.slow if far == SLOW_HUMAN else t.answer, n))
        waited = 0.0
        for delay, n in sorted(answering):
            if delay > timeout:
                results[n] = "no-answer"
                continue
            self._wait(max(0.0, delay - waited))
            waited = max(waited, delay)
            number = numbers[n]
            child = "CA" + uuid.uuid4().hex
            if self._screen(number, child, behaviour((number.text or "").strip())):
                digits = number.attrib.get("sendDigits")
                if digits:
                    with self.twilio.lock:
                        self.twilio.sent_digits.append((child, digits))
                return "completed", self._talk()
            results[n] = "completed"  # answered, hung up while screened
        if not answering and any(r == "no-answer" for r in results):
            self._wait(min(timeout, t.ring))
        if len(results) == 1:
            return results[0] if results[0] != "ringing" else "no-answer", 0.0
        return ("busy" if all(r == "busy" for r in results) else "no-answer"), 0.0

    def _screen(self, number: ET.Element, child: str, kind: str) -> bool:
        """The answered number's `url` TwiML (the whisper): True when it ends without a
        hang up, so that the parties are connected."""
        url = number.attrib.get("url")
        if not url:
            return True
        params = {
            "CallSid": child,
            "ParentCallSid": self.sid,
            "From": self.frm,
            "To": (number.text or "").strip(),
            "Direction": "outbound-dial",
            "CallStatus": "in-progress",
        }
        doc = self.twilio.twiml(url, params)
        while doc is not None:
            following = None
            for verb in doc:
                if verb.tag == "Hangup":
                    return False
                if verb.tag == "Gather":
                    for inner in verb:
                        self._wait(self.twilio.timing.play if inner.tag != "Pause" else 0)
                    digits = _presses(kind)
                    if digits or verb.attrib.get("actionOnEmptyResult") == "true":
                        following = self.twilio.twiml(
                            verb.attrib["action"], {**params, "Digits": digits}
                        )
                        break
                elif verb.tag in ("Play", "Say", "Pause"):
                    self._wait(self.twilio.timing.play)
            else:
                return True
            if following is None:
                return False
            doc = following
        return False


class Redirected(Exception):
    def __init__(self, url: str):
        super().__init__(url)
        self.url = url


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m local.fake_twilio")
    parser.add_argument("--port", type=int, default=5002)
    args = parser.parse_args(argv)
    from chalicelib import logs, settings

    logs.configure()
    s = settings.get()
    timing = Timing(slow=s.simulated_answer_delay_seconds, talk=s.simulated_talk_seconds)
    header = signature.HEADERS.get(s.twilio_signature, signature.TWILIO_HEADER)
    fake = FakeTwilio(
        post_http, timing, account_sid=s.twilio_account_sid or ACCOUNT_SID, header=header
    )
    server = fake.serve(args.port)
    log.info("fake Twilio on port %s", args.port)
    try:
        while True:
            time.sleep(5)
            for error in fake.errors[:]:
                log.error("fake Twilio: %s", error)
                fake.errors.remove(error)
    except KeyboardInterrupt:
        server.shutdown()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
