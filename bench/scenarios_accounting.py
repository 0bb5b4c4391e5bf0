"""currency, mouallowed, mouused and group: 1 DynamoDB request each after the session check
(a transaction that checks the user and changes the account is one request)."""

from xml.etree import ElementTree

from bench.harness import Scenario
from bench.scenarios_users import a_user


def a_user_with_a_balance(api) -> int:
    user_id = a_user(api)
    api.post("/currency", {"userId": user_id, "amount": "50.25"})
    return user_id


def a_group(api) -> tuple[int, int]:
    user_id = a_user(api)
    body = api.post("/group", {"userId": user_id, "groupName": "Family"}).body
    group_id = int(ElementTree.fromstring(body).findtext("groupid"))
    api.post(f"/group/{group_id}/member/3:3035551213", {"userId": user_id})
    return user_id, group_id


def a_friend_and_a_group(api) -> tuple[int, int, int]:
    user_id, group_id = a_group(api)
    friend = int(
        ElementTree.fromstring(
            api.post(
                "/user",
                {
                    "firstName": "Jane",
                    "lastName": "Roe",
                    "email": "jane@example.com",
                    "phoneNumber": "7205551212",
                    "phoneType": "2",
                },
            ).body
        ).findtext("userId")
    )
    return user_id, group_id, friend


SCENARIOS = [
    Scenario(
        "GET /currency",
        lambda api, u: api.get(f"/currency?userId={u}"),
        a_user_with_a_balance,
        goal=1,
        notes="TransactGetItems: user + account",
    ),
    Scenario(
        "POST /currency",
        lambda api, u: api.post("/currency", {"userId": u, "amount": "1"}),
        a_user,
        goal=1,
        notes="TransactWriteItems: check user + SET",
    ),
    Scenario(
        "PUT /currency",
        lambda api, u: api.put("/currency", {"userId": u, "amount": "1"}),
        a_user_with_a_balance,
        goal=1,
        notes="TransactWriteItems: check user + ADD",
    ),
    Scenario(
        "DELETE /currency",
        lambda api, u: api.delete(f"/currency?userId={u}&amount=1"),
        a_user_with_a_balance,
        goal=1,
    ),
    Scenario("GET /mouallowed", lambda api, u: api.get(f"/mouallowed?userId={u}"), a_user, goal=1),
    Scenario(
        "POST /mouallowed",
        lambda api, u: api.post("/mouallowed", {"userId": u, "mou": "5"}),
        a_user,
        goal=1,
    ),
    Scenario("GET /mouused", lambda api, u: api.get(f"/mouused?userId={u}"), a_user, goal=1),
    Scenario("DELETE /mouused", lambda api, u: api.delete(f"/mouused?userId={u}"), a_user, goal=1),
    Scenario(
        "POST /group",
        lambda api, u: api.post("/group", {"userId": u, "groupName": "x"}),
        a_user,
        goal=2,
        notes="id counter + TransactWriteItems (3 for an exclusive user)",
    ),
    Scenario(
        "GET /group",
        lambda api, ug: api.get(f"/group?userId={ug[0]}"),
        a_group,
        goal=1,
        notes="Query; +1 GetItem user when it has none",
    ),
    Scenario(
        "GET /group/{groupId}",
        lambda api, ug: api.get(f"/group/{ug[1]}?userId={ug[0]}"),
        a_group,
        goal=1,
    ),
    Scenario(
        "PUT /group/{groupId}",
        lambda api, ug: api.put(f"/group/{ug[1]}", {"userId": ug[0], "groupName": "y"}),
        a_group,
        goal=1,
    ),
    Scenario(
        "POST /group/{id}/member/3:...",
        lambda api, ug: api.post(
            f"/group/{ug[1]}/member/3:3035551214,3:3035551215", {"userId": ug[0]}
        ),
        a_group,
        goal=1,
    ),
    Scenario(
        "POST /group/{id}/member/1:...,2:...",
        lambda api, ugf: api.post(
            f"/group/{ugf[1]}/member/1:{ugf[2]},2:jane@example.com", {"userId": ugf[0]}
        ),
        a_friend_and_a_group,
        goal=2,
        notes="TransactGetItems of the named users + ADD",
    ),
    Scenario(
        "DELETE /group/{id}/member/...",
        lambda api, ug: api.delete(f"/group/{ug[1]}/member/3:3035551213?userId={ug[0]}"),
        a_group,
        goal=1,
    ),
    Scenario(
        "DELETE /group/{groupId}",
        lambda api, ug: api.delete(f"/group/{ug[1]}?userId={ug[0]}"),
        a_group,
        goal=1,
    ),
]
