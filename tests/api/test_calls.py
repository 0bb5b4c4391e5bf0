"""call POST and call GET, against the reference's bodies and RULINGS, with the calls
really dialed: here the local AWS executes the state machine (`sfn_aws`), and a test
runs the dialer by draining the dial queue (`Switchboard`, docs/carriers.md "Test numbers")."""

import json

import pytest

from chalicelib import clock
from chalicelib.workflows import dialing
from tests.api.people import as_json, fails, new_user, next_id_is, ok, other_enterprise
from tests.examples import assert_matches_example, example, xml
from tests.workflows.conftest import NOW, frozen_clock, sfn_aws, switchboard  # noqa: F401

pytestmark = pytest.mark.usefixtures("frozen_clock")

JOHN_PHONE = "7202108298"  # the reference's callingNumber
JANE_PHONE = "7209814345"  # the reference's attempt
TEXT = "John Doe is calling. Press 1 to accept."


@pytest.fixture
def aws(sfn_aws):
    """Overrides tests/conftest.py's for this module: state machines are executed."""
    from chalicelib.protocol import auth

    auth.forget_cached_sessions()
    return


@pytest.fixture
def john(api) -> int:
    """The requester and, in most calls, the origination."""
    return new_user(api, phoneNumber=JOHN_PHONE)


@pytest.fixture
def jane(api) -> int:
    return new_user(api, firstName="Jane", email="jane@example.com", phoneNumber=JANE_PHONE)


def call(api, user_id, destination, origination=None, **more):
    return api.post(
        "/call",
        {
            "userId": user_id,
            "origination": origination or f"1:{user_id}",
            "destination": destination,
            "text": TEXT,
            **more,
        },
    )


def placed(api, user_id, destination, origination=None, **more) -> int:
    response = call(api, user_id, destination, origination, **more)
    ok(response, 201)
    return int(xml(response.body).findtext("callId"))


def dial(switchboard, call_id: int, intercept=None) -> None:
    """What Lambda does with the dial queue, until the call's execution ends."""
    assert switchboard.run(dialing.execution_arn(call_id), intercept)["status"] == "SUCCEEDED"


def status(api, call_id: int):
    response = api.get(f"/call/{call_id}")
    ok(response)
    return xml(response.body)


def attempts(body) -> list[tuple[str, str]]:
    return [(a.findtext("number"), a.findtext("result")) for a in body.iter("attempt")]


def summary(body) -> tuple:
    return (
        body.findtext("currentState"),
        body.findtext("callComplete"),
        body.findtext("success"),
        body.findtext("mou"),
    )


def mouused(api, user_id) -> str:
    return xml(api.get(f"/mouused?userId={user_id}").body).findtext("mou")


def hunt(api, user_id, numbers, tryall=0) -> None:
    ok(
        api.post(
            "/huntorder",
            {
                "userId": user_id,
                "phoneNumber": ",".join(numbers),
                "phoneType": "2",
                "tryall": str(tryall),
            },
        ),
        201,
    )


def executions() -> list:
    from chalicelib.store import aws

    return aws.client("stepfunctions").list_executions(stateMachineArn=aws.state_machine_arn())[
        "executions"
    ]


# --- call POST --------------------------------------------------------------------------


def test_post_returns_201_and_the_call_id_at_once_with_the_reference_body(api, john):
    next_id_is("call", 744)
    response = call(api, john, f"3:{JANE_PHONE}")
    assert response.status_code == 201
    assert_matches_example(response.body, "call-POST.xml")
    # And the dialing has started, but nothing is dialed yet
    assert [e["name"] for e in executions()] == ["call-744"]
    body = status(api, 744)
    assert summary(body) == ("scheduled", "0", "0", "0.0")
    assert attempts(body) == []


def test_post_as_the_reference_prints_the_url_and_in_json(api, john):
    # The reference prints /call/callId; the segment names nothing on POST
    response = api.post(
        "/call/callId?output=json",
        {
            "userid": john,
            "Origination": f"1:{john}",
            "DESTINATION": f"3:{JANE_PHONE}",
            "text": TEXT,
        },
    )
    assert response.status_code == 201
    assert list(as_json(response)) == ["callId"]
    assert isinstance(as_json(response)["callId"], int)


def test_post_accepts_a_json_body(api, john, jane):
    response = api.call(
        "POST",
        "/call",
        raw=json.dumps(
            {
                "userId": john,
                "origination": f"1:{john}",
                "destination": "2:jane@example.com",
                "text": TEXT,
                "callOrigination": 1,
                "disableAMD": 1,
            }
        ),
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 201, response.body


@pytest.mark.parametrize(
    "destination, origination, codes",
    [
        ("9:3035551212", None, [301]),
        ("3035551212", None, [301]),
        ("3:3035551212", "4:3035551212", [302]),
        ("x:1", "0:1", [302, 301]),
    ],
)
def test_bad_types_are_301_and_302(api, john, destination, origination, codes):
    fails(call(api, john, destination, origination), 400, *codes)
    assert executions() == []


@pytest.mark.parametrize("missing", ["userId", "origination", "destination", "text"])
def test_every_required_variable(api, john, missing):
    body = {"userId": john, "origination": f"1:{john}", "destination": "3:3035551212", "text": TEXT}
    del body[missing]
    fails(api.post("/call", body), 400, 900)


@pytest.mark.parametrize(
    "more, code",
    [
        ({"callOrigination": "2"}, 901),
        ({"disableAMD": "yes"}, 901),
        ({"text": "x" * 3001}, 903),
        ({"text": "<b></b>"}, 900),
    ],
)
def test_bad_options(api, john, more, code):
    fails(call(api, john, "3:3035551212", **more), 400, code)


def test_a_side_naming_no_visible_user_is_922(api, app_client, john):
    # Given a user exclusive to another enterprise
    two = other_enterprise(app_client)
    hidden = new_user(two, email="hidden@example.com", phoneNumber="7205550001", exclusive="1")
    # Then neither side may name it, nor name nobody
    fails(call(api, john, f"1:{hidden}"), 400, 922)
    fails(call(api, john, "2:hidden@example.com"), 400, 922)
    fails(call(api, john, "3:3035551212", origination="1:99999"), 400, 922)
    fails(
        call(api, john, "2:nobody@example.com", origination="2:nobody@example.com"), 400, 922, 922
    )
    assert executions() == []


def test_an_unknown_requester_is_106(api, john):
    fails(call(api, 99999, "3:3035551212", origination=f"1:{john}"), 404, 106)


@pytest.mark.parametrize(
    "block, origination",
    [
        (
            {"terminationType": "3", "terminationValue": JOHN_PHONE},
            "1:{john}",
        ),  # one of its numbers
        ({"terminationType": "1", "terminationValue": "{john}"}, "3:" + JOHN_PHONE),  # its holder
        ({"terminationType": "2", "terminationValue": "john@example.com"}, "2:john@example.com"),
        ({"terminationType": "3", "terminationValue": JOHN_PHONE}, "3:" + JOHN_PHONE),
    ],
)
def test_an_origination_on_the_destinations_blacklist_is_303(api, john, jane, block, origination):
    # Given Jane blacklisted John, or one of his numbers
    ok(
        api.post(
            "/blacklist", {"userId": jane, **{k: v.format(john=john) for k, v in block.items()}}
        ),
        201,
    )
    # When John calls her
    response = call(api, john, f"1:{jane}", origination.format(john=john))
    # Then it is refused, and nothing is dialed
    fails(response, 403, 303)
    assert executions() == []


def test_a_blacklist_does_not_stop_other_originations(api, john, jane):
    ok(
        api.post(
            "/blacklist", {"userId": jane, "terminationType": "3", "terminationValue": "3035550000"}
        ),
        201,
    )
    ok(call(api, john, f"1:{jane}"), 201)


@pytest.mark.parametrize("broken", ["next_id", "start"])
def test_failing_to_store_or_start_is_304(api, john, monkeypatch, broken):
    from botocore.exceptions import ClientError

    from chalicelib.store import calls, ids

    def fail(*args, **kwargs):
        raise ClientError({"Error": {"Code": "InternalServerError", "Message": "secret"}}, "X")

    next_id_is("call", 50)
    monkeypatch.setattr(ids if broken == "next_id" else dialing, broken, fail)
    response = call(api, john, "3:3035551212")
    fails(response, 500, 304)
    assert xml(response.body).findtext("errors/error/requestId")
    assert b"secret" not in response.body
    if broken == "start":
        # The call that could not be dialed is not left scheduled, and is an alert
        assert calls.get(50, 1).state == "failed"
        alert = api.get("/alerts")
        assert b"<kind>work</kind>" in alert.body and b"InternalServerError" in alert.body
        assert b"secret" not in alert.body


# --- call GET ---------------------------------------------------------------------------


def test_get_returns_the_reference_body_once_complete(api, switchboard):
    # Given the reference's call: requester 235 calls 7209814345 from 7202108298
    next_id_is("user", 235)
    requester = new_user(api, phoneNumber=JOHN_PHONE)
    next_id_is("call", 1177)
    call_id = placed(api, requester, f"3:{JANE_PHONE}")

    def hang_up_after_24_seconds(message):
        if message["action"] == "finish":
            clock.advance(24)
        return False

    # When it is dialed, answered, and ends 24 seconds later (billed 0.2 minutes)
    dial(switchboard, call_id, hang_up_after_24_seconds)
    response = api.get("/call/1177")
    # Then its body is the reference's, value for value
    assert response.status_code == 200
    assert_matches_example(response.body, "call-GET.xml")


def test_get_in_json(api, john, switchboard):
    call_id = placed(api, john, f"3:{JANE_PHONE}")
    dial(switchboard, call_id)
    assert as_json(api.get(f"/call/{call_id}?output=json")) == {
        "userId": john,
        "callId": call_id,
        "mou": 0.2,
        "success": 1,
        "timeScheduled": NOW,
        "timeOriginated": NOW,
        "timeCompleted": NOW,
        "callingNumber": JOHN_PHONE,
        "attempts": [{"number": JANE_PHONE, "result": "Success"}],
        "currentState": "complete",
        "callComplete": 1,
    }


def test_get_while_the_call_runs(api, john):
    call_id = placed(api, john, f"3:{JANE_PHONE}")
    body = status(api, call_id)
    # The reference's elements in its order; no attempt yet
    assert [e.tag for e in body] == [e.tag for e in example("call-GET.xml")]
    assert summary(body) == ("scheduled", "0", "0", "0.0")
    assert (
        body.findtext("timeScheduled"),
        body.findtext("timeOriginated"),
        body.findtext("timeCompleted"),
        body.findtext("callingNumber"),
    ) == (str(NOW), "", "", JOHN_PHONE)


def test_get_by_variable(api, john):
    call_id = placed(api, john, f"3:{JANE_PHONE}")
    assert status(api, call_id).findtext("callId") == str(call_id)
    ok(api.get(f"/call?callId={call_id}"))


def test_an_unknown_or_foreign_call_is_902(api, app_client, john):
    call_id = placed(api, john, f"3:{JANE_PHONE}")
    fails(api.get(f"/call/{call_id + 1}"), 400, 902)
    fails(api.get("/call/0"), 400, 902)
    fails(api.get("/call"), 400, 900)
    fails(other_enterprise(app_client).get(f"/call/{call_id}"), 400, 902)


# --- every way a call ends, through the API ------------------------------------------

ANSWERED = ("complete", "1", "1", "0.2")
FAILED = ("failed", "1", "0", "0.0")


@pytest.mark.parametrize(
    "hunt_order, tryall, expected, outcome",
    [
        (["3035550101"], 0, [("3035550101", "Busy")], FAILED),
        (["3035550102"], 0, [("3035550102", "NoAnswer")], FAILED),
        (["3035550103"], 0, [("3035550103", "Machine")], FAILED),
        (["3035550104"], 0, [("3035550104", "Declined")], FAILED),
        (["3035550106"], 0, [("3035550106", "Failed")], FAILED),
        (
            ["3035550101", "3035550102", "3035551234"],
            0,
            [("3035550101", "Busy"), ("3035550102", "NoAnswer"), ("3035551234", "Success")],
            ANSWERED,
        ),
        (
            ["3035550102", "3035550105", "3035550101"],
            1,
            [("3035550102", "NoAnswer"), ("3035550105", "Success"), ("3035550101", "Busy")],
            ANSWERED,
        ),
    ],
    ids=["busy", "no answer", "machine", "declined", "failure", "hunt to the third", "tryall"],
)
def test_a_call_to_a_users_hunt_order(
    api,
    john,
    jane,
    switchboard,
    hunt_order,
    tryall,
    expected,
    outcome,
):
    # Given Jane's hunt order
    hunt(api, jane, hunt_order, tryall)
    # When John calls her by her email, and the call is dialed
    call_id = placed(api, john, "2:jane@example.com")
    dial(switchboard, call_id)
    # Then call GET shows each number tried, and the minutes went to John's mouused
    body = status(api, call_id)
    assert attempts(body) == expected
    assert summary(body) == outcome
    assert body.findtext("callingNumber") == JOHN_PHONE
    assert mouused(api, john) == ("0.2" if outcome == ANSWERED else "0")
    assert mouused(api, jane) == "0"


def test_a_destination_in_dnd(api, john, jane, switchboard):
    ok(api.post("/dnd", {"userId": jane, "startHour": "0", "endHour": "0", "day": "127"}), 201)
    call_id = placed(api, john, f"1:{jane}")
    dial(switchboard, call_id)
    body = status(api, call_id)
    assert attempts(body) == [(JANE_PHONE, "DND")]
    assert summary(body) == FAILED
    assert switchboard.carrier.placed == []


def test_call_origination_dials_the_requester_first_and_accepts_a_machine(
    api, john, jane, switchboard
):
    hunt(api, jane, ["3035550103"])
    call_id = placed(api, john, f"1:{jane}", callOrigination="1")
    dial(switchboard, call_id)
    assert [d.role for d in switchboard.carrier.placed] == ["origination", "destination"]
    body = status(api, call_id)
    assert attempts(body) == [("3035550103", "Success")]
    assert summary(body) == ANSWERED
    assert body.findtext("callingNumber") == JOHN_PHONE
    assert mouused(api, john) == "0.2"


def test_disable_amd_lets_a_machine_hear_the_announcement_and_never_press_1(
    api, john, jane, switchboard
):
    hunt(api, jane, ["3035550103"])
    call_id = placed(api, john, f"1:{jane}", disableAMD="1")
    dial(switchboard, call_id)
    assert switchboard.carrier.placed[0].detect_machine is False
    assert attempts(status(api, call_id)) == [("3035550103", "Declined")]


def test_a_busy_origination_is_shown_and_fails_the_call(api, john, switchboard):
    call_id = placed(api, john, f"3:{JANE_PHONE}", origination="3:7205550101")
    dial(switchboard, call_id)
    body = status(api, call_id)
    assert attempts(body) == [(JANE_PHONE, "Success"), ("7205550101", "Busy")]
    assert summary(body) == FAILED
    assert mouused(api, john) == "0"


def test_minutes_go_to_the_requester_not_the_origination(api, john, jane, switchboard):
    # John asks for a call from Jane to a phone
    call_id = placed(api, john, "3:3035551234", origination=f"1:{jane}")
    dial(switchboard, call_id)
    body = status(api, call_id)
    assert (body.findtext("userId"), body.findtext("callingNumber")) == (str(john), JANE_PHONE)
    assert (mouused(api, john), mouused(api, jane)) == ("0.2", "0")
