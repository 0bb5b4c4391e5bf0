"""call POST, call GET, and whole calls: POST, the dialing to the end, then GET.

call POST reads the requester and every user the sides name in one TransactGetItems
(a second one only for users named by email), takes a callId (one counter ADD), puts
the Calls item and starts the execution. call GET is one consistent GetItem.

A whole call runs the state machine in moto's interpreter and the dialer on the dial
queue (as tests/workflows do). Its line counts every request of the call: DynamoDB, the
dialer's task-token reports, and, as `states:transitions`, the states the execution
entered (Step Functions Standard bills per state transition); `sqs:messages` is the
dial-queue messages the dialer handled. The bench's own polling is not counted.
"""

from xml.etree import ElementTree

from bench import harness
from bench.harness import Scenario

JOHN = {
    "firstName": "John",
    "lastName": "Doe",
    "email": "john@example.com",
    "phoneNumber": "7202108298",
    "phoneType": "2",
}
JANE = {**JOHN, "firstName": "Jane", "email": "jane@example.com", "phoneNumber": "7209814345"}
TEXT = "John Doe is calling. Press 1 to accept."
EXECUTE = {"stepfunctions": {"execute_state_machine": True}}
POLLING = (
    "stepfunctions:DescribeExecution",
    "stepfunctions:GetExecutionHistory",
    "sqs:ReceiveMessage",
    "sqs:DeleteMessage",
)


def new_user(api, person) -> int:
    return int(ElementTree.fromstring(api.post("/user", person).body).findtext("userId"))


def john_and_jane(api, hunt: str = "", tryall: str = "0", dnd: bool = False) -> tuple[int, int]:
    john, jane = new_user(api, JOHN), new_user(api, JANE)
    if hunt:
        api.post(
            "/huntorder", {"userId": jane, "phoneNumber": hunt, "phoneType": "2", "tryall": tryall}
        )
    if dnd:
        api.post("/dnd", {"userId": jane, "startHour": "0", "endHour": "0", "day": "127"})
    return john, jane


def call(api, john: int, destination: str, origination: str | None = None, **more):
    return api.post(
        "/call",
        {
            "userId": john,
            "origination": origination or f"1:{john}",
            "destination": destination,
            "text": TEXT,
            **more,
        },
    )


def placed_call(api) -> int:
    john, _jane = john_and_jane(api)
    response = call(api, john, "3:7209814345")
    return int(ElementTree.fromstring(response.body).findtext("callId"))


def blacklisted(api) -> tuple[int, int]:
    john, jane = john_and_jane(api)
    api.post("/blacklist", {"userId": jane, "terminationType": "1", "terminationValue": john})
    return john, jane


def whole_call(destination: str, **more):
    """POST /call, the dialing until the execution ends, then GET /call/{id}."""

    def request(api, users):
        from chalicelib.telephony.simulated import SimulatedCarrier
        from chalicelib.workflows import dialing
        from tests.workflows.conftest import Switchboard

        john, jane = users
        response = call(api, john, destination.format(jane=jane), **more)
        call_id = int(ElementTree.fromstring(response.body).findtext("callId"))
        board = Switchboard(
            SimulatedCarrier(answer_delay_seconds=0, talk_seconds=12, sleep=lambda seconds: None)
        )
        arn = dialing.execution_arn(call_id)
        board.run(arn)
        count_transitions(arn)
        harness.calls["sqs:messages"] = len(board.messages)
        harness.invocations[harness.CONSUMERS] += len(board.messages)  # the dialer's
        return completed(api, call_id)

    return request


def count_transitions(arn: str) -> None:
    """The execution's state transitions (what Step Functions bills) in place of the
    requests that polled it to its end here."""
    from tests.workflows.conftest import states_entered

    transitions = len(states_entered(arn))
    for polling in POLLING:
        harness.calls.pop(polling, None)
    harness.calls["states:transitions"] = transitions


def completed(api, call_id: int):
    """GET /call/{id}, which must say the call is over."""
    status = api.get(f"/call/{call_id}")
    assert ElementTree.fromstring(status.body).findtext("callComplete") == "1", status.body
    return status


SCENARIOS = [
    Scenario(
        "POST /call (1:userId to 3:phone)",
        lambda api, users: call(api, users[0], "3:7209814345"),
        john_and_jane,
        goal=3,
    ),
    Scenario(
        "POST /call (1:userId to 1:userId)",
        lambda api, users: call(api, users[0], f"1:{users[1]}"),
        john_and_jane,
        goal=3,
    ),
    Scenario(
        "POST /call (2:email to 2:email)",
        lambda api, users: call(api, users[0], "2:jane@example.com", "2:john@example.com"),
        john_and_jane,
        goal=4,
        notes="a second read for the users found by email",
    ),
    Scenario(
        "POST /call (3:phone to 1:userId)",
        lambda api, users: call(api, users[0], f"1:{users[1]}", "3:7202108298"),
        john_and_jane,
        goal=3,
        notes="the number's holder read with the users",
    ),
    Scenario(
        "POST /call (303 blacklisted)",
        lambda api, users: call(api, users[0], f"1:{users[1]}"),
        blacklisted,
        goal=1,
        expect_status=(403,),
    ),
    Scenario(
        "GET /call/{callId}", lambda api, call_id: api.get(f"/call/{call_id}"), placed_call, goal=1
    ),
    Scenario(
        "call: answered at once (POST+dial+GET)",
        whole_call("1:{jane}"),
        john_and_jane,
        aws_config=EXECUTE,
        goal=11,
    ),
    Scenario(
        "call: hunt, human on the 3rd number",
        whole_call("1:{jane}"),
        lambda api: john_and_jane(api, "3035550101,3035550102,3035551234"),
        aws_config=EXECUTE,
        goal=15,
    ),
    Scenario(
        "call: try-all of three numbers",
        whole_call("1:{jane}"),
        lambda api: john_and_jane(api, "3035550102,3035550105,3035550101", "1"),
        aws_config=EXECUTE,
        goal=11,
    ),
    Scenario(
        "call: busy, failed",
        whole_call("1:{jane}"),
        lambda api: john_and_jane(api, "3035550101"),
        aws_config=EXECUTE,
        goal=8,
    ),
    Scenario(
        "call: destination in DND",
        whole_call("1:{jane}"),
        lambda api: john_and_jane(api, dnd=True),
        aws_config=EXECUTE,
        goal=6,
    ),
]
