"""autoconference and conference: DynamoDB requests per route. Besides them, each start
is one StartExecution and each schedule one Scheduler request, two when a schedule is
moved (`schedule.put` tries CreateSchedule first), shown under "other"."""

import time
from xml.etree import ElementTree

from bench.harness import Scenario
from bench.scenarios_users import a_user

CONFERENCE = {"phoneNumber": "3035550199", "pin": "123456#", "text": "Your conference"}
HOUR = 3600


def _later() -> int:
    return int(time.time()) + HOUR


def an_autoconference(api) -> tuple[int, int]:
    user_id = a_user(api)
    body = api.post(
        "/autoconference", {"userId": user_id, "conferenceTime": _later(), **CONFERENCE}
    ).body
    return user_id, int(ElementTree.fromstring(body).findtext("callId"))


def a_conference(api) -> tuple[int, int]:
    user_id = a_user(api)
    body = api.post(
        "/conference",
        {
            "userId": user_id,
            "duration": 600,
            "destinationType": 1,
            "destinationValue": user_id,
            "text": "Join",
        },
    ).body
    return user_id, int(ElementTree.fromstring(body).findtext("conferenceid"))


SCENARIOS = [
    Scenario(
        "POST /autoconference (now)",
        lambda api, u: api.post("/autoconference", {"userId": u, **CONFERENCE}),
        a_user,
        goal=4,
        notes="user (read once: it is also whom to dial), id, create, claim",
    ),
    Scenario(
        "POST /autoconference (scheduled)",
        lambda api, u: api.post(
            "/autoconference", {"userId": u, "conferenceTime": _later(), **CONFERENCE}
        ),
        a_user,
        goal=3,
        notes="user, id, create",
    ),
    Scenario(
        "GET /autoconference",
        lambda api, p: api.get(f"/autoconference?userId={p[0]}"),
        an_autoconference,
        goal=1,
        notes="one query of the userId-kind index",
    ),
    Scenario(
        "GET /autoconference/{callId}",
        lambda api, p: api.get(f"/autoconference/{p[1]}?userId={p[0]}"),
        an_autoconference,
        goal=1,
    ),
    Scenario(
        "PUT /autoconference/{callId} (move)",
        lambda api, p: api.put(
            f"/autoconference/{p[1]}", {"userId": p[0], "time": _later() + HOUR}
        ),
        an_autoconference,
        goal=2,
        notes="read, conditional write",
    ),
    Scenario(
        "DELETE /autoconference/{callId}",
        lambda api, p: api.delete(f"/autoconference/{p[1]}?userId={p[0]}"),
        an_autoconference,
        goal=2,
        notes="read, conditional write",
    ),
    Scenario(
        "POST /conference",
        lambda api, u: api.post(
            "/conference",
            {
                "userId": u,
                "duration": 600,
                "destinationType": 1,
                "destinationValue": u,
                "text": "Join",
            },
        ),
        a_user,
        goal=5,
        notes="moderator (also the destination), 2 ids, conference, leg",
    ),
    Scenario(
        "PUT /conference/{id} (a participant)",
        lambda api, p: api.put(
            f"/conference/{p[1]}",
            {"destinationType": 3, "destinationValue": "7205551212", "text": "Join"},
        ),
        a_conference,
        goal=5,
        notes="conference, moderator, ids, count the leg, leg",
    ),
    Scenario(
        "PUT /conference/{id} (extend)",
        lambda api, p: api.put(f"/conference/{p[1]}", {"duration": 120}),
        a_conference,
        goal=2,
        notes="read, conditional write",
    ),
]
