"""autoconference POST, GET, PUT, DELETE against the reference, RULINGS "Scheduled work",
and its EventBridge Scheduler schedule (over moto)."""

import json

import pytest

from chalicelib import clock, settings
from chalicelib.errors import OcpError
from chalicelib.store import aws as aws_clients
from chalicelib.workflows import fire, schedule
from tests.api.people import as_json, fails, new_user, ok, other_enterprise
from tests.examples import assert_matches_example, xml

# The reference's example values (autoconference GET).
EXAMPLE_TIME = 1241133720
EXAMPLE = {
    "phoneNumber": "3035551212",
    "pin": "123456#",
    "origination": "3:7205551212",
    "text": "International conference about new marketing plan",
}
HOUR = 3600


@pytest.fixture
def user(api) -> int:
    return new_user(api)


def post(api, user_id, **values):
    return api.post("/autoconference", {"userId": user_id, **EXAMPLE, **values})


def call_id_of(response) -> int:
    return int(xml(response.body).findtext("callId"))


def scheduled(api, user_id, at: int, **values) -> int:
    response = post(api, user_id, conferenceTime=at, **values)
    ok(response, 202)
    return call_id_of(response)


def stored_schedule(call_id: int) -> dict | None:
    scheduler = aws_clients.client("scheduler")
    try:
        return scheduler.get_schedule(
            Name=schedule.name("autoconference", call_id), GroupName=settings.get().schedule_group
        )
    except scheduler.exceptions.ResourceNotFoundException:
        return None


def executions() -> list[dict]:
    """The dialing executions started (the `aws` fixture's moto records, never runs them)."""
    sfn = aws_clients.client("stepfunctions")
    found = sfn.list_executions(stateMachineArn=aws_clients.state_machine_arn())["executions"]
    return [
        {
            "name": e["name"],
            "input": json.loads(sfn.describe_execution(executionArn=e["executionArn"])["input"]),
        }
        for e in found
    ]


def state_of(call_id: int) -> str:
    from chalicelib.store import calls

    return calls.get(call_id, 1).state


def fire_it(call_id: int, version: int) -> None:
    fire.fire({"kind": "autoconference", "id": call_id, "version": version})


# --- POST -------------------------------------------------------------------------------


def test_post_without_a_time_starts_now_with_201_and_the_reference_body(api, user):
    # When an autoconference is posted with no conferenceTime
    response = post(api, user)
    # Then it is created (201) with the body of the reference
    assert response.status_code == 201
    assert_matches_example(response.body, "autoconference-POST.xml", ignore=("callId",))
    call_id = call_id_of(response)
    # and dialing started at once: the origination (with the text, asking for 1), then the
    # conference number, to be sent the PIN
    [execution] = executions()
    assert execution["name"] == f"call-{call_id}"
    first, second = execution["input"]["legs"]
    assert (
        first["role"],
        [n["number"] for n in first["numbers"]],
        first["askForOne"],
        first["announcement"],
    ) == ("origination", ["7205551212"], True, {"text": EXAMPLE["text"]})
    assert (
        second["role"],
        [n["e164"] for n in second["numbers"]],
        second["digits"],
        second["askForOne"],
        second["acceptMachine"],
    ) == ("conference", ["+13035551212"], "123456#", False, True)
    assert stored_schedule(call_id) is None
    assert state_of(call_id) == "dialing"


@pytest.mark.parametrize("when", [0, EXAMPLE_TIME])
def test_a_time_of_0_or_in_the_past_starts_now(api, user, when):
    response = post(api, user, conferenceTime=when)
    assert response.status_code == 201
    assert len(executions()) == 1


def test_the_users_preferences_choose_the_number_when_the_origination_is_the_user(api, user):
    # Given John's hunt order rings his mobile first
    ok(
        api.post(
            "/huntorder", {"userId": user, "phoneNumber": "7209814345,3035551212", "phoneType": "2"}
        ),
        201,
    )
    # When his autoconference names no origination (or names him)
    ok(post(api, user, origination=""), 201)
    ok(post(api, user, origination=f"1:{user}", disableAMD=1), 201)
    # Then he is dialed by his preferences, with answering machine detection as asked
    legs = [e["input"]["legs"][0] for e in sorted(executions(), key=lambda e: e["name"])]
    assert [[n["number"] for n in leg["numbers"]] for leg in legs] == [
        ["7209814345", "3035551212"]
    ] * 2
    assert [leg["detectMachine"] for leg in legs] == [True, False]


def test_post_with_a_future_time_is_202_and_one_schedule_at_that_time(api, user):
    # When an autoconference is posted for an hour from now
    when = clock.now() + HOUR
    response = post(api, user, conferenceTime=when)
    # Then it is accepted (202) and nothing is dialed yet
    assert response.status_code == 202
    assert_matches_example(response.body, "autoconference-POST.xml", ignore=("callId",))
    call_id = call_id_of(response)
    assert executions() == [] and state_of(call_id) == "scheduled"
    # and one one-time schedule fires `fire` with the item and its version at that time
    item = stored_schedule(call_id)
    assert item["ScheduleExpression"] == schedule.at_expression(when)
    assert item["Target"]["Arn"] == settings.get().fire_target_arn
    assert json.loads(item["Target"]["Input"]) == {
        "kind": "autoconference",
        "id": call_id,
        "version": 0,
    }


# --- GET --------------------------------------------------------------------------------


def test_get_one_returns_the_reference_body(api, user):
    # Given the reference's autoconference, scheduled for its conferenceTime
    with clock.frozen(EXAMPLE_TIME - HOUR):
        call_id = scheduled(api, user, EXAMPLE_TIME)
    # When it is read
    response = api.get(f"/autoconference/{call_id}?userId={user}")
    # Then every value is the reference's
    assert response.status_code == 200
    assert_matches_example(response.body, "autoconference-GET-one.xml")


def test_get_one_in_json(api, user):
    call_id = call_id_of(post(api, user, origination=f"1:{user}"))
    body = as_json(api.get(f"/autoconference/{call_id}?userId={user}&output=json"))
    assert body["origination"] == {"type": 1, "value": user}
    assert (body["conferenceNumber"], body["conferencePin"]) == ("3035551212", "123456#")


def test_get_lists_the_users_autoconferences_with_the_reference_body(api, user):
    first = call_id_of(post(api, user))
    response = api.get(f"/autoconference?userId={user}")
    assert response.status_code == 200
    assert_matches_example(response.body, "autoconference-GET-list.xml", ignore=("callId",))
    second = scheduled(api, user, clock.now() + HOUR)
    other = new_user(api, email="jane@example.com", phoneNumber="7205551313")
    post(api, other)
    response = api.get(f"/autoconference?userId={user}")
    assert [int(c.text) for c in xml(response.body).iter("callId")] == [first, second]
    assert as_json(api.get(f"/autoconference?userId={user}&output=json")) == {
        "callIds": [first, second]
    }


def test_get_lists_none_with_204(api, user):
    response = api.get(f"/autoconference?userId={user}")
    assert (response.status_code, response.body) == (204, b"")


def test_get_one_of_an_unknown_callid_another_user_or_enterprise_is_305(api, user, app_client):
    call_id = call_id_of(post(api, user))
    other = new_user(api, email="jane@example.com", phoneNumber="7205551313")
    fails(api.get(f"/autoconference/{call_id + 1}?userId={user}"), 404, 305)
    fails(api.get(f"/autoconference/{call_id}?userId={other}"), 404, 305)
    fails(other_enterprise(app_client).get(f"/autoconference/{call_id}?userId={user}"), 404, 305)


def test_a_stored_autoconference_that_cannot_be_read_is_307(api, user):
    from chalicelib.store.models import Call

    call_id = scheduled(api, user, clock.now() + HOUR)
    Call(call_id).update(actions=[Call.request.set({"conferencePin": "1"})])
    fails(api.get(f"/autoconference/{call_id}?userId={user}"), 500, 307)


def test_a_plain_call_is_no_autoconference(api, user):
    from chalicelib.store import calls

    calls.create(99, eid=1, user_id=user, kind="call", time_scheduled=clock.now())
    fails(api.get(f"/autoconference/99?userId={user}"), 404, 305)


# --- PUT --------------------------------------------------------------------------------


def test_put_changes_a_scheduled_one_and_moves_its_schedule(api, user):
    # Given an autoconference for an hour from now
    call_id = scheduled(api, user, clock.now() + HOUR)
    # When it is moved another hour on, with a new PIN, text and origination
    later = clock.now() + 2 * HOUR
    response = api.put(
        f"/autoconference/{call_id}",
        {
            "userId": user,
            "time": later,
            "pin": "999#",
            "text": "Moved",
            "origination": "3:7205550000",
            "phoneNumber": "3035559999",
        },
    )
    # Then 202 with the reference's body
    assert response.status_code == 202
    assert_matches_example(response.body, "autoconference-PUT.xml")
    # and the schedule fires at the new time with the next version
    item = stored_schedule(call_id)
    assert item["ScheduleExpression"] == schedule.at_expression(later)
    assert json.loads(item["Target"]["Input"])["version"] == 1
    body = xml(api.get(f"/autoconference/{call_id}?userId={user}").body)
    assert [
        body.findtext(n)
        for n in (
            "conferenceNumber",
            "conferencePin",
            "conferenceTime",
            "announcementText",
            "origination/value",
        )
    ] == ["3035559999", "999#", str(later), "Moved", "7205550000"]
    assert executions() == []


def test_put_keeps_what_it_does_not_name(api, user):
    call_id = scheduled(api, user, clock.now() + HOUR)
    ok(
        api.put(
            f"/autoconference/{call_id}",
            {"userId": user, "conferenceTime": clock.now() + 2 * HOUR, "text": "Only the text"},
        ),
        202,
    )
    body = xml(api.get(f"/autoconference/{call_id}?userId={user}").body)
    kept = [body.findtext(n) for n in ("conferenceNumber", "conferencePin", "announcementText")]
    assert kept == ["3035551212", "123456#", "Only the text"]


def test_put_without_a_time_starts_it_now_and_removes_the_schedule(api, user):
    # Given a scheduled autoconference
    call_id = scheduled(api, user, clock.now() + HOUR)
    # When it is changed with no time (reference: "the system ... places the call immediately")
    ok(api.put(f"/autoconference/{call_id}", {"userId": user, "pin": "4321#"}), 202)
    # Then it is dialed now, with the new PIN, and its schedule is gone
    [execution] = executions()
    assert execution["input"]["legs"][1]["digits"] == "4321#"
    assert stored_schedule(call_id) is None
    assert state_of(call_id) == "dialing"
    # and the delivery of the old schedule, were it under way, does nothing
    fire_it(call_id, 0)
    assert len(executions()) == 1


def test_put_or_delete_after_it_fired_is_304(api, user):
    # Given an autoconference whose schedule has fired
    call_id = scheduled(api, user, clock.now() + HOUR)
    fire_it(call_id, 0)
    # Then it can no longer be changed or deleted (RULINGS "Scheduled work")
    fails(
        api.put(f"/autoconference/{call_id}", {"userId": user, "time": clock.now() + HOUR}),
        500,
        304,
    )
    fails(api.delete(f"/autoconference/{call_id}?userId={user}"), 500, 304)
    assert len(executions()) == 1


def test_put_of_an_unknown_or_another_users_autoconference_is_305(api, user):
    call_id = scheduled(api, user, clock.now() + HOUR)
    other = new_user(api, email="jane@example.com", phoneNumber="7205551313")
    fails(api.put(f"/autoconference/{call_id + 1}", {"userId": user}), 404, 305)
    fails(api.put(f"/autoconference/{call_id}", {"userId": other}), 404, 305)


# --- DELETE -----------------------------------------------------------------------------


def test_delete_cancels_it_and_removes_its_schedule(api, user):
    # Given a scheduled autoconference
    call_id = scheduled(api, user, clock.now() + HOUR)
    # When it is deleted
    response = api.delete(f"/autoconference/{call_id}?userId={user}")
    # Then 200 with the reference's body; the schedule is gone and so is the autoconference
    assert response.status_code == 200
    assert_matches_example(response.body, "autoconference-DELETE.xml")
    assert stored_schedule(call_id) is None
    assert state_of(call_id) == "cancelled"
    fails(api.get(f"/autoconference/{call_id}?userId={user}"), 404, 305)
    assert api.get(f"/autoconference?userId={user}").status_code == 204
    # and a delivery that was already under way does nothing
    fire_it(call_id, 0)
    assert executions() == []


def test_delete_twice_or_put_after_delete_is_305(api, user):
    call_id = scheduled(api, user, clock.now() + HOUR)
    ok(api.delete(f"/autoconference/{call_id}"))
    fails(api.delete(f"/autoconference/{call_id}"), 404, 305)
    fails(api.put(f"/autoconference/{call_id}", {"userId": user}), 404, 305)


# --- firing -----------------------------------------------------------------------------


def test_firing_twice_starts_one_execution(api, user):
    call_id = scheduled(api, user, clock.now() + HOUR)
    fire_it(call_id, 0)
    fire_it(call_id, 0)
    assert [e["name"] for e in executions()] == [f"call-{call_id}"]
    assert state_of(call_id) == "dialing"


def test_firing_an_old_version_does_nothing_and_the_current_one_starts(api, user):
    # Given an autoconference moved by PUT (version 1)
    call_id = scheduled(api, user, clock.now() + HOUR)
    ok(api.put(f"/autoconference/{call_id}", {"userId": user, "time": clock.now() + 2 * HOUR}), 202)
    # When the first schedule's delivery arrives late
    fire_it(call_id, 0)
    # Then nothing is dialed; the moved schedule's delivery dials
    assert executions() == [] and state_of(call_id) == "scheduled"
    fire_it(call_id, 1)
    assert len(executions()) == 1


def test_firing_for_an_unknown_item_does_nothing(api, user):
    # Given a scheduled autoconference
    call_id = scheduled(api, user, clock.now() + HOUR)
    # When a schedule fires for an item that does not exist (one deleted meanwhile)
    fire_it(call_id + 12345, 0)
    # Then nothing is dialed, nothing is made up for it, and the scheduled one waits
    assert executions() == []
    with pytest.raises(OcpError):
        state_of(call_id + 12345)
    assert state_of(call_id) == "scheduled"


def test_the_local_worker_fires_it_when_its_time_comes(api, user):
    from local import worker

    when = clock.now() + 60
    call_id = scheduled(api, user, when)
    with clock.frozen(when - 1):
        assert worker.fire_due_schedules() == 0
    with clock.frozen(when):
        assert worker.fire_due_schedules() == 1
    assert state_of(call_id) == "dialing" and len(executions()) == 1
    assert stored_schedule(call_id) is None


def test_an_origination_user_deleted_before_it_fires_fails_when_it_fires(api, user):
    # RULINGS "user DELETE": scheduled calls that name the userId fail when they fire
    jane = new_user(api, email="jane@example.com", phoneNumber="7205551313")
    call_id = scheduled(api, user, clock.now() + HOUR, origination=f"1:{jane}")
    ok(api.delete(f"/user/{jane}"))
    fire_it(call_id, 0)
    [execution] = executions()
    assert execution["input"]["legs"][0]["numbers"] == []


# --- errors -----------------------------------------------------------------------------


def test_a_termination_that_is_not_a_phone_is_301(api, user):
    fails(post(api, user, phoneNumber=f"1:{user}"), 400, 301)
    ok(post(api, user, phoneNumber="3:3035551212"), 201)


def test_an_origination_of_an_unknown_type_is_302(api, user):
    fails(post(api, user, origination="4:3035551212"), 400, 302)
    call_id = scheduled(api, user, clock.now() + HOUR)
    fails(api.put(f"/autoconference/{call_id}", {"userId": user, "origination": "9:1"}), 400, 302)


def test_an_internal_failure_is_304(api, user, monkeypatch):
    from chalicelib.store import ids

    def broken(kind):
        raise RuntimeError("the table is gone")

    monkeypatch.setattr(ids, "next_id", broken)
    response = post(api, user)
    fails(response, 500, 304)
    assert xml(response.body).findtext("errors/error/requestId")


def test_validation(api, user):
    fails(api.post("/autoconference", {"userId": user, "pin": "1"}), 400, 900)
    fails(post(api, user, phoneNumber="12345"), 400, 920)
    fails(post(api, 999), 404, 106)
    fails(post(api, user, origination="1:999"), 400, 922)
    fails(post(api, user, origination="2:nobody@example.com"), 400, 922)
    fails(api.get("/autoconference"), 400, 900)
    fails(api.get(f"/autoconference/abc?userId={user}"), 400, 900)


def test_a_pin_keeps_only_touch_tones(api, user):
    call_id = call_id_of(post(api, user, pin="12ab34#*"))
    assert (
        xml(api.get(f"/autoconference/{call_id}?userId={user}").body).findtext("conferencePin")
        == "1234#*"
    )
