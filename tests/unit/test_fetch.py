"""Fetching audio from a client's URL: public addresses only, redirects re-checked,
5 MB at most (RULINGS "blastvoice audio"). No test here makes a connection or a DNS
query: the resolver and the opener are fakes that record what they were asked."""

from __future__ import annotations

import socket
import threading
from dataclasses import dataclass, field

import pytest

from chalicelib.errors import OcpError
from chalicelib.media import fetch
from chalicelib.media.fetch import Target

MAX = 5_242_880
PUBLIC_IP = "93.184.215.14"


@dataclass
class FakeResponse:
    status: int = 200
    headers: dict = field(default_factory=dict)
    body: bytes = b""
    closed: bool = False
    read_sizes: list = field(default_factory=list)

    def getheader(self, name, default=None):
        return {k.lower(): v for k, v in self.headers.items()}.get(name.lower(), default)

    def read1(self, amt):
        self.read_sizes.append(amt)
        chunk, self.body = self.body[:amt], self.body[amt:]
        return chunk

    def close(self):
        self.closed = True


class Network:
    """DNS answers by name and HTTP answers by URL path; records every use."""

    def __init__(self, dns=None, responses=None):
        self.dns = {"audio.example.com": [PUBLIC_IP], **(dns or {})}
        self.responses = responses or {}
        self.resolved: list[str] = []
        self.opened: list[Target] = []

    def resolve(self, name, port):
        self.resolved.append(name)
        return self.dns.get(name, [])

    def open(self, target, timeout, deadline=None):
        self.opened.append(target)
        return self.responses[target.path]()

    def fetch(self, url, **kw):
        return fetch.fetch(url, resolve=self.resolve, open_=self.open, **kw)


def refused(network: Network, url: str) -> OcpError:
    with pytest.raises(OcpError) as e:
        network.fetch(url)
    return e.value


# -- the SSRF list: refused before any connection -----------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/a.mp3",  # loopback
        "http://127.8.9.10/a.mp3",
        "http://[::1]/a.mp3",
        "http://0.0.0.0/a.mp3",  # unspecified
        "http://[::]/a.mp3",
        "http://10.0.0.5/a.mp3",  # private
        "http://172.16.3.4/a.mp3",
        "http://192.168.1.1/a.mp3",
        "http://100.64.0.1/a.mp3",  # carrier-grade NAT
        "http://[fd00:ec2::254]/a.mp3",  # unique local (the EC2 IPv6 metadata address)
        "http://169.254.169.254/latest/meta-data/",  # link-local: the metadata service
        "http://169.254.170.2/v2/credentials",  # the ECS / Lambda container credentials
        "http://[fe80::1]/a.mp3",
        "http://[fe80::1%25eth0]/a.mp3",
        "http://224.0.0.1/a.mp3",  # multicast
        "http://239.255.255.250/a.mp3",
        "http://[ff02::1]/a.mp3",
        "http://240.0.0.1/a.mp3",  # reserved
        "http://255.255.255.255/a.mp3",
        "http://192.0.2.1/a.mp3",  # documentation
        "http://[::ffff:127.0.0.1]/a.mp3",  # IPv4-mapped IPv6
        "http://[::ffff:a9fe:a9fe]/a.mp3",  # mapped metadata address
        "http://[2002:7f00:1::]/a.mp3",  # 6to4 of 127.0.0.1
        "http://[2002:a9fe:a9fe::]/a.mp3",  # 6to4 of 169.254.169.254
        "http://[64:ff9b::a9fe:a9fe]/a.mp3",  # NAT64 of 169.254.169.254
        "http://[2001:0:4136:e378:8000:63bf:f5ff:fffe]/a.mp3",  # Teredo, client 10.0.0.1
        "http://2130706433/a.mp3",  # decimal 127.0.0.1
        "http://0x7f000001/a.mp3",  # hex
        "http://0x7f.0.0.1/a.mp3",
        "http://0177.0.0.1/a.mp3",  # octal
        "http://017700000001/a.mp3",
        "http://127.1/a.mp3",  # shortened
        "http://127.0.1/a.mp3",
        "http://127.0.0.1./a.mp3",  # trailing dot
        "http://3232235777/a.mp3",  # decimal 192.168.1.1
        "http://2852039166/a.mp3",  # decimal 169.254.169.254
        "http://\uff11\uff12\uff17.0.0.1/a.mp3",  # fullwidth digits
        "http://1.2.3.4.5/a.mp3",
        "http://example.123/a.mp3",
    ],
)
def test_non_public_and_oddly_written_addresses_are_refused_without_a_connection(url):
    network = Network()
    error = refused(network, url)
    assert (error.code, error.details[0].message) == (
        902,
        f"url ({url}) does not contain a valid value",
    )
    assert network.opened == []
    assert network.resolved == []


@pytest.mark.parametrize(
    "name, addresses",
    [
        ("localhost", ["127.0.0.1", "::1"]),
        ("metadata.google.internal", ["169.254.169.254"]),
        ("rebind.example.com", ["127.0.0.1"]),
        ("mixed.example.com", [PUBLIC_IP, "10.1.2.3"]),  # one bad answer is enough
        ("mapped.example.com", ["::ffff:10.0.0.1"]),
        ("nothing.example.com", []),
    ],
)
def test_names_resolving_to_non_public_addresses_are_refused_without_a_connection(name, addresses):
    network = Network(dns={name: addresses})
    assert refused(network, f"http://{name}/a.mp3").code == 902
    assert network.resolved == [name]
    assert network.opened == []


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "ftp://audio.example.com/a.mp3",
        "gopher://audio.example.com:70/_x",
        "dict://audio.example.com:11211/stat",
        "//audio.example.com/a.mp3",
        "audio.example.com/a.mp3",
        "http:///a.mp3",
        "http://user:pw@audio.example.com/a.mp3",
        "http://audio.example.com@127.0.0.1/a.mp3",
        "http://audio.example.com:25/a.mp3",  # a well-known port other than 80/443
        "http://audio.example.com:99999/a.mp3",
        "http://audio.exa mple.com/a.mp3",
        "http://audio.example.com%2F@x/a.mp3",
        "http://[::1/a.mp3",
    ],
)
def test_other_schemes_and_malformed_urls_are_refused_without_a_connection(url):
    network = Network()
    assert refused(network, url).code == 902
    assert network.opened == []


# -- what is fetched ------------------------------------------------------------------


def test_a_public_name_is_fetched_from_the_address_that_was_checked():
    network = Network(
        responses={
            "/a.mp3?v=1": lambda: FakeResponse(
                headers={"Content-Type": "audio/mpeg"}, body=b"ID3 audio"
            )
        }
    )
    fetched = network.fetch("https://Audio.Example.com/a.mp3?v=1#frag")
    assert (fetched.data, fetched.content_type) == (b"ID3 audio", "audio/mpeg")
    assert network.opened == [Target("https", "audio.example.com", PUBLIC_IP, 443, "/a.mp3?v=1")]
    assert network.resolved == ["audio.example.com"]  # once: no second lookup to rebind


def test_public_ip_literals_are_fetched_without_dns():
    network = Network(responses={"/a.mp3": lambda: FakeResponse(body=b"x")})
    network.fetch("http://8.8.8.8:8080/a.mp3")
    network.fetch("http://[2606:4700::1111]/a.mp3")
    assert [(t.ip, t.port) for t in network.opened] == [("8.8.8.8", 8080), ("2606:4700::1111", 80)]
    assert network.resolved == []


def test_ipv4_is_preferred_when_a_name_has_both():
    network = Network(
        dns={"dual.example.com": ["2606:4700::1111", PUBLIC_IP]},
        responses={"/": lambda: FakeResponse(body=b"x")},
    )
    network.fetch("http://dual.example.com")
    assert network.opened[0].ip == PUBLIC_IP


def test_redirects_are_followed_and_each_hop_is_checked():
    network = Network(
        dns={"cdn.example.net": ["151.101.1.57"]},
        responses={
            "/a.mp3": lambda: FakeResponse(302, {"Location": "https://cdn.example.net/b.mp3"}),
            "/b.mp3": lambda: FakeResponse(301, {"Location": "/c.mp3"}),
            "/c.mp3": lambda: FakeResponse(body=b"audio"),
        },
    )
    fetched = network.fetch("http://audio.example.com/a.mp3")
    assert (fetched.url, fetched.data) == ("https://cdn.example.net/c.mp3", b"audio")
    assert [t.host for t in network.opened] == [
        "audio.example.com",
        "cdn.example.net",
        "cdn.example.net",
    ]


@pytest.mark.parametrize(
    "location",
    [
        "http://169.254.169.254/latest/meta-data/iam/",
        "http://2130706433/",
        "//127.0.0.1/x",
        "http://localhost/x",
        "file:///etc/passwd",
    ],
)
def test_a_redirect_to_a_refused_address_is_not_followed(location):
    first = FakeResponse(302, {"Location": location})
    network = Network(dns={"localhost": ["127.0.0.1"]}, responses={"/a.mp3": lambda: first})
    assert refused(network, "http://audio.example.com/a.mp3").code == 902
    assert [t.ip for t in network.opened] == [PUBLIC_IP]  # only the public first hop
    assert first.closed


def test_at_most_three_redirects():
    hops = {f"/{i}": (lambda i=i: FakeResponse(307, {"Location": f"/{i + 1}"})) for i in range(4)}
    network = Network(responses={**hops, "/4": lambda: FakeResponse(body=b"x")})
    assert network.fetch("http://audio.example.com/1").data == b"x"  # 3 redirects
    network.opened.clear()
    assert refused(network, "http://audio.example.com/0").code == 902  # 4 redirects
    assert len(network.opened) == 4


@pytest.mark.parametrize(
    "response", [FakeResponse(404), FakeResponse(500), FakeResponse(302, {}), FakeResponse(206)]
)
def test_anything_but_200_is_902(response):
    network = Network(responses={"/a.mp3": lambda: response})
    assert refused(network, "http://audio.example.com/a.mp3").code == 902
    assert response.closed


def test_connection_failures_are_902():
    def unreachable(target, timeout):
        raise ConnectionRefusedError("refused")

    with pytest.raises(OcpError) as e:
        fetch.fetch("http://8.8.8.8/a.mp3", resolve=lambda n, p: [], open_=unreachable)
    assert e.value.code == 902


# -- the 5 MB cap while streaming ----------------------------------------------------


def test_exactly_the_limit_is_read():
    network = Network(responses={"/a.mp3": lambda: FakeResponse(body=bytes(MAX))})
    assert len(network.fetch("http://audio.example.com/a.mp3").data) == MAX


def test_one_byte_over_the_limit_is_903_and_reading_stops_there():
    response = FakeResponse(body=bytes(MAX + 10_000_000))
    network = Network(responses={"/a.mp3": lambda: response})
    error = refused(network, "http://audio.example.com/a.mp3")
    assert error.code == 903
    assert sum(response.read_sizes) == MAX + 1
    assert len(response.body) == 10_000_000 - 1  # the rest was never read
    assert response.closed


def test_a_declared_length_over_the_limit_is_903_before_reading():
    response = FakeResponse(headers={"Content-Length": str(MAX + 1)}, body=b"x")
    network = Network(responses={"/a.mp3": lambda: response})
    assert refused(network, "http://audio.example.com/a.mp3").code == 903
    assert response.read_sizes == []


def test_a_slow_body_is_given_up():
    ticks = iter(range(0, 1000, 15))
    network = Network(responses={"/a.mp3": lambda: FakeResponse(body=bytes(200_000))})
    with pytest.raises(OcpError) as e:
        network.fetch("http://audio.example.com/a.mp3", monotonic=lambda: next(ticks))
    assert e.value.code == 902


# -- the real opener: connects to the checked IP, names the host --------------------


def test_the_opener_connects_to_the_checked_address_and_sends_the_name(monkeypatch):
    ours, theirs = socket.socketpair()
    connected_to = []

    def create_connection(address, timeout=None, *args):
        connected_to.append(address)
        return ours

    def serve():
        request = b""
        while b"\r\n\r\n" not in request:
            request += theirs.recv(4096)
        served.append(request)
        theirs.sendall(
            b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Type: audio/mpeg\r\n"
            b"Connection: close\r\n\r\nhello"
        )
        theirs.close()

    served: list[bytes] = []
    monkeypatch.setattr(fetch.socket, "create_connection", create_connection)
    server = threading.Thread(target=serve)
    server.start()
    target = Target("http", "audio.example.com", PUBLIC_IP, 8080, "/a.mp3?v=1")
    fetched = fetch.fetch(
        "http://audio.example.com:8080/a.mp3?v=1",
        resolve=lambda name, port: [PUBLIC_IP],
        open_=lambda t, timeout: fetch.open_target(target, timeout),
    )
    server.join(timeout=5)
    assert connected_to == [(PUBLIC_IP, 8080)]
    assert served[0].startswith(b"GET /a.mp3?v=1 HTTP/1.1\r\n")
    assert b"\r\nHost: audio.example.com:8080\r\n" in served[0]
    assert fetched.data == b"hello"
