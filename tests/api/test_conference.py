"""conference POST and PUT against the reference and RULINGS "conference": the room, one
leg per participant, the reservation's schedule, extending it, and the moderator's MOU."""

import json
from decimal import Decimal

import pytest

from chalicelib import clock, settings
from chalicelib.store import aws as aws_clients
from chalicelib.workflows import fire, schedule
from tests.api.people import as_json, fails, new_user, ok, other_enterprise
from tests.examples import assert_matches_example, xml

NOW = 1212186144
TEXT = "Weekly status call: press 1 to join"


@pytest.fixture
def frozen():
    with clock.frozen(NOW):
        yield NOW


@pytest.fixture
def moderator(api) -> int:
    return new_user(api)


@pytest.fixture
def jane(api) -> int:
    return new_user(api, email="jane@example.com", phoneNumber="7205551212")


def open_conference(api, moderator, duration=600, **values):
    return api.post(
        "/conference",
        {
            "userId": moderator,
            "duration": duration,
            "destinationType": 1,
            "destinationValue": moderator,
            "text": TEXT,
            **values,
        },
    )


def ids_of(response) -> tuple[int, int]:
    body = xml(response.body)
    return int(body.findtext("conferenceid")), int(body.findtext("callid"))


def executions() -> dict[str, dict]:
    sfn = aws_clients.client("stepfunctions")
    found = sfn.list_executions(stateMachineArn=aws_clients.state_machine_arn())["executions"]
    return {
        e["name"]: json.loads(sfn.describe_execution(executionArn=e["executionArn"])["input"])
        for e in found
    }


def reservation(conference_id: int) -> dict | None:
    scheduler = aws_clients.client("scheduler")
    try:
        item = scheduler.get_schedule(
            Name=schedule.name("conference", conference_id), GroupName=settings.get().schedule_group
        )
    except scheduler.exceptions.ResourceNotFoundException:
        return None
    return {"at": item["ScheduleExpression"], **json.loads(item["Target"]["Input"])}


def leg_ends(call_id: int, seconds: int | None) -> None:
    """What the dialer records when a leg ends (connected `seconds`, or never answered),
    and what follows from it (the tables' streams: the last leg closes the conference)."""
    from chalicelib.store import calls
    from local import streams

    assert calls.finish(call_id, seconds is not None, clock.now(), seconds)
    streams.drain()


def mou_used(api, user_id) -> str:
    return xml(api.get(f"/mouused?userId={user_id}").body).findtext("mou")


# --- POST -------------------------------------------------------------------------------


def test_post_opens_the_room_and_dials_the_moderator(api, moderator, frozen):
    # When John opens a conference for ten minutes
    response = open_conference(api, moderator, duration=600)
    # Then 201 with the reference's body: the conference and the moderator's call
    assert response.status_code == 201
    assert_matches_example(response.body, "conference-POST.xml", ignore=("conferenceid", "callid"))
    conference_id, call_id = ids_of(response)
    # and John is dialed by his preferences, hears the text, presses 1 and joins the room
    [leg] = executions()[f"call-{call_id}"]["legs"]
    assert (
        [n["number"] for n in leg["numbers"]],
        leg["askForOne"],
        leg["announcement"],
        leg["room"],
    ) == (["3035551212"], True, {"text": TEXT}, f"sim-room:conference-{conference_id}")
    # and the room is reserved until ten minutes from now
    assert reservation(conference_id) == {
        "at": schedule.at_expression(NOW + 600),
        "kind": "conference",
        "id": conference_id,
        "version": 0,
    }


def test_the_moderator_can_be_reached_by_email_or_at_a_number(api, moderator):
    ok(open_conference(api, moderator, destinationType=2, destinationValue="john@example.com"), 201)
    response = open_conference(api, moderator, destinationType=3, destinationValue="7209814345")
    ok(response, 201)
    [leg] = executions()[f"call-{ids_of(response)[1]}"]["legs"]
    assert [n["e164"] for n in leg["numbers"]] == ["+17209814345"]


def test_post_in_json(api, moderator):
    body = as_json(open_conference(api, moderator, output="json"))
    assert set(body) == {"conferenceid", "callid"}


# --- PUT --------------------------------------------------------------------------------


def test_put_adds_participants_one_callid_each_and_extends(api, moderator, jane, frozen):
    # Given John's conference
    conference_id, _ = ids_of(open_conference(api, moderator, duration=600))
    # When Jane and a number are added, and the conference extended by 120 s (verbose)
    response = api.put(
        f"/conference/{conference_id}?verbose=1",
        {
            "destinationType": "1,3",
            "destinationValue": f"{jane},3035550199",
            "text": TEXT,
            "duration": 120,
        },
    )
    # Then 201 with the reference's body: one callid per leg, and the extension
    assert response.status_code == 201
    assert_matches_example(response.body, "conference-PUT.xml", ignore=("callid",))
    added = [int(c.text) for c in xml(response.body).iter("callid")]
    # and each leg joins the same room
    started = executions()
    assert [[n["number"] for n in started[f"call-{c}"]["legs"][0]["numbers"]] for c in added] == [
        ["7205551212"],
        ["3035550199"],
    ]
    assert {started[f"call-{c}"]["legs"][0]["room"] for c in added} == {
        f"sim-room:conference-{conference_id}"
    }
    # and the reservation's schedule moved 120 s on, as its next version
    assert reservation(conference_id) == {
        "at": schedule.at_expression(NOW + 720),
        "kind": "conference",
        "id": conference_id,
        "version": 1,
    }


def test_the_status_is_verbose_only(api, moderator, jane):
    conference_id, _ = ids_of(open_conference(api, moderator))
    response = api.put(
        f"/conference/{conference_id}",
        {"destinationType": 1, "destinationValue": jane, "text": TEXT, "duration": 60},
    )
    assert response.status_code == 201
    assert [c.tag for c in xml(response.body)] == ["callid"]
    response = api.put(f"/conference/{conference_id}?output=json&verbose=1", {"duration": 60})
    assert as_json(response) == {"callid": [], "status": "conference extended by 60"}


def test_one_type_applies_to_every_value(api, moderator, jane):
    conference_id, _ = ids_of(open_conference(api, moderator))
    response = api.put(
        f"/conference/{conference_id}",
        {"destinationType": 3, "destinationValue": "7205550001,7205550002", "text": TEXT},
    )
    assert len(list(xml(response.body).iter("callid"))) == 2


def test_an_old_reservation_delivery_does_nothing(api, moderator, frozen):
    from chalicelib.store import conferences

    # Given a conference extended once (its schedule now version 1), with nobody left in it
    conference_id, call_id = ids_of(open_conference(api, moderator, duration=60))
    ok(api.put(f"/conference/{conference_id}", {"duration": 60}), 201)
    leg_ends(call_id, 30)
    clock.advance(60)
    # When the first reservation's delivery arrives: it was moved, so nothing happens
    fire.fire({"kind": "conference", "id": conference_id, "version": 0})
    ok(api.put(f"/conference/{conference_id}", {"duration": 60}), 201)
    # And when one arrives late, after the room's reservation (now version 2) is over, it
    # still does nothing: only the current version's delivery closes the room
    clock.advance(120)
    fire.fire({"kind": "conference", "id": conference_id, "version": 1})
    assert conferences.get(conference_id, 1).state == "open"
    fire.fire({"kind": "conference", "id": conference_id, "version": 2})
    assert conferences.get(conference_id, 1).state == "closed"


# --- the end: closing and the moderator's MOU ---------------------------------------------


def test_the_moderator_is_charged_the_minutes_the_conference_lasted(api, moderator, jane, frozen):
    # Given a conference reserved for a minute, where John talked 125 s and Jane 70 s
    conference_id, john_call = ids_of(open_conference(api, moderator, duration=60))
    [jane_call] = [
        int(c.text)
        for c in xml(
            api.put(
                f"/conference/{conference_id}",
                {"destinationType": 1, "destinationValue": jane, "text": TEXT},
            ).body
        ).iter("callid")
    ]
    leg_ends(jane_call, 70)
    clock.advance(60)
    # When the reservation ends while John is still on
    fire.fire({"kind": "conference", "id": conference_id, "version": 0})
    # Then it is not over yet: it may run past its reservation, and still be extended
    ok(api.put(f"/conference/{conference_id}", {"duration": 30}), 201)
    # and it closes when the last leg ends, after the reservation
    clock.advance(65)
    leg_ends(john_call, 125)
    # Then John (the moderator) is charged 125 s once: 2.1 minutes; nobody else is charged
    assert mou_used(api, moderator) == "2.1"
    assert mou_used(api, jane) == "0"
    # and it can no longer be extended or joined
    fails(api.put(f"/conference/{conference_id}", {"duration": 60}), 409, 306)
    fails(
        api.put(
            f"/conference/{conference_id}",
            {"destinationType": 1, "destinationValue": jane, "text": TEXT},
        ),
        409,
        306,
    )


def test_a_conference_nobody_answered_closes_at_its_reservation_and_costs_nothing(
    api, moderator, frozen
):
    from chalicelib.store import conferences

    conference_id, call_id = ids_of(open_conference(api, moderator, duration=60))
    leg_ends(call_id, None)
    assert conferences.get(conference_id, 1).state == "open"  # reserved for a minute still
    clock.advance(60)
    fire.fire({"kind": "conference", "id": conference_id, "version": 0})
    room = conferences.get(conference_id, 1)
    assert (room.state, room.mou) == ("closed", Decimal("0.0"))
    assert mou_used(api, moderator) == "0"
    fails(api.put(f"/conference/{conference_id}", {"duration": 60}), 409, 306)


# --- errors -----------------------------------------------------------------------------


def test_an_unknown_destination_type_is_301(api, moderator):
    fails(open_conference(api, moderator, destinationType=4), 400, 301)
    conference_id, _ = ids_of(open_conference(api, moderator))
    fails(
        api.put(
            f"/conference/{conference_id}",
            {"destinationType": "0", "destinationValue": "1", "text": TEXT},
        ),
        400,
        301,
    )


def test_a_destination_that_blacklisted_the_moderator_is_303(api, moderator, jane):
    # Given Jane blacklisted John
    ok(
        api.post(
            "/blacklist", {"userId": jane, "terminationType": 1, "terminationValue": moderator}
        ),
        201,
    )
    # Then John cannot bring her into his conference, nor open one through her
    conference_id, _ = ids_of(open_conference(api, moderator))
    fails(
        api.put(
            f"/conference/{conference_id}",
            {"destinationType": 1, "destinationValue": jane, "text": TEXT},
        ),
        403,
        303,
    )
    fails(open_conference(api, moderator, destinationValue=jane), 403, 303)
    # and nobody was added or dialed for it
    assert len(executions()) == 1


def test_an_internal_failure_is_304(api, moderator, monkeypatch):
    from chalicelib.workflows import conference

    conference_id, _ = ids_of(open_conference(api, moderator))
    monkeypatch.setattr(conference.schedule, "put", lambda *a: 1 / 0)
    fails(open_conference(api, moderator), 500, 304)
    fails(api.put(f"/conference/{conference_id}", {"duration": 60}), 500, 304)


def test_an_unknown_conference_or_one_of_another_enterprise_is_305(
    api, moderator, jane, app_client
):
    conference_id, _ = ids_of(open_conference(api, moderator))
    fails(api.put(f"/conference/{conference_id + 1}", {"duration": 60}), 404, 305)
    fails(
        other_enterprise(app_client).put(f"/conference/{conference_id}", {"duration": 60}), 404, 305
    )
    fails(api.put(f"/conference/{conference_id}", {"userId": jane, "duration": 60}), 404, 305)


def test_validation(api, moderator):
    fails(api.post("/conference", {"userId": moderator}), 400, 900, 900, 900, 900)
    fails(open_conference(api, moderator, duration=0), 400, 902)
    fails(open_conference(api, moderator, destinationValue="999"), 400, 922)
    fails(open_conference(api, moderator, destinationType=3, destinationValue="123"), 400, 920)
    fails(open_conference(api, moderator, destinationValue=f"{moderator},{moderator}"), 400, 902)
    fails(open_conference(api, 999), 404, 106)
    conference_id, _ = ids_of(open_conference(api, moderator))
    fails(api.put(f"/conference/{conference_id}", {}), 400, 900)
    fails(
        api.put(
            f"/conference/{conference_id}", {"destinationType": 1, "destinationValue": moderator}
        ),
        400,
        900,
    )
    # Adding a participant needs destinationValue and text: both are reported.
    fails(api.put(f"/conference/{conference_id}", {"destinationType": 1}), 400, 900, 900)
