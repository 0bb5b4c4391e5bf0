"""The cost of the two additions: Idempotency-Key and status callbacks.

A keyed POST costs the route's own requests plus two: the conditional PutItem that
claims the key before the work, and the UpdateItem that keeps the response after it. A
replay is one request in all (the claim's PutItem fails and returns the kept response),
whatever the route costs. Requests without the header cost what they did (the lines of
the other scenario files, unchanged).

A call with a statusCallback costs no DynamoDB request more than one without: its events
are made by the `events` function from the Calls stream (which Lambda reads at no
charge), one SQS SendMessage each, not by the requests counted here.
Delivering an event costs one GetItem and a KMS Decrypt for the enterprise's signing
secrets, once per consumer every five minutes, and nothing else on AWS.
"""

from types import SimpleNamespace
from xml.etree import ElementTree

from bench.harness import Scenario
from bench.scenarios_calls import EXECUTE, TEXT, call, john_and_jane, whole_call
from bench.scenarios_users import JOHN

KEY = {"Idempotency-Key": "bench-order-1"}
# A public address given as such: no DNS lookup at the request or the delivery.
CALLBACK = "https://93.184.216.34/ocp/events"


def keyed_call(api, users):
    john = users[0]
    body = {"userId": john, "origination": f"1:{john}", "destination": "3:7209814345", "text": TEXT}
    return api.post("/call", body, headers=KEY)


def a_keyed_call_made(api):
    users = john_and_jane(api)
    keyed_call(api, users)
    return users


def a_keyed_user_made(api):
    api.post("/user", JOHN, headers=KEY)


def an_event_queued(api):
    """A call's `completed` on the callbacks queue, and a receiver that takes it."""
    from chalicelib.events import Subscription, delivery, publish
    from chalicelib.store import calls

    delivery.post = lambda target, timeout, body, headers: 204  # the receiver, in process
    john, _jane = john_and_jane(api)
    call_id = int(ElementTree.fromstring(call(api, john, "3:7209814345").body).findtext("callId"))
    event = publish.call(calls.get(call_id, 1), Subscription(CALLBACK), "completed")
    assert event is not None
    publish.queue(event)
    return delivery.receive()


def deliver(api, received):
    from chalicelib.events import delivery

    delivery.forget_signing_secrets()
    delivery.handle_received(received)
    return SimpleNamespace(status_code=200, body=b"")


SCENARIOS = [
    Scenario(
        "POST /call with a new Idempotency-Key",
        keyed_call,
        john_and_jane,
        goal=5,
        notes="the route's 3, the claim (PutItem), the response kept (UpdateItem)",
    ),
    Scenario(
        "POST /call replayed (same key)",
        keyed_call,
        a_keyed_call_made,
        goal=1,
        notes="the claim fails and returns the kept response: nothing dialed",
    ),
    Scenario(
        "POST /user with a new Idempotency-Key",
        lambda api, _: api.post("/user", JOHN, headers=KEY),
        goal=7,
        notes="the route's 5 + claim + keep",
    ),
    Scenario(
        "POST /user replayed (same key)",
        lambda api, _: api.post("/user", JOHN, headers=KEY),
        a_keyed_user_made,
        goal=1,
    ),
    Scenario(
        "POST /call with statusCallback",
        lambda api, users: call(api, users[0], "3:7209814345", statusCallback=CALLBACK),
        john_and_jane,
        goal=3,
        notes="as without: the URL is checked without AWS",
    ),
    Scenario(
        "call with statusCallback (POST+dial+GET)",
        whole_call("1:{jane}", statusCallback=CALLBACK),
        john_and_jane,
        aws_config=EXECUTE,
        goal=11,
        notes="as without; its 3 events: the events function's, from the stream",
    ),
    Scenario(
        "deliver one event (signing secrets not cached)",
        deliver,
        an_event_queued,
        goal=1,
        notes="enterprise read + KMS decrypt; then cached 5 min",
    ),
]
