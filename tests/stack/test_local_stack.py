"""`make run` as clients see it: a crowd answered, every answer an OCP body, no
credentials echoed, acknowledged writes kept, a worker that survives (issues 13 and 14)."""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from collections import Counter
from xml.etree import ElementTree

from tests.concurrency import at_once


def is_ocp_body(body: str) -> bool:
    """Parses as the reference's XML, or as JSON."""
    try:
        return ElementTree.fromstring(body).tag == "ResponseData"
    except ElementTree.ParseError:
        try:
            json.loads(body)
            return True
        except ValueError:
            return False


def is_ocp_answer(status: int, body: str) -> bool:
    """An OCP body, or the empty body of a success without `verbose`."""
    return is_ocp_body(body) or (status < 300 and body == "")


def error_codes(body: str) -> list[int]:
    return [int(c.text) for c in ElementTree.fromstring(body).iter("code")]


def raw(stack, request: bytes) -> bytes:
    """Send bytes as they are (no client normalising the path) and read the answer."""
    with socket.create_connection(("127.0.0.1", stack.api_port), timeout=60) as s:
        s.sendall(request)
        answer = b""
        while chunk := s.recv(65536):
            answer += chunk
            if b"</ResponseData>" in answer:
                break
    return answer


def new_user(stack, n: int, first: str = "Ann") -> int:
    status, body = stack.call(
        "POST",
        "/user",
        {
            "firstName": first,
            "lastName": "Lee",
            "email": f"ann{n}@example.com",
            "phoneNumber": f"30355{n:05d}",
            "phoneType": "2",
        },
    )
    assert status < 300, body
    return int(ElementTree.fromstring(body).findtext("userId"))


def test_fifty_clients_at_once_all_get_answers(stack):
    # Given a user, and 50 clients connecting at the same moment, each reading it twice
    user = new_user(stack, 4)

    def client() -> list[tuple[int, bool]]:
        answers = []
        for _ in range(2):
            status, body = stack.call("GET", f"/user/{user}")
            answers.append((status, is_ocp_body(body)))
        return answers

    results = at_once([client] * 50, threads=50)
    # Then every one was answered (no reset, no refused connection), with the user
    answers = Counter(a for answers in results for a in answers)
    assert answers == Counter({(200, True): 100})


def test_unroutable_paths_are_ocp_404s_that_echo_no_credentials(stack):
    secret = "Basic 1:" + "ab" * 32
    for path in (b"/user/../x", b"/uidbyemail/", b"/nothing-here", b"/user/1/2/3/4"):
        answer = raw(
            stack,
            b"GET "
            + path
            + b" HTTP/1.1\r\nHost: x\r\nAuthorization: "
            + secret.encode()
            + b"\r\n\r\n",
        )
        head, _, body = answer.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 404"), answer
        assert error_codes(body.decode()) == [902]
        assert b"ab" * 32 not in answer and b"Authorization" not in body


def test_what_http_server_refuses_is_an_ocp_body_too(stack):
    huge = b"a" * 70_000
    cases = {
        # request line over 64 KB: 414; a header over 64 KB: 431; bad syntax: 400
        b"GET /user?x=" + huge + b" HTTP/1.1\r\nHost: x\r\n\r\n": b"414",
        b"GET /user/1 HTTP/1.1\r\nHost: x\r\nX-Big: " + huge + b"\r\n\r\n": b"431",
        b"GET /user/1 HTTP/1.1\r\nHost: x\r\nContent-Length: many\r\n\r\n": b"400",
        b"BREW /user/1 HTTP/1.1\r\nHost: x\r\n\r\n": b"404",
        b"POST /user HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n": b"411",
        b"POST /user HTTP/1.1\r\nHost: x\r\nContent-Length: 10485761\r\n\r\nabc": b"413",
    }
    for request, status in cases.items():
        answer = raw(stack, request)
        head, _, body = answer.partition(b"\r\n\r\n")
        assert head.split()[1] == status, (status, answer[:300])
        assert b"text/xml" in head
        assert error_codes(body.decode()) == [902], answer[:300]


def test_concurrent_changes_to_one_user_keep_every_acknowledged_write(stack):
    # Given one user, and 20 clients each adding a phone number to it at once
    user = new_user(stack, 1)
    numbers = [f"720555{i:04d}" for i in range(20)]

    def add(number: str):
        return lambda: stack.call(
            "POST", "/phoneNumber", {"userId": user, "phoneNumber": number, "phoneType": "1"}
        )

    answers = at_once([add(n) for n in numbers], threads=20)
    # Then each answer is an OCP body, and every number acknowledged is there afterwards
    assert all(is_ocp_answer(*answer) for answer in answers), answers
    acknowledged = [n for n, (status, _) in zip(numbers, answers, strict=True) if status < 300]
    assert acknowledged, answers
    status, body = stack.call("GET", f"/phonenumber?userId={user}&all=1&output=json")
    assert status == 200, body
    assert set(acknowledged) <= set(re.findall(r"\d{10}", body))


def test_fifty_concurrent_currency_changes_add_up(stack):
    user = new_user(stack, 2)
    status, body = stack.call("POST", "/currency", {"userId": user, "amount": "0"})
    assert status < 300, body

    def add(cents: int):
        return lambda: stack.call(
            "PUT", "/currency", {"userId": user, "amount": f"{cents / 100:.2f}"}
        )

    answers = at_once([add(100 + i) for i in range(50)], threads=50)
    acknowledged = sum(100 + i for i, (status, _) in enumerate(answers) if status < 300)
    assert all(is_ocp_answer(*answer) for answer in answers), answers
    status, body = stack.call("GET", f"/currency?userId={user}&output=json")
    assert status == 200, body
    # Every acknowledged change is in the balance, and nothing else
    assert round(json.loads(body)["amount"] * 100) == acknowledged


def test_the_worker_survives_autoconferences_started_and_deleted_under_it(stack):
    # Given eight clients creating autoconferences due now, starting and deleting them
    # while the worker lists and fires schedules (issue 13: this stopped `make run`)
    user = new_user(stack, 3)

    def churn() -> list[tuple[int, str]]:
        bodies = []
        for _ in range(5):
            status, body = stack.call(
                "POST",
                "/autoconference",
                {
                    "userId": user,
                    "phoneNumber": "3035550199",
                    "pin": "123#",
                    "conferenceTime": int(time.time()) + 1,
                },
            )
            bodies.append((status, body))
            call_id = ElementTree.fromstring(body).findtext("callId")
            if call_id:
                bodies.append(stack.call("PUT", f"/autoconference/{call_id}", {"userId": user}))
                bodies.append(stack.call("DELETE", f"/autoconference/{call_id}?userId={user}"))
        return bodies

    answers = [answer for answers in at_once([churn] * 8, threads=8) for answer in answers]
    assert all(is_ocp_answer(*answer) for answer in answers), answers
    # Then, a few worker rounds later, the stack is still up and answering
    time.sleep(3)
    assert stack.running(), stack.log_tail()
    status, body = stack.call("GET", f"/autoconference?userId={user}")
    assert status == 200, body
    assert "a local service stopped" not in stack.log.read_text()


def test_make_session_prints_a_header_that_opens_the_api(stack):
    from local import session

    user = new_user(stack, 5)
    header = f"Basic 1:{session.open_session(stack.base, 1, '56789')}"
    status, body = stack.request("GET", f"/user/{user}", headers={"Authorization": header})
    assert status == 200, body


def test_threads_share_one_front_without_mixing_requests(stack):
    # Two users read at once many times: each answer is the user asked for
    users = {new_user(stack, 10, "Ann"): "Ann", new_user(stack, 11, "Bob"): "Bob"}
    wrong = []
    lock = threading.Lock()

    def read(user: int):
        def go():
            _, body = stack.call("GET", f"/user/{user}?output=json")
            if json.loads(body)["user"]["firstName"] != users[user]:
                with lock:
                    wrong.append((user, body))

        return go

    at_once([read(user) for user in list(users) * 20], threads=20)
    assert wrong == []


def test_make_smoke_proves_the_readme_walkthrough_against_the_stack(stack, capsys):
    """`make smoke BASE=...` (local/smoke.py): every step waited for until complete, one
    line per thing proved, and the users it made removed."""
    from local import smoke

    assert smoke.main(["--base", stack.base, "--eid", "1", "--wait", "120"]) == 0
    out = capsys.readouterr().out
    proved = [line for line in out.splitlines() if line.startswith("ok    ")]
    assert [line.split(":")[0].split()[1] for line in proved] == [
        "session",
        "users",
        "call",
        "blast",
        "text",
    ]
    assert "3035550101 Busy, 3035550102 NoAnswer, 3035551234 Success" in out
    assert "POSTed twice with one key, one blast" in out


def test_make_smoke_says_what_failed(stack, capsys, monkeypatch):
    from local import smoke

    monkeypatch.setenv("OCP_SECRET", "wrong")
    assert smoke.main(["--base", stack.base]) == 1
    assert capsys.readouterr().err.startswith("FAIL  GET /session: HTTP 401")
