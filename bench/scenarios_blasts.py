"""blastvoice and blastsms: AWS requests per route, and big blasts fanned out over moto
(the time to enqueue their recipients, AWS requests per recipient).

The big blasts run with moto recording Step Functions executions without running them:
what is measured is the fan-out (POST, start, batches, one execution started or one SMS
sent per recipient). The voice fan-out runs at two sizes, to show that what a recipient
costs does not grow with the blast (bench/costs.py projects a million recipients from
it). What each recipient's dial execution then costs is measured on a small blast whose
executions moto runs, with the dialer and the simulated carrier.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from xml.etree import ElementTree

from bench import harness
from bench.harness import Scenario
from bench.scenarios_calls import POLLING
from bench.scenarios_users import a_user

# A month from now: within the scheduling horizon (docs/limits.md).
LATER = int(time.time()) + 30 * 86400
BIG = harness.RECIPIENTS
SMALL = BIG // 10
EXECUTED = 3


def _destinations(count: int) -> str:
    return ",".join(f"3:303{2_000_000 + n:07d}" for n in range(count))


def _voice(user_id: int, **changes) -> dict:
    return {
        "userId": user_id,
        "origination": "3:7202108298",
        "destination": _destinations(3),
        "text": "Practice moved to 5",
        **changes,
    }


def _scheduled(api) -> tuple[int, int]:
    user_id = a_user(api)
    body = api.post("/blastvoice", _voice(user_id, time=LATER)).body
    return user_id, int(ElementTree.fromstring(body).findtext("blastid"))


def _drain() -> None:
    """Deliver the fan-out queue until it is empty, one invocation of `blastfanout` each."""
    from local import worker

    while delivered := worker.drain_fanout_queue():
        harness.invocations[harness.CONSUMERS] += delivered


def _started(count: int):
    def setup(api) -> tuple[int, int]:
        user_id = a_user(api)
        body = api.post("/blastvoice", _voice(user_id, destination=_destinations(count))).body
        _drain()
        return user_id, int(ElementTree.fromstring(body).findtext("blastid"))

    return setup


def _user_destinations(api) -> tuple[int, str]:
    user_id = a_user(api)
    ids = []
    for n in range(100):
        body = api.post(
            "/user",
            {
                "firstName": "R",
                "lastName": "R",
                "email": f"r{n}@example.com",
                "phoneNumber": f"720555{n:04d}",
                "phoneType": "2",
            },
        ).body
        ids.append(int(ElementTree.fromstring(body).findtext("userId")))
    return user_id, ",".join(f"1:{i}" for i in ids)


def _fan_out(kind: str, size: int):
    """POST a blast to `size` numbers, then play the fan-out queue's trigger until it is
    empty; prints the times and the AWS requests per recipient."""

    def request(api, user_id: int):
        from chalicelib.store import aws
        from chalicelib.workflows import fanout, texting

        texting.default.cache_clear()
        sqs, url = aws.client("sqs"), aws.fanout_queue_url()
        started = time.perf_counter()
        response = api.post(f"/blast{kind}", _voice(user_id, destination=_destinations(size)))
        posted = time.perf_counter()
        (start,) = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1)["Messages"]
        harness.invocations[harness.CONSUMERS] += 1
        fanout.handle(json.loads(start["Body"]))
        sqs.delete_message(QueueUrl=url, ReceiptHandle=start["ReceiptHandle"])
        enqueued = time.perf_counter()
        _drain()
        done = time.perf_counter()
        for text in getattr(texting.default(), "sent", ()):  # the simulated adapter's
            harness.count_text(text.body)
        counted = Counter(harness.calls)
        per_recipient = sum(counted.values()) / size
        top = ", ".join(f"{k} {n / size:.3f}" for k, n in counted.most_common(6))
        work = "executions" if kind == "voice" else "texts"
        print(
            f"  blast{kind} of {size:,} numbers: POST {posted - started:.1f} s, start (enqueue "
            f"{-(-size // 100)} batches) {enqueued - posted:.2f} s, fan-out to {size:,} {work} "
            f"{done - enqueued:.1f} s ({(done - enqueued) / size * 1000:.1f} ms a recipient; "
            f"moto, one process)"
        )
        print(f"    AWS requests per recipient {per_recipient:.3f}: {top}")
        return response

    return request


def _executed(count: int):
    """A voice blast whose recipients' executions run to the end: counts what the dialing
    of its recipients costs, after the fan-out (which the big blasts measure)."""

    def request(api, user_id: int):
        from chalicelib.telephony.simulated import SimulatedCarrier
        from chalicelib.workflows import dialing, fanout
        from tests.workflows.conftest import Switchboard, states_entered
        from tests.workflows.test_blast_fanout import run_all

        response = api.post("/blastvoice", _voice(user_id, destination=_destinations(count)))
        blast_id = int(ElementTree.fromstring(response.body).findtext("blastid"))
        _drain()
        harness.clear()
        board = Switchboard(
            SimulatedCarrier(answer_delay_seconds=0, talk_seconds=12, sleep=lambda seconds: None)
        )
        assert run_all(board) == ["SUCCEEDED"] * count
        arns = [dialing.execution_arn(0, fanout.execution_name(blast_id, n)) for n in range(count)]
        transitions = sum(len(states_entered(arn)) for arn in arns)
        for polling in (*POLLING, "stepfunctions:ListExecutions", "sqs:ChangeMessageVisibility"):
            harness.calls.pop(polling, None)
        harness.calls["states:transitions"] = transitions
        harness.calls["sqs:messages"] = len(board.messages)
        harness.invocations[harness.CONSUMERS] += len(board.messages)
        return response

    return request


SCENARIOS = [
    Scenario(
        "POST /blastvoice (scheduled)",
        lambda api, uid: api.post("/blastvoice", _voice(uid, time=LATER)),
        a_user,
        goal=3,
        notes="user read, id counter, put; scheduler create",
    ),
    Scenario(
        "POST /blastvoice (now)",
        lambda api, uid: api.post("/blastvoice", _voice(uid)),
        a_user,
        goal=5,
        notes="user, blast id, put, callId block, claim; 1 SQS send",
    ),
    Scenario(
        "POST /blastvoice (100 users, scheduled)",
        lambda api, p: api.post("/blastvoice", _voice(p[0], destination=p[1], time=LATER)),
        _user_destinations,
        goal=4,
        notes="+1 TransactGetItems checks the 100 users",
    ),
    Scenario(
        "PUT /blastVoice/{blastId}",
        lambda api, p: api.put(f"/blastVoice/{p[1]}", {"userId": p[0], "text": "Moved"}),
        _scheduled,
        goal=3,
        notes="user, read, conditional update; schedule moved",
    ),
    Scenario(
        "GET /blastVoice/{blastId} (scheduled)",
        lambda api, p: api.get(f"/blastVoice/{p[1]}?userId={p[0]}"),
        _scheduled,
        goal=1,
    ),
    Scenario(
        "GET /blastVoice/{blastId} (started, 250)",
        lambda api, p: api.get(f"/blastVoice/{p[1]}?userId={p[0]}"),
        _started(250),
        goal=4,
        notes="the blast + 1 BatchGetItem per 100 recipients",
    ),
    Scenario(
        "GET /blastVoice (list)",
        lambda api, p: api.get(f"/blastVoice?userId={p[0]}"),
        _scheduled,
        goal=1,
    ),
    Scenario(
        "DELETE /blastVoice/{blastId}",
        lambda api, p: api.delete(f"/blastVoice/{p[1]}?userId={p[0]}"),
        _scheduled,
        goal=1,
        notes="conditional delete; schedule deleted",
    ),
    Scenario(
        "POST /blastsms (now)",
        lambda api, uid: api.post("/blastsms", _voice(uid, text="Game cancelled")),
        a_user,
        goal=5,
    ),
    Scenario(
        f"blastvoice of {SMALL:,}: POST + fan-out",
        _fan_out("voice", SMALL),
        a_user,
        notes="everything from POST to the last execution started",
        recipients=SMALL,
    ),
    Scenario(
        f"blastvoice of {BIG:,}: POST + fan-out",
        _fan_out("voice", BIG),
        a_user,
        notes="everything from POST to the last execution started",
        recipients=BIG,
    ),
    # SMALL, not BIG: each text ends in a TransactWriteItems (calls.finish), and moto backs
    # up every table a transaction touches with a deep copy, so in-process the cost grows
    # with the square of the recipients (2,000 took 4 minutes and 7 GB). Per recipient
    # the counts are the same at any size.
    Scenario(
        f"blastsms of {SMALL:,}: POST + fan-out",
        _fan_out("sms", SMALL),
        a_user,
        notes="everything from POST to the last text sent",
        recipients=SMALL,
    ),
    Scenario(
        f"blastvoice of {EXECUTED}: recipients dialed",
        _executed(EXECUTED),
        a_user,
        aws_config={"stepfunctions": {"execute_state_machine": True}},
        notes="each recipient's execution, dialer and carrier, after the fan-out",
        recipients=EXECUTED,
    ),
]
