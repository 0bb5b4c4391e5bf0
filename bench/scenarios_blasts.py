"""blastvoice and blastsms: AWS requests per route, and a 10,000-recipient blast fanned out
over moto (time to enqueue its recipients, AWS requests per recipient).

The big blast runs with moto recording Step Functions executions without running them:
what is measured is the fan-out (POST, start, batches, one execution started per
recipient), not the dialing (chalicelib/workflows/README.md has the cost of a call).
"""

from __future__ import annotations

import time
from collections import Counter
from xml.etree import ElementTree

from bench import harness
from bench.harness import Scenario
from bench.scenarios_users import a_user

# A month from now: within the scheduling horizon (README "Limits").
LATER = int(time.time()) + 30 * 86400
BIG = 10_000


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
    from local import worker

    while worker.drain_fanout_queue():
        pass


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


def _big_blast(api, user_id: int):
    """POST a blast to 10,000 numbers, then play the fan-out queue's trigger until it is
    empty; prints the times and the AWS requests per recipient."""
    from chalicelib.store import aws

    sqs, url = aws.client("sqs"), aws.fanout_queue_url()
    started = time.perf_counter()
    response = api.post("/blastvoice", _voice(user_id, destination=_destinations(BIG)))
    posted = time.perf_counter()
    import json

    from chalicelib.workflows import fanout

    (start,) = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1)["Messages"]
    fanout.handle(json.loads(start["Body"]))
    sqs.delete_message(QueueUrl=url, ReceiptHandle=start["ReceiptHandle"])
    enqueued = time.perf_counter()
    _drain()
    done = time.perf_counter()
    counted = Counter(harness.calls)
    per_recipient = sum(counted.values()) / BIG
    top = ", ".join(f"{k} {n / BIG:.3f}" for k, n in counted.most_common(6))
    print(
        f"  blast of {BIG:,} numbers: POST {posted - started:.1f} s, start (enqueue "
        f"{BIG // 100} batches) {enqueued - posted:.2f} s, fan-out to {BIG:,} executions "
        f"{done - enqueued:.1f} s (moto, one process)"
    )
    print(f"    AWS requests per recipient {per_recipient:.3f}: {top}")
    return response


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
        f"blast of {BIG:,}: POST + fan-out",
        _big_blast,
        a_user,
        notes="everything from POST to the last execution started",
    ),
]
