"""phonenumber, smsphone, carriers, email, huntorder, calltimeexception, dnd, blacklist.

A read is one GetItem; a change is a consistent GetItem and one TransactWriteItems
(the item under its version plus any Uniques rows), and a phone counter ADD when
the request may add a number.
"""

from bench.harness import Scenario
from bench.scenarios_users import JOHN, a_user


def a_full_user(api) -> int:
    """A user with a second number, an SMS number, a hunt order, an exception, DND,
    a blacklist entry and a second email."""
    uid = a_user(api)
    for path, body in [
        ("/phoneNumber", {"phoneNumber": "3039844345", "phoneType": "1"}),
        ("/smsphone", {"phonenumber": "7205551212", "phoneType": "2"}),
        ("/huntorder", {"phoneNumber": "3039844345,3035551212", "tryall": "1"}),
        (
            "/calltimeexception",
            {"phoneNumber": "3039844345", "startHour": "9", "endHour": "17", "day": "62"},
        ),
        ("/dnd", {"startHour": "22", "endHour": "6", "day": "127"}),
        ("/blacklist", {"terminationType": "3", "terminationValue": "7205550000"}),
        ("/email", {"email": "jd@example.com"}),
    ]:
        response = api.post(path, {"userId": uid, **body})
        assert response.status_code == 201, (path, response.body)
    return uid


def a_full_user_and_jane(api) -> int:
    api.post("/user", {**JOHN, "email": "jane@example.com", "phoneNumber": "7205550001"})
    return a_full_user(api)


def q(uid: int, **more) -> str:
    return "&".join([f"userId={uid}"] + [f"{k}={v}" for k, v in more.items()])


def _s(route, request, setup=a_full_user, goal=3, notes=""):
    return Scenario(route, request, setup, goal=goal, notes=notes)


SCENARIOS = [
    _s(
        "GET /phonenumber (resolve at a time)",
        lambda api, uid: api.get(f"/phonenumber?{q(uid, time=1704704400)}"),
        goal=1,
    ),
    _s("GET /phonenumber?all=1", lambda api, uid: api.get(f"/phonenumber?{q(uid, all=1)}"), goal=1),
    _s(
        "POST /phoneNumber",
        lambda api, uid: api.post(
            "/phoneNumber", {"userId": uid, "phoneNumber": "7205559999", "phoneType": "1"}
        ),
        notes="read, phone id, transaction with the Uniques row",
    ),
    _s(
        "PUT /phonenumber (default)",
        lambda api, uid: api.put("/phonenumber", {"userId": uid, "phoneNumber": "3039844345"}),
    ),
    _s(
        "PUT /phonenumber/{existing}",
        lambda api, uid: api.put(
            "/phonenumber/3039844345", {"userId": uid, "phoneNumber": "3039844346"}
        ),
    ),
    _s(
        "DELETE /phoneNumber",
        lambda api, uid: api.delete(f"/phoneNumber?{q(uid, phoneNumber=3039844345)}"),
    ),
    _s("GET /smsphone", lambda api, uid: api.get(f"/smsphone?{q(uid)}"), goal=1),
    _s(
        "POST /smsphone",
        lambda api, uid: api.post(
            "/smsphone", {"userId": uid, "phonenumber": "7205559999", "phoneType": "2"}
        ),
    ),
    _s("DELETE /smsphone", lambda api, uid: api.delete(f"/smsphone?{q(uid, phone=7205551212)}")),
    _s("GET /carriers", lambda api, uid: api.get(f"/carriers?{q(uid)}"), goal=1),
    _s(
        "POST /email",
        lambda api, uid: api.post("/email", {"userId": uid, "email": "x@example.com"}),
    ),
    _s("GET /email", lambda api, uid: api.get(f"/email?{q(uid)}"), goal=1),
    _s(
        "PUT /email", lambda api, uid: api.put("/email", {"userId": uid, "email": "jd@example.com"})
    ),
    _s("DELETE /email", lambda api, uid: api.delete(f"/email?{q(uid, email='jd@example.com')}")),
    _s(
        "PUT /huntorder",
        lambda api, uid: api.put(
            "/huntorder", {"userId": uid, "phoneNumber": "7205559999", "phoneType": "1"}
        ),
        notes="adds a new number",
    ),
    _s(
        "POST /huntorder",
        lambda api, uid: api.post(
            "/huntorder",
            {"userId": uid, "phoneNumber": "7205559999,7205559998,3035551212", "phoneType": "1"},
        ),
        notes="adds two new numbers: one id block",
    ),
    _s("GET /huntorder", lambda api, uid: api.get(f"/huntorder?{q(uid)}"), goal=1),
    _s("DELETE /huntorder", lambda api, uid: api.delete(f"/huntorder?{q(uid)}")),
    _s(
        "POST /calltimeexception",
        lambda api, uid: api.post(
            "/calltimeexception",
            {
                "userId": uid,
                "phoneNumber": "3035551212",
                "startHour": "11",
                "endHour": "13",
                "day": "2",
            },
        ),
        notes="splits the older one",
    ),
    _s(
        "DELETE /calltimeexception",
        lambda api, uid: api.delete(
            f"/calltimeexception?{q(uid, phoneNumber=3039844345, startHour=12, endHour=13, day=8)}"
        ),
    ),
    _s("GET /calltimeexception", lambda api, uid: api.get(f"/calltimeexception?{q(uid)}"), goal=1),
    _s(
        "POST /dnd",
        lambda api, uid: api.post(
            "/dnd", {"userId": uid, "startHour": "5", "endHour": "8", "day": "1"}
        ),
    ),
    _s("GET /dnd", lambda api, uid: api.get(f"/dnd?{q(uid)}"), goal=1),
    _s("DELETE /dnd", lambda api, uid: api.delete(f"/dnd?{q(uid, all=1)}")),
    _s(
        "POST /blacklist (type 2: email lookup)",
        lambda api, uid: api.post(
            "/blacklist",
            {"userId": uid, "terminationType": "2", "terminationValue": "jane@example.com"},
        ),
        setup=a_full_user_and_jane,
    ),
    _s("GET /blacklist", lambda api, uid: api.get(f"/blacklist?{q(uid)}"), goal=1),
    _s(
        "DELETE /blacklist",
        lambda api, uid: api.delete(
            f"/blacklist?{q(uid, terminationType=3, terminationValue=7205550000)}"
        ),
    ),
]
