"""`make run`'s HTTP front: the routes exactly as `chalice local` serves them (its
LocalGateway turns each request into the API Gateway event the deployed app gets), behind
a server built for a crowd, answering what the gateway answers itself as API Gateway does.

What `chalice local`'s own server lacks, and this one does:

- a listen backlog of `BACKLOG` (chalice local: 5, so a few dozen clients at once saw
  connection resets) and at most `MAX_CONCURRENT_REQUESTS` requests in the app at once,
  the rest queued, not refused;
- every answer is an OCP body: no route (`/user/../x`, `/uidbyemail/`), a body over API
  Gateway's 10 MB, a request line or header over http.server's 64 KB, a malformed
  request, a failure of the front itself: each is the gateway response infra/api.py
  gives the deployed API (`infra.api.gateway_responses`), never chalice local's JSON 403
  that quotes the Authorization header or http.server's HTML;
- one log line per request: the app logs each request it serves (protocol/routes.py),
  this front only those it answers itself; no http.server access lines, no botocore
  credential notices;
- reloading watches only the application's code (app.py, chalicelib/), not the whole
  project with its .venv, every second.

  python -m local.api_server --host 127.0.0.1 --port 8000 [--no-reload]
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import logging
import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from http import HTTPStatus
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

from chalice.local import (
    ChaliceRequestHandler,
    LocalDevServer,
    LocalGateway,
    LocalGatewayException,
)

ROOT = Path(__file__).resolve().parents[1]
STAGE = "local"
# Connections waiting to be accepted (the kernel caps it at net.core.somaxconn).
BACKLOG = 1024
# Requests inside the app at once; more wait for a turn (a thread each, cheap while
# waiting) rather than all contending for moto and the GIL.
MAX_CONCURRENT_REQUESTS = 32
# API Gateway's payload limit: larger bodies are refused before the app sees them.
MAX_BODY_BYTES = 10 * 1024 * 1024
# How long a refused request's unread rest is read and dropped before closing.
LINGER_SECONDS = 2.0
# What reloading watches: the code `make run` serves.
WATCHED = ("app.py", "chalicelib")
RELOAD_POLL_SECONDS = 1.0

log = logging.getLogger("chalicelib.local.api")


class CrowdServer(ThreadingHTTPServer):
    """A thread per connection, a deep backlog, one LocalGateway shared by all."""

    request_queue_size = BACKLOG
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], handler: Any) -> None:
        super().__init__(address, handler)
        self.turns = threading.BoundedSemaphore(MAX_CONCURRENT_REQUESTS)
        self._gateway: LocalGateway | None = None
        self._gateway_lock = threading.Lock()

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hung up (reset, broken pipe) is not the server's error: no
        traceback for it. Anything else is printed as socketserver does."""
        if isinstance(sys.exc_info()[1], ConnectionResetError | BrokenPipeError):
            return
        super().handle_error(request, client_address)

    def gateway(self, app: Any, config: Any) -> LocalGateway:
        with self._gateway_lock:
            if self._gateway is None:
                self._gateway = LocalGateway(app, config)
            return self._gateway


class Handler(ChaliceRequestHandler):
    """chalice local's handler (event conversion, binary bodies, response writing), with
    the gateway's own answers in the OCP shape and one gateway for every request."""

    server: CrowdServer

    def __init__(
        self, request: Any, client_address: Any, server: Any, app_object: Any, config: Any
    ) -> None:
        self.local_gateway = server.gateway(app_object, config)
        # Skip ChaliceRequestHandler.__init__: it builds a LocalGateway per connection.
        super(ChaliceRequestHandler, self).__init__(request, client_address, server)

    def _generic_handle(self) -> None:
        started = time.perf_counter()
        try:
            length = int(self.headers.get("content-length") or 0)
        except ValueError:
            self._gateway_answer("DEFAULT_4XX", HTTPStatus.BAD_REQUEST, started)
            return
        if length < 0:
            self._gateway_answer("DEFAULT_4XX", HTTPStatus.BAD_REQUEST, started)
            return
        if length > MAX_BODY_BYTES:
            self.close_connection = True  # the body is left unread
            self._gateway_answer("DEFAULT_4XX", HTTPStatus.REQUEST_ENTITY_TOO_LARGE, started)
            return
        if self.headers.get("transfer-encoding", "").lower() == "chunked":
            # API Gateway needs a length too (411); chalice local would drop the body.
            self.close_connection = True
            self._gateway_answer("DEFAULT_4XX", HTTPStatus.LENGTH_REQUIRED, started)
            return
        with self.server.turns:
            try:
                headers, body = self._parse_payload()
                response = self.local_gateway.handle_request(
                    method=self.command, path=self.path, headers=headers, body=body
                )
            except LocalGatewayException:
                # chalice local's "no route", a 403 quoting the Authorization header.
                self._gateway_answer("MISSING_AUTHENTICATION_TOKEN", HTTPStatus.NOT_FOUND, started)
                return
            except Exception:
                log.exception("local API front failed")
                self.close_connection = True
                self._gateway_answer("DEFAULT_5XX", HTTPStatus.INTERNAL_SERVER_ERROR, started)
                return
        headers = {**response["headers"], **response["multiValueHeaders"]}
        body = self._handle_binary(response)["body"]
        self._send_http_response(response["statusCode"], headers, body)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """http.server's own refusals (request line or header over 64 KB, bad syntax, an
        unknown method) as the gateway's OCP body instead of HTML."""
        self.close_connection = True
        kind = "DEFAULT_5XX" if code >= 500 else "DEFAULT_4XX"
        if code == HTTPStatus.NOT_IMPLEMENTED:
            kind = "MISSING_AUTHENTICATION_TOKEN"  # an unknown method: no such route
            code = HTTPStatus.NOT_FOUND
        self._gateway_answer(kind, HTTPStatus(code), time.perf_counter())

    def _gateway_answer(self, kind: str, status: HTTPStatus, started: float) -> None:
        request_id = uuid.uuid4().hex
        answer = gateway_response(kind, request_id)
        status = HTTPStatus(answer["status"] or status)
        body = answer["body"].encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", answer["content_type"])
            self.send_header("Content-Length", str(len(body)))
            if self.close_connection:
                self.send_header("Connection", "close")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
            if self.close_connection:
                self._linger()
        except OSError:
            pass  # the client went away
        # The route is unknown: log neither the path nor any header (credentials).
        log.info(
            "request",
            extra={
                "request_id": request_id,
                "fields": {
                    "method": self.command
                    if self.command in KNOWN_METHODS | REFUSED_METHODS
                    else None,
                    "route": None,
                    "status": int(status),
                    "ms": round((time.perf_counter() - started) * 1000, 1),
                    "gateway": kind,
                },
            },
        )

    def _linger(self) -> None:
        """Read what the client is still sending before closing: closing a socket with
        unread data resets the connection, and the client might never read the answer."""
        self.wfile.flush()
        self.connection.shutdown(socket.SHUT_WR)
        self.connection.settimeout(LINGER_SECONDS)
        deadline = time.monotonic() + LINGER_SECONDS
        with contextlib.suppress(OSError):
            while time.monotonic() < deadline and self.connection.recv(65536):
                pass

    def log_message(self, format: str, *args: Any) -> None:
        """No http.server access lines: each request is logged once, as JSON, above or
        by the app."""


KNOWN_METHODS = {"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"}
# Methods no route has, on a path that exists: the app's 405 with the path's methods
# (Allow), as for PATCH; an unknown path is still the gateway's 404. (A deployed stage's API
# Gateway answers both with its own 404: it routes only the methods a path declares.)
REFUSED_METHODS = {"TRACE"}
for _method in KNOWN_METHODS | REFUSED_METHODS:
    setattr(Handler, f"do_{_method}", Handler._generic_handle)


@functools.cache
def _gateway_responses() -> dict[str, dict[str, Any]]:
    from infra.api import gateway_responses

    return gateway_responses()


def gateway_response(kind: str, request_id: str) -> dict[str, Any]:
    """What the deployed API Gateway answers for `kind`: status (None: the original),
    content type and body, with `$context.requestId` filled in."""
    response = _gateway_responses()[kind]
    content_type = response["responseParameters"]["gatewayresponse.header.Content-Type"]
    return {
        "status": int(response["statusCode"]) if "statusCode" in response else None,
        "content_type": content_type.strip("'"),
        "body": response["responseTemplates"]["application/json"].replace(
            "$context.requestId", request_id
        ),
    }


class Server(LocalDevServer):
    def serve_forever(self) -> None:
        self.server.serve_forever()


def create_server(host: str, port: int) -> Server:
    """The app of stage `local`, with that stage's environment (.chalice/config.json), as
    `chalice local --stage local` loads it."""
    from chalice.cli import factory as cli_factory
    from chalice.deploy.validate import validate_routes

    factory = cli_factory.CLIFactory(str(ROOT), environ=os.environ)
    config = factory.create_config_obj(chalice_stage_name=STAGE)
    app = config.chalice_app
    validate_routes(app.routes)
    return Server(app, config, host, port, handler_cls=Handler, server_cls=CrowdServer)


def serve(host: str, port: int) -> None:
    from chalicelib import logs

    logging.getLogger("botocore").setLevel(logging.WARNING)
    server = create_server(host, port)
    logs.configure()
    server.serve_forever()


def _snapshot() -> dict[str, float]:
    found = {}
    for name in WATCHED:
        path = ROOT / name
        for file in [path] if path.is_file() else path.rglob("*"):
            if file.suffix in {".py", ".json"}:
                found[str(file)] = file.stat().st_mtime
    return found


def serve_and_reload(host: str, port: int) -> int:
    """Serve from a child process, started again whenever the watched code changes."""
    command = [sys.executable, "-m", "local.api_server", "--host", host, "--port", str(port)]
    while True:
        seen = _snapshot()
        child = subprocess.Popen([*command, "--no-reload"], cwd=ROOT)
        try:
            while child.poll() is None:
                time.sleep(RELOAD_POLL_SECONDS)
                try:
                    changed = _snapshot() != seen
                except OSError:
                    changed = True  # a file went away while it was read
                if changed:
                    print(json.dumps({"level": "INFO", "message": "code changed: reloading"}))
                    child.terminate()
                    child.wait()
                    break
            else:
                return child.returncode
        except KeyboardInterrupt:
            child.terminate()
            child.wait()
            return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m local.api_server")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--no-reload", action="store_true", help="do not restart on changes")
    args = parser.parse_args(argv)
    if args.no_reload:
        with contextlib.suppress(KeyboardInterrupt):
            serve(args.host, args.port)
        return 0
    return serve_and_reload(args.host, args.port)


if __name__ == "__main__":
    sys.exit(main())
