"""session, user and uidbyemail."""

from xml.etree import ElementTree

from bench.harness import Scenario

JOHN = {
    "firstName": "John",
    "lastName": "Doe",
    "email": "john@example.com",
    "phoneNumber": "3035551212",
    "phoneType": "2",
}


def a_user(api) -> int:
    return int(ElementTree.fromstring(api.post("/user", JOHN).body).findtext("userId"))


SCENARIOS = [
    Scenario(
        "POST /user",
        lambda api, _: api.post("/user", JOHN),
        goal=5,
        notes="email lookup, 2 id counters, 1 transaction",
    ),
    Scenario("GET /user/{userId}", lambda api, uid: api.get(f"/user/{uid}"), a_user, goal=1),
    Scenario(
        "PUT /user/{userId}",
        lambda api, uid: api.put(f"/user/{uid}", {"city": "Denver"}),
        a_user,
        goal=1,
    ),
    Scenario(
        "DELETE /user/{userId}",
        lambda api, uid: api.delete(f"/user/{uid}"),
        a_user,
        goal=4,
        notes="read, transaction, query accounts, query groups (+1 batch delete each found)",
    ),
    Scenario(
        "GET /uidbyemail/{email}",
        lambda api, _: api.get("/uidbyemail/john@example.com"),
        a_user,
        goal=2,
    ),
]


def _open_session(api, _):
    from tests.conftest import session_header

    return api.client.http.get("/session", headers={"Authorization": session_header(1, "bench")})


SCENARIOS.insert(
    0,
    Scenario(
        "GET /session", _open_session, goal=2, notes="enterprise read + session write; KMS decrypt"
    ),
)
