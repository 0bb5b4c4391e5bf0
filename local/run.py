"""`make run`: moto's server as the local AWS, the resources and enterprise 1 in it, the
API served by local/api_server.py (chalice local's routes behind a server that holds a
crowd), and the worker (local/worker.py) doing what AWS does after a response. Ctrl-C
stops everything it started; so does any other end of it or of what started it, SIGKILL
included (local/lifeline.py).

Each local service is one line of `services()`: a command and the port it listens on.
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from typing import TYPE_CHECKING

from local import lifeline

if TYPE_CHECKING:
    from local.bootstrap import OperatorPool

HOST = "127.0.0.1"
START_SECONDS = 60


@dataclass(frozen=True)
class Service:
    name: str
    command: list[str]
    port: int
    # Shown in the banner: what it is and where.
    url: str


def services(api_port: int, aws_port: int) -> tuple[list[Service], list[Service]]:
    """What runs before the resources are created in the local AWS, and what after."""
    py = sys.executable
    pstn_port = _pstn_port()
    twilio_port = _twilio_port()
    sms_port = _sms_port()
    before = [
        Service(
            "local AWS (moto)",
            [py, "-m", "local.aws_server", "-H", HOST, "-p", str(aws_port)],
            aws_port,
            f"http://{HOST}:{aws_port}",
        ),
    ]
    # OCP_RELOAD=0: a stack for tests, which must not restart (and drop requests) when a
    # file changes.
    off = os.environ.get("OCP_RELOAD") == "0"
    reload = ["--no-reload"] if off else []
    after = [
        *(
            [
                Service(
                    "fake PSTN",
                    [py, "-m", "local.fake_pstn", "--port", str(pstn_port)],
                    pstn_port,
                    f"http://{HOST}:{pstn_port}",
                )
            ]
            if pstn_port is not None
            else []
        ),
        *(
            [
                Service(
                    "fake Twilio",
                    [py, "-m", "local.fake_twilio", "--port", str(twilio_port)],
                    twilio_port,
                    f"http://{HOST}:{twilio_port}",
                )
            ]
            if twilio_port is not None
            else []
        ),
        *(
            [
                Service(
                    "fake End User Messaging",
                    [py, "-m", "local.fake_sms", "--port", str(sms_port)],
                    sms_port,
                    f"http://{HOST}:{sms_port}",
                )
            ]
            if sms_port is not None
            else []
        ),
        Service(
            "OCP API",
            [py, "-m", "local.api_server", "--host", HOST, "--port", str(api_port), *reload],
            api_port,
            f"http://{HOST}:{api_port}",
        ),
    ]
    return before, after


def _pstn_port() -> int | None:
    """With OCP_CARRIER=chime, the real Chime adapter and handler run against the local
    fake PSTN, on this port; None for the simulated carrier."""
    if os.environ.get("OCP_CARRIER") != "chime":
        return None
    return int(os.environ.get("OCP_PSTN_PORT", "5001"))


def _twilio_port() -> int | None:
    """With OCP_CARRIER=twilio, the real Twilio adapter and webhooks run against the
    local fake Twilio, on this port; None otherwise."""
    if os.environ.get("OCP_CARRIER") != "twilio":
        return None
    return int(os.environ.get("OCP_TWILIO_PORT", "5002"))


def _sms_port() -> int | None:
    """With OCP_MESSAGING=eum, the real End User Messaging adapter sends to the local
    fake (local/fake_sms.py) on this port; None for the simulated adapter."""
    if os.environ.get("OCP_MESSAGING") != "eum":
        return None
    return int(os.environ.get("OCP_SMS_PORT", "5003"))


def main() -> int:
    api_port = int(os.environ.get("OCP_PORT", "8000"))
    aws_port = int(os.environ.get("OCP_AWS_PORT", "5000"))
    secret = os.environ.get("OCP_DEV_SECRET", "56789")
    signing_secret = os.environ.get("OCP_DEV_SIGNING_SECRET", "whsec_local_56789")
    before, after = services(api_port, aws_port)
    for service in before + after:
        if _listening(service.port):
            print(
                f"port {service.port} on {HOST} ({service.name}) is already in use: stop "
                f"what uses it, or set OCP_PORT / OCP_AWS_PORT / OCP_PSTN_PORT / OCP_TWILIO_PORT /"
                f" OCP_SMS_PORT",
                file=sys.stderr,
            )
            return 1
    # Also when started in the background, where SIGINT is ignored by default.
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    # Whatever ends this process, its services end with it (local/lifeline.py).
    lifeline.die_with_parent(signal.SIGTERM)
    reaper = lifeline.Reaper()
    os.environ.update(local_environment(aws_port))
    pstn_port = _pstn_port()
    if pstn_port is not None:
        os.environ.update(chime_environment(pstn_port))
    twilio_port = _twilio_port()
    if twilio_port is not None:
        os.environ.update(twilio_environment(twilio_port, api_port))
    sms_port = _sms_port()
    if sms_port is not None:
        os.environ.setdefault("OCP_SMS_ENDPOINT_URL", f"http://{HOST}:{sms_port}")
    children: list[subprocess.Popen] = []
    try:
        for service in before:
            children.append(_start(service, reaper))
        _execute_state_machines(aws_port)
        from chalicelib import logs, settings

        settings.reload()
        logs.configure()
        from chalicelib.store import enterprises
        from local import bootstrap

        bootstrap.create_resources()
        enterprises.create("Local enterprise", secret=secret, eid=1, signing_secret=signing_secret)
        # The web console's operators: the API process reads the pool from its environment.
        pool = bootstrap.create_operator_pool(f"http://{HOST}:{aws_port}")
        os.environ.update(pool.environment())
        if twilio_port is not None:
            _twilio_secret()
        for service in after:
            children.append(_start(service, reaper))
        _banner(before + after, api_port, aws_port, secret, signing_secret, pool)
        from local import worker

        worker.run_forever(children)
    except KeyboardInterrupt:
        pass
    finally:
        # Work in hand fails once the services are gone: not worth a traceback each.
        logging.getLogger("chalicelib").setLevel(logging.CRITICAL)
        # Each child leads its own process group (the API server's reloader starts
        # the serving process): signal the whole group.
        for child in reversed(children):
            _signal_group(child, signal.SIGINT)
        for child in reversed(children):
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                _signal_group(child, signal.SIGKILL)
        reaper.release()
        print("\nstopped.", flush=True)
    return 0


def _start(service: Service, reaper: lifeline.Reaper) -> subprocess.Popen:
    child = subprocess.Popen(
        service.command,
        start_new_session=True,
        preexec_fn=functools.partial(lifeline.child_setup, os.getpid()),
    )
    reaper.adopt(child)
    deadline = time.monotonic() + START_SECONDS
    while not _listening(service.port):
        if child.poll() is not None:
            raise SystemExit(f"{service.name} exited with code {child.returncode}")
        if time.monotonic() > deadline:
            _signal_group(child, signal.SIGKILL)
            raise SystemExit(f"{service.name} did not start listening on {HOST}:{service.port}")
        time.sleep(0.2)
    return child


def _execute_state_machines(aws_port: int) -> None:
    """moto's server only records Step Functions executions unless told to run them;
    there is no environment variable for it, only its config endpoint."""
    request = urllib.request.Request(
        f"http://{HOST}:{aws_port}/moto-api/config",
        method="POST",
        data=json.dumps({"stepfunctions": {"execute_state_machine": True}}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        response.read()


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _signal_group(child: subprocess.Popen, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(child.pid, signum)


def local_environment(aws_port: int) -> dict[str, str]:
    """What every local process gets; MOTO_PORT is where moto's Step Functions
    interpreter sends its own SQS requests."""
    return {
        "AWS_ENDPOINT_URL": f"http://{HOST}:{aws_port}",
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
        "OCP_STAGE": "local",
        "OCP_EMAIL_DNS_CHECK": "0",
        # moto's server on a busy laptop answers slower than AWS: more time to read, so
        # that a slow answer is not retried as a stalled one.
        "OCP_AWS_READ_TIMEOUT_SECONDS": "10",
        "MOTO_PORT": str(aws_port),
        # Status callbacks may go to a receiver on this machine
        # (docs/callbacks-and-idempotency.md#status-callbacks-events-instead-of-polling).
        "OCP_CALLBACK_ALLOWED_NETWORKS": "127.0.0.0/8,::1/128",
    }


def chime_environment(pstn_port: int) -> dict[str, str]:
    """The Chime carrier's settings for the local fake PSTN, unless set already."""
    defaults = {
        "OCP_CHIME_ENDPOINT_URL": f"http://{HOST}:{pstn_port}",
        "OCP_CHIME_SMA_ID": "local-sma",
        "OCP_CHIME_NUMBERS": "+13035550100,+17205550100",
    }
    return {name: os.environ.get(name) or value for name, value in defaults.items()}


def twilio_environment(twilio_port: int, api_port: int) -> dict[str, str]:
    """The Twilio carrier's settings for the local fake Twilio, unless set already: the
    fake calls the webhooks on the local API, and signs them with the secret's token."""
    from local import fake_twilio

    defaults = {
        "OCP_TWILIO_API_BASE": f"http://{HOST}:{twilio_port}/2010-04-01",
        "OCP_TWILIO_ACCOUNT_SID": fake_twilio.ACCOUNT_SID,
        "OCP_TWILIO_NUMBERS": "+13035550100,+17205550100",
        "OCP_PUBLIC_BASE_URL": f"http://{HOST}:{api_port}",
    }
    return {name: os.environ.get(name) or value for name, value in defaults.items()}


def _twilio_secret() -> None:
    """The secret the adapter reads (OCP_TWILIO_SECRET_NAME), in the local AWS."""
    import json

    from chalicelib import settings
    from chalicelib.store import aws
    from local import fake_twilio

    token = fake_twilio.AUTH_TOKEN
    secret = {
        "authToken": token,
        "signingKey": token,
        # The fake signs with this SharedKey under `--signing sharedkey`
        # (OCP_FAKE_TWILIO_SIGNING=sharedkey); REST calls with the API key.
        "sharedKeys": {fake_twilio.SHARED_KEY_ID: fake_twilio.SHARED_KEY_SECRET},
        "apiKeySid": fake_twilio.API_KEY_SID,
        "apiKeySecret": fake_twilio.API_KEY_SECRET,
    }
    aws.client("secretsmanager").create_secret(
        Name=settings.get().twilio_secret_name, SecretString=json.dumps(secret)
    )


def _listening(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex((HOST, port)) == 0


def _banner(
    started: list[Service],
    api_port: int,
    aws_port: int,
    secret: str,
    signing_secret: str,
    pool: OperatorPool,
) -> None:
    carrier = os.environ.get("OCP_CARRIER", "simulated")
    # As settings.py defaults it: a Twilio carrier's account sends the texts too.
    messaging = os.environ.get("OCP_MESSAGING") or (
        "twilio" if carrier == "twilio" else "simulated"
    )
    width = max(len(s.name) for s in started) + 2
    lines = "\n".join(f"{(s.name + ':').ljust(width)}{s.url}" for s in started)
    ports = {"OCP_PORT": (api_port, 8000), "OCP_AWS_PORT": (aws_port, 5000)}
    port = "".join(f" {k}={v}" for k, (v, default) in ports.items() if v != default)
    print(
        f"""
{lines}
{"carrier:".ljust(width)}{carrier}
{"messaging:".ljust(width)}{messaging}
enterprise 1, secret {secret}, signing secret {signing_secret} (status callbacks)
{"console:".ljust(width)}http://{HOST}:{api_port}/console (enterprise 1 and its secret)
{"operators:".ljust(width)}http://{HOST}:{api_port}/console/operator \
({pool.username}, password {pool.password})

In another terminal:
  AUTH=$(make -s session{port})    # Authorization: Basic 1:<sessionId>
  curl -s -H "$AUTH" http://{HOST}:{api_port}/user/1
  make watch{port}                # calls, blasts and schedules, live

Ctrl-C stops everything.
""",
        flush=True,
    )


if __name__ == "__main__":
    sys.exit(main())
