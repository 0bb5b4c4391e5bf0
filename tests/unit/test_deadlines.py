"""A server that drips its answer a byte at a time, each byte well within the per-read
timeout, holds neither an audio fetch (media/fetch.py) nor a status callback delivery
(events/delivery.py) past its whole-request deadline.

The server is the other end of a socket pair (no port, no DNS), dripping until the test
ends; each test is bounded by the clock: it must end within its deadline plus slack, where
a per-read timeout alone would keep it for as long as the server drips (DRIP_SECONDS).
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator

import pytest

from chalicelib.errors import Code, OcpError
from chalicelib.events import delivery
from chalicelib.media import fetch
from chalicelib.media.fetch import Target

PUBLIC_IP = "93.184.215.14"
BYTE_EVERY_SECONDS = 0.02
DRIP_SECONDS = 60  # how long the server would go on without a deadline
# The deadlines under test are about a second: this much more is scheduling slack on a
# loaded machine, far below DRIP_SECONDS.
SLACK_SECONDS = 10


class Dripper:
    """Answers any request with `head`, then a header line after another, forever (or with
    `head` alone and then a body), one byte every BYTE_EVERY_SECONDS."""

    def __init__(self, head: bytes, endless: bytes) -> None:
        self.ours, self.theirs = socket.socketpair()
        self.head, self.endless = head, endless
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        try:
            request = b""
            while b"\r\n\r\n" not in request:
                request += self.theirs.recv(4096)
            started = time.monotonic()
            data = self.head
            while not self.stop.is_set() and time.monotonic() - started < DRIP_SECONDS:
                for byte in data:
                    if self.stop.is_set():
                        return
                    self.theirs.send(bytes([byte]))
                    time.sleep(BYTE_EVERY_SECONDS)
                data = self.endless
        except OSError:
            pass  # the client hung up: what the deadline does
        finally:
            self.theirs.close()


@pytest.fixture
def dripper(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[bytes, bytes], Dripper]]:
    made: list[Dripper] = []

    def make(head: bytes, endless: bytes) -> Dripper:
        server = Dripper(head, endless)
        monkeypatch.setattr(
            fetch.socket, "create_connection", lambda address, timeout=None, *a: server.ours
        )
        server.thread.start()
        made.append(server)
        return server

    yield make
    for server in made:
        server.stop.set()
        server.thread.join(timeout=5)


HEADERS_FOREVER = (b"HTTP/1.1 200 OK\r\n", b"X-Drip: a\r\n")
BODY_FOREVER = (b"HTTP/1.1 200 OK\r\nContent-Type: audio/mpeg\r\nConnection: close\r\n\r\n", b"x")


@pytest.mark.parametrize("drip", [HEADERS_FOREVER, BODY_FOREVER], ids=["headers", "body"])
def test_an_audio_fetch_ends_by_its_deadline(dripper, monkeypatch, drip):
    # Given a whole-fetch deadline of a second, each read allowed half a second
    monkeypatch.setattr(fetch, "TOTAL_SECONDS", 1.0)
    monkeypatch.setattr(fetch, "TIMEOUT_SECONDS", 0.5)
    dripper(*drip)
    started = time.monotonic()
    # When the server drips its answer faster than the per-read timeout
    with pytest.raises(OcpError) as e:
        fetch.fetch("http://audio.example.com/a.mp3", resolve=lambda name, port: [PUBLIC_IP])
    # Then the fetch is refused (902) within its deadline, not when the server stops
    assert e.value.code == Code.INVALID_VALUE
    assert time.monotonic() - started < fetch.TOTAL_SECONDS + SLACK_SECONDS


def test_a_callback_delivery_ends_by_its_deadline(dripper):
    # Given a receiver that drips its status line and headers, byte by byte
    dripper(*HEADERS_FOREVER)
    target = Target("http", "hooks.example.com", PUBLIC_IP, 443, "/ocp")
    timeout = 0.5
    started = time.monotonic()
    # When an event is posted to it, each read allowed half a second
    with pytest.raises(TimeoutError):
        delivery.post(target, timeout, b"{}", {"Content-Type": "application/json"})
    # Then the attempt fails within DEADLINE_PER_TIMEOUT times that (a retry follows)
    assert time.monotonic() - started < delivery.DEADLINE_PER_TIMEOUT * timeout + SLACK_SECONDS


def test_within_the_deadline_the_answer_is_read_through_the_bounded_socket(dripper):
    # a prompt receiver: the deadline changes nothing
    dripper(b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n", b"")
    target = Target("http", "hooks.example.com", PUBLIC_IP, 443, "/ocp")
    assert delivery.post(target, 2.0, b"{}", {}) == 204


def test_no_time_left_is_a_timeout_before_waiting():
    with pytest.raises(TimeoutError):
        fetch.remaining(5.0, time.monotonic() - 1)
    assert fetch.remaining(5.0, None) == 5.0
    assert fetch.remaining(5.0, time.monotonic() + 100) == 5.0
    assert fetch.remaining(5.0, time.monotonic() + 1) <= 1
