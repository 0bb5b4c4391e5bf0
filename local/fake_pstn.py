"""A local stand-in for Amazon Chime SDK PSTN Audio (and the Chime SDK meetings the
conference rooms use), so that `make run` with `OCP_CARRIER=chime` and the workflow tests
run the real adapter and the real SIP media application handler.

It answers the requests the adapter makes, in the services' wire format (REST-JSON, as
botocore sends and parses them):

    POST   /sip-media-applications/{id}/calls                  CreateSipMediaApplicationCall
    POST   /sip-media-applications/{id}/calls/{transactionId}  UpdateSipMediaApplicationCall
    POST   /meetings, POST /meetings/{id}/attendees, GET|DELETE /meetings/{id}

and plays the telephone network: each call is a thread that invokes the handler with the
events a real call produces (NEW_OUTBOUND_CALL, RINGING, CALL_ANSWERED, ACTION_SUCCESSFUL,
ACTION_FAILED, ACTION_INTERRUPTED, CALL_UPDATE_REQUESTED, HANGUP) and carries out the
actions it answers with. Who answers follows the simulated carrier's test numbers
(README "Test numbers"): 555-0101 busy (HANGUP 486), 0102 no answer (HANGUP 480 after
`ring`), 0103 an answering machine (answers, never presses a key), 0104 a person who does
not press 1, 0105 a person who answers after `slow` seconds, 0106 a number the network
refuses (400 BadRequestException), 0107 a person who presses 9 (a blast's optOutDigit,
issue 27); anyone else answers and presses 1 when asked. A
connected party hangs up after `talk` seconds.

Like the service it enforces a calls-a-second quota (429 ThrottledClientException) and a
limit of concurrent calls (400 ResourceLimitExceededException), by default the service's
defaults: 1 and 10.

    python -m local.fake_pstn --port 5001      (make run starts it when OCP_CARRIER=chime)
"""

from __future__ import annotations

import argparse
import json
import logging
import queue
import re
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, NoReturn

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

log = logging.getLogger("chalicelib.local.fake_pstn")

ACCOUNT, REGION = "123456789012", "us-east-1"
_CALLS = re.compile(r"^/sip-media-applications/([^/]+)/calls/?$")
_CALL = re.compile(r"^/sip-media-applications/([^/]+)/calls/([^/]+)/?$")
_MEETINGS = re.compile(r"^/meetings/?$")
_MEETING = re.compile(r"^/meetings/([^/]+)/?$")
_ATTENDEES = re.compile(r"^/meetings/([^/]+)/attendees/?$")


class ServiceError(Exception):
    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


@dataclass
class Timing:
    """Seconds the network takes. `talk` may pass on a virtual clock (`talk_clock`, the
    tests' frozen clock) instead of the wall clock."""

    ring: float = 2.0  # an unanswered phone rings this long
    answer: float = 0.0  # a person picks up after this
    slow: float = 3.0  # 555-0105 picks up after this
    play: float = 1.0  # any audio plays this long
    talk: float = 12.0  # a connected party hangs up after this
    talk_clock: Callable[[float], None] | None = None


@dataclass
class Quota:
    calls_per_second: int | None = 1
    concurrent_calls: int | None = 10


class FakePstn:
    def __init__(
        self,
        invoke: Callable[[dict], dict],
        timing: Timing | None = None,
        quota: Quota | None = None,
        sma_id: str = "local-sma",
    ):
        self.invoke_handler = invoke
        self.timing = timing or Timing()
        self.quota = quota or Quota()
        self.sma_id = sma_id
        self.lock = threading.Lock()
        self.calls: dict[str, Transaction] = {}
        self.meetings: dict[str, dict] = {}
        self.attendees: dict[str, str] = {}  # JoinToken -> MeetingId
        # What happened, for tests and `make bench`.
        self.dialed: list[str] = []  # To of every accepted CreateSipMediaApplicationCall
        self.bridged: list[str] = []  # every CallAndBridge Uri
        self.refused: Counter[str] = Counter()  # error code -> count
        self.sent_digits: list[tuple[str, str, str]] = []  # (transaction, tag, digits)
        self.joined: dict[str, list[str]] = {}  # MeetingId -> transactions
        self.deleted: list[str] = []
        self.invocations = 0
        self.errors: list[str] = []
        self._second = (0, 0)  # (wall-clock second, creates in it)

    # -- the handler ------------------------------------------------------------------------

    def invoke(self, event: dict) -> dict:
        with self.lock:
            self.invocations += 1
        try:
            response = self.invoke_handler(json.loads(json.dumps(event)))
        except Exception as e:  # the service would retry, then drop the call with 480
            log.exception("SIP media application handler failed")
            self.errors.append(f"{event['InvocationEventType']}: {e!r}")
            return {"SchemaVersion": "1.0"}
        problem = _check_response(response)
        if problem:
            self.errors.append(f"{event['InvocationEventType']}: {problem}")
        return response

    # -- requests ------------------------------------------------------------------------------

    def respond(self, method: str, path: str, body: bytes) -> tuple[int, dict, Any]:
        """One request in the wire format: (status, headers, JSON body or None)."""
        data = json.loads(body or b"{}")
        path = path.split("?", 1)[0]
        try:
            if method == "POST" and (m := _CALLS.match(path)):
                tx = self.create_call(
                    m.group(1),
                    data["FromPhoneNumber"],
                    data["ToPhoneNumber"],
                    data.get("ArgumentsMap") or {},
                )
                return 201, {}, {"SipMediaApplicationCall": {"TransactionId": tx}}
            if method == "POST" and (m := _CALL.match(path)):
                self.update_call(m.group(1), m.group(2), data.get("Arguments") or {})
                return 202, {}, {"SipMediaApplicationCall": {"TransactionId": m.group(2)}}
            if method == "POST" and _MEETINGS.match(path):
                return 200, {}, {"Meeting": self.create_meeting(data)}
            if method == "POST" and (m := _ATTENDEES.match(path)):
                return 200, {}, {"Attendee": self.create_attendee(m.group(1), data)}
            if method == "GET" and (m := _MEETING.match(path)):
                return 200, {}, {"Meeting": self._meeting(m.group(1))}
            if method == "DELETE" and (m := _MEETING.match(path)):
                self._meeting(m.group(1))
                with self.lock:
                    self.meetings.pop(m.group(1))
                    self.deleted.append(m.group(1))
                return 204, {}, None
            raise ServiceError(404, "NotFoundException", f"no such operation: {method} {path}")
        except ServiceError as e:
            with self.lock:
                self.refused[e.code] += 1
            return e.status, {"x-amzn-ErrorType": e.code}, {"Code": e.code, "Message": e.message}

    def create_call(self, sma_id: str, from_: str, to: str, arguments: dict) -> str:
        if sma_id != self.sma_id:
            raise ServiceError(404, "NotFoundException", "no such SIP media application")
        if not (_e164(from_) and _e164(to)) or len(arguments) > 20:
            raise ServiceError(400, "BadRequestException", "invalid request")
        if behaviour(to) == BROKEN:
            raise ServiceError(400, "BadRequestException", "the network refused the number")
        with self.lock:
            second = int(time.time())
            count = self._second[1] + 1 if self._second[0] == second else 1
            if self.quota.calls_per_second is not None and count > self.quota.calls_per_second:
                raise ServiceError(429, "ThrottledClientException", "Rate exceeded")
            active = sum(1 for c in self.calls.values() if not c.over.is_set())
            if self.quota.concurrent_calls is not None and active >= self.quota.concurrent_calls:
                raise ServiceError(400, "ResourceLimitExceededException", "Too many calls")
            self._second = (second, count)
            tx = str(uuid.uuid4())
            call = self.calls[tx] = Transaction(self, tx, from_, to, arguments)
            self.dialed.append(to)
        call.start()
        return tx

    def update_call(self, sma_id: str, tx: str, arguments: dict) -> None:
        call = self.calls.get(tx)
        if sma_id != self.sma_id or call is None or call.over.is_set():
            raise ServiceError(404, "NotFoundException", "no such call")
        call.inbox.put(arguments)

    def create_meeting(self, data: dict) -> dict:
        meeting = {
            "MeetingId": str(uuid.uuid4()),
            "ExternalMeetingId": data.get("ExternalMeetingId", ""),
            "MediaRegion": data.get("MediaRegion", REGION),
            "MediaPlacement": {"AudioHostUrl": "local.fake-pstn:3478"},
        }
        with self.lock:
            self.meetings[meeting["MeetingId"]] = meeting
        return meeting

    def create_attendee(self, meeting_id: str, data: dict) -> dict:
        self._meeting(meeting_id)
        token = uuid.uuid4().hex
        with self.lock:
            self.attendees[token] = meeting_id
        return {
            "ExternalUserId": data["ExternalUserId"],
            "AttendeeId": str(uuid.uuid4()),
            "JoinToken": token,
        }

    def _meeting(self, meeting_id: str) -> dict:
        with self.lock:
            found = self.meetings.get(meeting_id)
        if found is None:
            raise ServiceError(404, "NotFoundException", "no such meeting")
        return found

    # -- waiting, for tests -------------------------------------------------------------------

    def idle(self, timeout: float = 30.0) -> bool:
        """Wait until every call has ended; whether they all did."""
        deadline = time.monotonic() + timeout
        for call in list(self.calls.values()):
            if not call.over.wait(max(0.0, deadline - time.monotonic())):
                return False
        return True

    def hang_up_everyone(self) -> None:
        for call in list(self.calls.values()):
            call.inbox.put({"__network__": "hangup"})

    # -- HTTP -------------------------------------------------------------------------------------

    def serve(self, port: int = 0, host: str = "127.0.0.1") -> ThreadingHTTPServer:
        """Serve on `port` (0: any free one) in a daemon thread; the server."""
        pstn = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _any(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                status, headers, body = pstn.respond(
                    self.command, self.path, self.rfile.read(length) if length else b""
                )
                raw = b"" if body is None else json.dumps(body).encode()
                self.send_response(status)
                for name, value in {"Content-Type": "application/json", **headers}.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            do_GET = do_POST = do_DELETE = _any

            def log_message(self, *args: Any) -> None:
                pass

        server = ThreadingHTTPServer((host, port), Handler)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True, name="fake-pstn").start()
        return server


class Hangup(Exception):
    """Leg A is gone: the call is over."""


@dataclass
class Party:
    tag: str
    call_id: str
    to: str
    frm: str
    started: str
    status: str | None = "Connected"  # none yet while it rings, as the service shows it

    @property
    def connected(self) -> bool:
        return self.status == "Connected"

    def view(self) -> dict:
        out = {
            "CallId": self.call_id,
            "ParticipantTag": self.tag,
            "To": self.to,
            "From": self.frm,
            "Direction": "Outbound",
            "StartTimeInMilliseconds": self.started,
        }
        if self.status:
            out["Status"] = self.status
        return out


@dataclass
class Transaction:
    pstn: FakePstn
    tx: str
    frm: str
    to: str
    arguments: dict
    attributes: dict = field(default_factory=dict)
    parties: dict[str, Party] = field(default_factory=dict)
    inbox: queue.Queue = field(default_factory=queue.Queue)
    over: threading.Event = field(default_factory=threading.Event)
    sequence: int = 0
    talking_since: float | None = None  # the conversation started (a bridge or a meeting)

    def start(self) -> None:
        threading.Thread(target=self._run, daemon=True, name=f"call-{self.tx[:8]}").start()

    # -- events ------------------------------------------------------------------------------

    def event(self, kind: str, action: dict | None = None, **more: Any) -> list | None:
        self.sequence += 1
        details: dict[str, Any] = {
            "TransactionId": self.tx,
            "AwsAccountId": ACCOUNT,
            "AwsRegion": REGION,
            "SipMediaApplicationId": self.pstn.sma_id,
            "Participants": [p.view() for p in self.parties.values()],
        }
        if self.attributes:
            details["TransactionAttributes"] = dict(self.attributes)
        event: dict = {
            "SchemaVersion": "1.0",
            "Sequence": self.sequence,
            "InvocationEventType": kind,
            "CallDetails": details,
        }
        if action is not None:
            event["ActionData"] = {**action, **more}
        response = self.pstn.invoke(event)
        if "TransactionAttributes" in response:
            self.attributes = dict(response["TransactionAttributes"])
        return response.get("Actions")

    def _run(self) -> None:
        try:
            self._call()
        except Hangup:
            pass
        except Exception:
            log.exception("fake PSTN call %s failed", self.tx)
            self.pstn.errors.append(f"call {self.tx} crashed")
        finally:
            self.over.set()

    def _call(self) -> None:
        t = self.pstn.timing
        now_ms = str(int(time.time() * 1000))
        self.parties["LEG-A"] = Party("LEG-A", str(uuid.uuid4()), self.to, self.frm, now_ms, None)
        self.event(
            "NEW_OUTBOUND_CALL",
            {"Type": "CallCreateRequest", "Parameters": {"Arguments": self.arguments}},
        )
        kind = behaviour(self.to)
        if kind == BUSY_LINE:
            self._refused("486")
        self.event("RINGING")
        if kind == NOBODY:
            self._ringing(t.ring, then="480")
        self._ringing(t.slow if kind == SLOW_HUMAN else t.answer, then=None)
        self.parties["LEG-A"].status = "Connected"
        self.run_actions(self.event("CALL_ANSWERED"), kind)

    def _ringing(self, seconds: float, then: str | None) -> None:
        """Ring for `seconds`; a hang up asked meanwhile cancels it (487)."""
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            try:
                update = self.inbox.get(timeout=left)
            except queue.Empty:
                break
            actions = self._update(update)
            if any(a["Type"] == "Hangup" for a in actions or []):
                self._refused("487")
        if then:
            self._refused(then)

    def _refused(self, code: str) -> NoReturn:
        a = self.parties["LEG-A"]
        a.status = "Disconnected"
        self.event(
            "HANGUP",
            {
                "Type": "Hangup",
                "Parameters": {
                    "SipResponseCode": code,
                    "CallId": a.call_id,
                    "ParticipantTag": "LEG-A",
                },
            },
        )
        raise Hangup

    def _update(self, arguments: dict) -> list | None:
        if arguments.get("__network__") == "hangup":
            return [{"Type": "Hangup", "Parameters": {"CallId": self.parties["LEG-A"].call_id}}]
        return self.event(
            "CALL_UPDATE_REQUESTED",
            {"Type": "CallUpdateRequest", "Parameters": {"Arguments": arguments}},
        )

    # -- actions -----------------------------------------------------------------------------

    def run_actions(self, actions: list | None, kind: str) -> None:
        """Carry out the handler's actions until leg A is gone."""
        pending = list(actions or [])
        while True:
            if not pending:
                pending = self._idle(kind)
                continue
            action = pending.pop(0)
            outcome, more, replaced = self._perform(action, kind)
            if replaced is not None:  # an update interrupted it and brought new actions
                pending = replaced
                continue
            if outcome == "failed":
                pending = list(self.event("ACTION_FAILED", _data(action), **more) or [])
            elif not pending:
                found = self.event("ACTION_SUCCESSFUL", _data(action), **more)
                pending = list(found or [])

    def _idle(self, kind: str) -> list:
        """Nothing to do: wait for an update, or for a party to hang up."""
        talk = self._talk_left()
        if talk is None:
            return self._next_update(timeout=None)
        if talk > 0:
            talk_clock = self.pstn.timing.talk_clock
            if talk_clock is None:
                found = self._next_update(timeout=talk)
                if found:
                    return found
            else:
                talk_clock(talk)
                self.talking_since = -1e12  # the talk is over
        return self._far_end_hangs_up()

    def _next_update(self, timeout: float | None) -> list:
        try:
            update = self.inbox.get(timeout=timeout)
        except queue.Empty:
            return []
        return list(self._update(update) or [])

    def _talk_left(self) -> float | None:
        if self.talking_since is None:
            return None
        if self.pstn.timing.talk_clock is not None:
            return 0.0 if self.talking_since < 0 else self.pstn.timing.talk
        return max(0.0, self.talking_since + self.pstn.timing.talk - time.monotonic())

    def _far_end_hangs_up(self) -> list:
        """The conversation is over: leg B hangs up if bridged, else leg A."""
        self.talking_since = None
        party = self.parties.get("LEG-B")
        if party is None or not party.connected:
            party = self.parties["LEG-A"]
        return list(self._hang_up_party(party, by_network=True) or [])

    def _hang_up_party(self, party: Party, by_network: bool) -> list | None:
        party.status = "Disconnected"
        actions = self.event(
            "HANGUP",
            {
                "Type": "Hangup",
                "Parameters": {
                    "SipResponseCode": "0",
                    "CallId": party.call_id,
                    "ParticipantTag": party.tag,
                },
            },
        )
        if not self.parties["LEG-A"].connected:
            raise Hangup
        return None if actions is None else list(actions)

    def _wait(self, seconds: float, interruptible: bool) -> list | None:
        """Let `seconds` pass; an update arriving meanwhile: its actions (interrupting an
        interruptible action), else None."""
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            try:
                update = self.inbox.get(timeout=left)
            except queue.Empty:
                return None
            actions = self._update(update)
            if actions is not None and (
                interruptible or any(a["Type"] == "Hangup" for a in actions)
            ):
                return list(actions)
        return None

    def _perform(self, action: dict, kind: str) -> tuple[str, dict, list | None]:
        """('ok' | 'failed', extra ActionData, actions that replace the rest or None)."""
        t = self.pstn.timing
        kind_ = action.get("Type")
        p = action.get("Parameters") or {}
        if kind_ == "Hangup":
            party = self._party(p)
            if party is not None and party.connected:
                return "ok", {}, self._hang_up_party(party, by_network=False)
            return "ok", {}, None
        if kind_ in ("Pause", "PlayAudio"):  # an update interrupts them
            paused = int(p.get("DurationInMilliseconds", 0)) / 1000
            replaced = self._wait(t.play if kind_ == "PlayAudio" else paused, True)
            if replaced is not None:
                self.event("ACTION_INTERRUPTED", _data(action))
            return "ok", {}, replaced
        if kind_ == "PlayAudioAndGetDigits":
            replaced = self._wait(t.play, False)
            if replaced is not None:
                return "ok", {}, replaced
            pressed = _presses(kind)
            if pressed and re.fullmatch(p.get("InputDigitsRegex", ".*"), pressed):
                return "ok", {"ReceivedDigits": pressed}, None
            return (
                "failed",
                {"ErrorType": "InvalidDigitsReceived", "ErrorMessage": "no valid digits"},
                None,
            )
        if kind_ == "SendDigits":
            party = self._party(p)
            with self.pstn.lock:
                self.pstn.sent_digits.append((self.tx, party.tag if party else "?", p["Digits"]))
            return "ok", {}, self._wait(t.play, False)
        if kind_ == "CallAndBridge":
            return self._bridge(action, p)
        if kind_ == "JoinChimeMeeting":
            meeting = self.pstn.attendees.get(p.get("JoinToken", ""))
            if (
                meeting is None
                or meeting != p.get("MeetingId")
                or meeting not in self.pstn.meetings
            ):
                return (
                    "failed",
                    {"ErrorType": "InvalidActionParameter", "ErrorMessage": "bad JoinToken"},
                    None,
                )
            with self.pstn.lock:
                self.pstn.joined.setdefault(meeting, []).append(self.tx)
            self.talking_since = time.monotonic()
            return "ok", {}, None
        return (
            "failed",
            {"ErrorType": "InvalidActionParameter", "ErrorMessage": f"not played here: {kind_}"},
            None,
        )

    def _bridge(self, action: dict, p: dict) -> tuple[str, dict, list | None]:
        t = self.pstn.timing
        uri = p["Endpoints"][0]["Uri"]
        with self.pstn.lock:
            self.pstn.bridged.append(uri)
        kind = behaviour(uri)
        if kind == BUSY_LINE:
            return "failed", _not_answered("Busy Here (486)"), None
        if kind == BROKEN:
            return "failed", _not_answered("Service Unavailable (503)"), None
        if kind == NOBODY:
            replaced = self._wait(min(float(p.get("CallTimeoutSeconds", 30)), t.ring), False)
            return "failed", _not_answered("Temporarily Unavailable (480)"), replaced
        replaced = self._wait(t.slow if kind == SLOW_HUMAN else t.answer, False)
        if replaced is not None:
            return "failed", _not_answered("Request Terminated (487)"), replaced
        self.parties["LEG-B"] = Party(
            "LEG-B",
            str(uuid.uuid4()),
            uri,
            p.get("CallerIdNumber", ""),
            str(int(time.time() * 1000)),
        )
        self.talking_since = time.monotonic()
        return "ok", {}, None

    def _party(self, parameters: dict) -> Party | None:
        call_id = parameters.get("CallId")
        tag = (parameters.get("ParticipantTag") or "LEG-A").upper()
        for party in self.parties.values():
            if party.call_id == call_id or (not call_id and party.tag == tag):
                return party
        return None


def _data(action: dict) -> dict:
    return {"Type": action.get("Type"), "Parameters": action.get("Parameters") or {}}


def _not_answered(message: str) -> dict:
    return {"ErrorType": "CallNotAnswered", "ErrorMessage": message}


OPT_OUT_KEY = "9"  # the key 555-0107 presses (docs/carriers.md#test-numbers)


def _presses(kind: str) -> str:
    """The key a party presses when asked: a person presses 1, 555-0104 presses 2, an
    answering machine nothing."""
    if kind == ANSWERING_MACHINE:
        return ""
    if kind == DECLINER:
        return "2"
    if kind == OPTER:
        return OPT_OUT_KEY  # issue 27: 555-0107 presses a blast's opt-out digit, 9
    return "1"


def _e164(number: str) -> bool:
    return re.fullmatch(r"\+[1-9]\d{1,14}", number or "") is not None


def _check_response(response: Any) -> str:
    """What the service would refuse (INVALID_LAMBDA_RESPONSE)."""
    if not isinstance(response, dict) or response.get("SchemaVersion") != "1.0":
        return "SchemaVersionMismatch"
    if len(response.get("Actions") or []) > 10:
        return "InvalidActionCount"
    attributes = response.get("TransactionAttributes")
    if attributes is not None and (
        not all(isinstance(v, str) for v in attributes.values())
        or sum(len(k) + len(v) for k, v in attributes.items()) > 20 * 1024
    ):
        return "TransactionAttributesInvalidMapSize"
    return ""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m local.fake_pstn")
    parser.add_argument("--port", type=int, default=5001)
    args = parser.parse_args(argv)
    from chalicelib import logs, settings

    logs.configure()
    s = settings.get()
    from app import sma_handler  # the Lambda function's own entry point

    def invoke(event: dict) -> dict:
        return sma_handler(event, None)

    timing = Timing(slow=s.simulated_answer_delay_seconds, talk=s.simulated_talk_seconds)
    pstn = FakePstn(invoke, timing, sma_id=s.chime_sma_id or "local-sma")
    server = pstn.serve(args.port)
    log.info("fake PSTN on port %s", args.port)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        server.shutdown()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
