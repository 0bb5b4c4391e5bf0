"""The dialer's decisions, with in-memory fakes for the Calls item and the task API."""

import json
from dataclasses import dataclass, field

import pytest

from chalicelib.store.calls import AttemptRecord, Claim
from chalicelib.telephony import Attempt, Outcome
from chalicelib.telephony.simulated import SimulatedCarrier
from chalicelib.workflows.dialer import CALL_ENDED, CARRIER_ERROR, Dialer

NOW = 1212186144


@dataclass
class FakeTasks:
    waiting: bool = True
    reports: list = field(default_factory=list)

    def alive(self, token):
        return self.waiting

    def succeed(self, token, output):
        self.reports.append(("success", token, output))

    def fail(self, token, error, cause):
        self.reports.append(("failure", token, error))


@dataclass
class FakeLedger:
    """The Calls item's rules, in memory: live until finished; each key once."""

    state: str = "scheduled"
    dialed: set = field(default_factory=set)
    recorded: set = field(default_factory=set)
    attempts: list = field(default_factory=list)
    calling_number: str = ""
    finished: list = field(default_factory=list)
    exists: bool = True

    @property
    def live(self):
        return self.exists and self.state in ("scheduled", "dialing", "connected")

    def claim_dial(self, call_id, key, at):
        if not self.exists:
            return Claim.MISSING
        if not self.live:
            return Claim.ENDED
        if key in self.dialed:
            return Claim.DUPLICATE
        self.dialed.add(key)
        self.state = "dialing"
        return Claim.CLAIMED

    def release_dial(self, call_id, key):
        if not self.live or key not in self.dialed:
            return False
        self.dialed.discard(key)
        return True

    def record_attempts(self, call_id, key, attempts, at, calling_number=None):
        if not self.live or key in self.recorded:
            return False
        self.recorded.add(key)
        self.attempts += attempts
        if calling_number:
            self.calling_number = calling_number
        return True

    def mark_connected(self, call_id):
        if not self.live:
            return False
        self.state = "connected"
        return True

    def finish(self, call_id, success, at, seconds=None, key=None, attempt=None):
        if not self.live:
            return False
        if attempt is not None:
            self.attempts.append(attempt)
        self.state = "complete" if success else "failed"
        self.finished.append((success, seconds))
        return True


@pytest.fixture
def tasks():
    return FakeTasks()


@pytest.fixture
def ledger():
    return FakeLedger()


@pytest.fixture
def sim():
    return SimulatedCarrier(answer_delay_seconds=0, talk_seconds=12, sleep=lambda s: None)


class FakeAlerts:
    def __init__(self) -> None:
        self.raised: list[tuple] = []

    def raise_call_alert(self, call_id, level, kind, message, **detail) -> None:
        self.raised.append((call_id, level, kind, detail))


@pytest.fixture
def alerts():
    return FakeAlerts()


@pytest.fixture
def dialer(sim, tasks, ledger, alerts):
    return Dialer(carrier=sim, tasks=tasks, ledger=ledger, now=lambda: NOW, alerts=alerts)


def leg(role="destination", **options):
    spec = {
        "role": role,
        "label": "3035551212",
        "numbers": [],
        "tryall": False,
        "dnd": False,
        "blacklisted": False,
        "askForOne": True,
        "detectMachine": True,
        "acceptMachine": False,
        "announcement": {"text": "Press 1"},
        "callerId": None,
        "digits": "",
        "room": None,
    }
    spec.update(options)
    return spec


def dial_message(*numbers, key="0.0", role="destination", bridge_to=None, token="tok", **options):
    targets = [{"number": n, "e164": f"+1{n}"} for n in numbers]
    return {
        "action": "dial",
        "token": token,
        "callId": 9,
        "key": key,
        "numbers": targets,
        "leg": leg(role, numbers=targets, **options),
        "bridgeTo": bridge_to,
    }


# --- dial -----------------------------------------------------------------------


def test_an_answered_dial_is_recorded_then_reported(dialer, tasks, ledger):
    # Given a call, When the dialer dials a human who presses 1
    dialer.handle(dial_message("3035551212"))
    # Then the attempt is on the call, and the state machine hears how it went
    assert ledger.attempts == [AttemptRecord("3035551212", "Success", "destination")]
    assert tasks.reports == [
        (
            "success",
            "tok",
            {"result": "Success", "answered": "3035551212", "reference": "sim:9:0.0"},
        )
    ]
    assert ledger.state == "dialing"


def test_an_unanswered_dial_is_reported_as_a_success_of_the_task(dialer, tasks, ledger):
    dialer.handle(dial_message("3035550101"))
    assert ledger.attempts == [AttemptRecord("3035550101", "Busy", "destination")]
    assert tasks.reports == [
        ("success", "tok", {"result": "Busy", "answered": None, "reference": None})
    ]


def test_a_redelivered_message_does_not_dial_twice(dialer, sim, tasks):
    # Given a dial message delivered twice
    message = dial_message("3035551212")
    dialer.handle(message)
    dialer.handle(message)
    # Then one call was placed and one report sent
    assert len(sim.placed) == 1
    assert len(tasks.reports) == 1


def test_a_message_whose_task_stopped_waiting_rings_nobody(dialer, sim, tasks, ledger):
    # Given the task timed out before the message arrived (its heartbeat is refused)
    tasks.waiting = False
    dialer.handle(dial_message("3035551212"))
    assert sim.placed == [] and tasks.reports == [] and ledger.dialed == set()


def test_a_carrier_failure_is_recorded_and_fails_the_task(dialer, tasks, ledger, alerts):
    dialer.handle(dial_message("3035550106"))
    assert ledger.attempts == [AttemptRecord("3035550106", "Failed", "destination")]
    assert tasks.reports == [("failure", "tok", CARRIER_ERROR)]
    # and a human is told, with what the carrier answered
    [(call_id, level, kind, detail)] = alerts.raised
    assert (call_id, level, kind) == (9, "error", "carrier")
    assert detail["error"] == "simulated carrier failure (555-0106)"


@pytest.mark.parametrize("state", ["complete", "cancelled", "failed"])
def test_an_ended_call_is_not_dialed(dialer, sim, tasks, ledger, state):
    ledger.state = state
    dialer.handle(dial_message("3035551212"))
    assert sim.placed == []
    assert tasks.reports == [("failure", "tok", CALL_ENDED)]


def test_an_unknown_call_is_not_dialed(dialer, sim, tasks, ledger):
    ledger.exists = False
    dialer.handle(dial_message("3035551212"))
    assert sim.placed == [] and tasks.reports == [("failure", "tok", CALL_ENDED)]


def test_the_answering_origination_number_becomes_the_calling_number(dialer, ledger):
    dialer.handle(dial_message("7202108298", key="1.0", role="origination", bridge_to="sim:9:0.0"))
    assert ledger.calling_number == "7202108298"


def test_a_destination_answer_does_not_change_the_calling_number(dialer, ledger):
    dialer.handle(dial_message("7209814345"))
    assert ledger.calling_number == ""


def test_the_leg_options_reach_the_carrier(dialer, sim):
    dialer.handle(
        dial_message(
            "3035550103",
            "3035550104",
            key="0.all",
            tryall=True,
            acceptMachine=True,
            askForOne=False,
            callerId="+17202108298",
            digits="1234#",
            bridge_to="sim:9:0.0",
        )
    )
    placed = sim.placed[0]
    assert (placed.accept_machine, placed.ask_for_one, placed.detect_machine) == (True, False, True)
    assert placed.caller_id == "+17202108298" and placed.digits == "1234#"
    assert placed.bridge_to == "sim:9:0.0" and placed.announcement == {"text": "Press 1"}
    assert [t.e164 for t in placed.targets] == ["+13035550103", "+13035550104"]


def test_a_late_answer_for_a_closed_attempt_is_hung_up(dialer, sim, tasks, ledger):
    # Given the attempt timed out and was recorded as NoAnswer before the carrier reported
    message = dial_message("3035551212")
    ledger.recorded.add("0.0")
    dialer.handle(message)
    # Then nobody is left holding: the answered leg is released, the task told
    assert sim.hung_up == ["sim:9:0.0"]
    assert tasks.reports == [("failure", "tok", CALL_ENDED)]


def test_a_carrier_that_reports_later_reports_through_the_dialer(tasks, ledger):
    class Later(SimulatedCarrier):
        def place(self, dial):
            self.placed.append(dial)
            return

    later = Later()
    dialer = Dialer(carrier=later, tasks=tasks, ledger=ledger, now=lambda: NOW)
    dialer.handle(dial_message("3035551212"))
    assert tasks.reports == []
    # When the carrier's event arrives
    dialer.report_dial(
        later.placed[0],
        Outcome("Success", (Attempt("3035551212", "Success"),), "3035551212", "ref-1"),
    )
    assert tasks.reports[0][2]["reference"] == "ref-1"


# --- record, watch, finish ------------------------------------------------------


def test_record_writes_the_results_of_a_dial_that_never_reported(dialer, tasks, ledger):
    dialer.handle(
        {
            "action": "record",
            "token": "r",
            "callId": 9,
            "key": "0.all",
            "role": "destination",
            "result": "NoAnswer",
            "numbers": [
                {"number": "3035550102", "e164": "+13035550102"},
                {"number": "3035550105", "e164": "+13035550105"},
            ],
        }
    )
    assert ledger.attempts == [
        AttemptRecord("3035550102", "NoAnswer", "destination"),
        AttemptRecord("3035550105", "NoAnswer", "destination"),
    ]
    assert tasks.reports == [("success", "r", {"recorded": True})]


def test_watch_marks_the_call_connected_and_reports_its_length(dialer, tasks, ledger):
    dialer.handle({"action": "watch", "token": "w", "callId": 9, "reference": "sim:9:1.0"})
    assert ledger.state == "connected"
    assert tasks.reports == [("success", "w", {"seconds": 12})]


def test_watch_of_an_ended_call_hangs_up(dialer, sim, tasks, ledger):
    ledger.state = "cancelled"
    dialer.handle({"action": "watch", "token": "w", "callId": 9, "reference": "sim:9:1.0"})
    assert sim.hung_up == ["sim:9:1.0"]
    assert tasks.reports == [("failure", "w", CALL_ENDED)]


def finish_message(success, ended=None, release=None, leg=None):
    return {
        "action": "finish",
        "token": "f",
        "callId": 9,
        "end": {"success": success, "ended": ended, "release": release, "leg": leg},
    }


def test_finish_completes_with_the_call_length(dialer, tasks, ledger):
    dialer.handle(finish_message(True, ended={"seconds": 12}))
    assert ledger.finished == [(True, 12)] and ledger.state == "complete"
    assert tasks.reports == [("success", "f", {"finished": True})]


def test_finish_of_an_unreached_call_releases_the_held_leg(dialer, sim, ledger):
    dialer.handle(finish_message(False, release="sim:9:0.0"))
    assert sim.hung_up == ["sim:9:0.0"]
    assert ledger.state == "failed"


def test_finish_records_a_leg_level_result(dialer, ledger):
    dialer.handle(
        finish_message(
            False,
            leg={"key": "0.screen", "role": "destination", "number": "3035551212", "result": "DND"},
        )
    )
    assert ledger.attempts == [AttemptRecord("3035551212", "DND", "destination")]


def test_finish_twice_finishes_once(dialer, tasks, ledger):
    dialer.handle(finish_message(True, ended={"seconds": 12}))
    dialer.handle(finish_message(True, ended={"seconds": 12}))
    assert ledger.finished == [(True, 12)]
    assert [r[2] for r in tasks.reports] == [{"finished": True}, {"finished": False}]


def test_a_message_with_an_unknown_action_is_dropped(dialer, tasks):
    dialer.handle({"action": "teleport", "token": "x"})
    assert tasks.reports == []


def test_a_throttled_carrier_is_a_metric_not_an_attempt(tasks, ledger, capsys):
    from chalicelib.telephony import CarrierBusy

    class Throttled(SimulatedCarrier):
        def place(self, dial):
            raise CarrierBusy("Rate exceeded", retry_after=1.0)

    carrier = Throttled(answer_delay_seconds=0, talk_seconds=12, sleep=lambda s: None)
    Dialer(carrier=carrier, tasks=tasks, ledger=ledger, now=lambda: NOW).handle(
        dial_message("3035551212")
    )
    points = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    assert [p.get("CarrierThrottles") for p in points] == [1]
    assert points[0]["callId"] == 9
    assert ledger.attempts == []
    assert ledger.dialed == set()  # the key is given back for the next try


# --- the account's limits (workflows/pacing.py) ---------------------------------------


@dataclass
class FakePacing:
    """The board's answers, in memory: refuse while `wait` is set; what was asked."""

    wait: float | None = None
    log: list = field(default_factory=list)

    def admit(self, dial, share, enterprise=None):
        from chalicelib.domain.pacing import Board, Decision

        self.log.append(("admit", dial.key, share, len(dial.targets)))
        return None if self.wait is None else Decision(Board(), self.wait, "over the limit")

    def answered(self, dial):
        self.log.append(("answered", dial.key))

    def release(self, call_id, key=None):
        self.log.append(("release", key))


class CausedTasks(FakeTasks):
    def fail(self, token, error, cause):
        self.reports.append(("failure", token, error, cause))


def paced(carrier, pacing, tasks, ledger):
    return Dialer(carrier=carrier, tasks=tasks, ledger=ledger, now=lambda: NOW, pacing=pacing)


def test_a_dial_over_the_limits_waits_in_the_state_machine_and_rings_nobody(ledger, capsys):
    class Untouchable(SimulatedCarrier):
        def place(self, dial):
            raise AssertionError("rang over the limits")

    # Given an account at its limit, When a dial comes
    pacing, tasks = FakePacing(wait=1.2), CausedTasks()
    carrier = Untouchable(answer_delay_seconds=0, talk_seconds=12, sleep=lambda s: None)
    paced(carrier, pacing, tasks, ledger).handle(dial_message("3035551212", share="7"))
    # Then nobody rang, nothing is recorded, the key is given back, and the state
    # machine is told to wait 2 whole seconds (Backoff's SecondsPath)
    assert ledger.attempts == [] and ledger.dialed == set()
    ((kind, _, error, cause),) = tasks.reports
    assert (kind, error) == ("failure", "Carrier.Busy")
    assert json.loads(cause) == {"retryAfter": 2, "why": "over the limit"}
    assert pacing.log == [("admit", "0.0", "7", 1)]
    points = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    assert [(p.get("PacedWaits"), p.get("Kind")) for p in points] == [(1, "blast")]


def test_an_unanswered_dial_frees_its_slot_and_an_answered_one_keeps_it(sim, tasks, ledger):
    pacing = FakePacing()
    dialer = paced(sim, pacing, tasks, ledger)
    dialer.handle(dial_message("3035550101", key="0.0"))  # busy
    dialer.handle(dial_message("3035551212", key="0.1"))  # answered
    assert pacing.log == [
        ("admit", "0.0", None, 1),
        ("release", "0.0"),
        ("admit", "0.1", None, 1),
        ("answered", "0.1"),
    ]
    # and the end of the call frees every slot of the call
    dialer.handle(finish_message(True, ended={"seconds": 12}))
    assert pacing.log[-1] == ("release", None)


def test_a_carrier_that_refuses_for_now_gives_the_slot_back(tasks, ledger):
    from chalicelib.telephony import CarrierBusy

    class Throttled(SimulatedCarrier):
        def place(self, dial):
            raise CarrierBusy("20429 Too Many Requests", retry_after=3.0)

    pacing, caused = FakePacing(), CausedTasks()
    carrier = Throttled(answer_delay_seconds=0, talk_seconds=12, sleep=lambda s: None)
    paced(carrier, pacing, caused, ledger).handle(dial_message("3035551212"))
    assert pacing.log == [("admit", "0.0", None, 1), ("release", "0.0")]
    ((_, _, error, cause),) = caused.reports
    assert error == "Carrier.Busy" and json.loads(cause)["retryAfter"] == 3
