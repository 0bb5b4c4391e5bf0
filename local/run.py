"""`make run`: moto's server as the local AWS, the resources and enterprise 1 in it,
and `chalice local` serving the API. Ctrl-C stops everything it started."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time

HOST = "127.0.0.1"


def main() -> int:
    api_port = int(os.environ.get("OCP_PORT", "8000"))
    aws_port = int(os.environ.get("OCP_AWS_PORT", "5000"))
    secret = os.environ.get("OCP_DEV_SECRET", "56789")
    signing_secret = os.environ.get("OCP_DEV_SIGNING_SECRET", "whsec_local_56789")
    # OCP_CARRIER=chime: the real Chime adapter and handler against the local fake PSTN.
    pstn_port = int(os.environ.get("OCP_PSTN_PORT", "5001"))
    chime = os.environ.get("OCP_CARRIER") == "chime"
    for port in (api_port, aws_port, *((pstn_port,) if chime else ())):
        if _listening(port):
            print(
                f"port {port} on {HOST} is already in use: stop what uses it, or set "
                f"OCP_PORT / OCP_AWS_PORT / OCP_PSTN_PORT",
                file=sys.stderr,
            )
            return 1
    # Also when started in the background, where SIGINT is ignored by default.
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    env = local_environment(aws_port)
    if chime:
        env.update(chime_environment(pstn_port))
    os.environ.update(env)
    children: list[subprocess.Popen] = []
    try:
        # MOTO_PORT: where moto's Step Functions interpreter sends its own SQS requests.
        children.append(
            subprocess.Popen(
                [sys.executable, "-m", "moto.server", "-H", HOST, "-p", str(aws_port)],
                env={**os.environ, "MOTO_PORT": str(aws_port)},
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
        )
        _wait_for(aws_port, children[-1], "moto server")
        _execute_state_machines(aws_port)
        from chalicelib import settings

        settings.reload()
        from chalicelib.store import enterprises
        from local import bootstrap

        bootstrap.create_resources()
        enterprises.create("Local enterprise", secret=secret, eid=1, signing_secret=signing_secret)
        if chime:
            children.append(
                subprocess.Popen(
                    [sys.executable, "-m", "local.fake_pstn", "--port", str(pstn_port)],
                    env=os.environ.copy(),
                    start_new_session=True,
                )
            )
            _wait_for(pstn_port, children[-1], "fake PSTN")
        children.append(
            subprocess.Popen(
                [
                    os.path.join(os.path.dirname(sys.executable), "chalice"),
                    "local",
                    "--stage",
                    "local",
                    "--host",
                    HOST,
                    "--port",
                    str(api_port),
                    # OCP_AUTORELOAD=0: a stack for tests, which must not restart (and drop
                    # requests) when a file under the project changes, .venv's included.
                    *(["--no-autoreload"] if os.environ.get("OCP_AUTORELOAD") == "0" else []),
                ],
                env={**os.environ, **env},
                start_new_session=True,
            )
        )
        _wait_for(api_port, children[-1], "chalice local")
        _banner(api_port, aws_port, secret, signing_secret)
        from chalicelib import logs
        from local import worker

        logs.configure()
        worker.run_forever(children)
    except KeyboardInterrupt:
        pass
    finally:
        # Each child leads its own process group (chalice local's reloader forks a
        # server process): signal the whole group.
        for child in reversed(children):
            _signal_group(child, signal.SIGINT)
        for child in reversed(children):
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                _signal_group(child, signal.SIGKILL)
        print("\nstopped.")
    return 0


def _execute_state_machines(aws_port: int) -> None:
    """moto's server only records Step Functions executions unless told to run them;
    there is no environment variable for it, only its config endpoint."""
    import json
    import urllib.request

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
    return {
        "AWS_ENDPOINT_URL": f"http://{HOST}:{aws_port}",
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
        "OCP_STAGE": "local",
        "OCP_EMAIL_DNS_CHECK": "0",
        # Status callbacks may go to a receiver on this machine (README "Status callbacks").
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


def _listening(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex((HOST, port)) == 0


def _wait_for(port: int, process: subprocess.Popen, what: str) -> None:
    deadline = time.monotonic() + 60
    while not _listening(port):
        if process.poll() is not None:
            raise SystemExit(f"{what} exited with code {process.returncode}")
        if time.monotonic() > deadline:
            raise SystemExit(f"{what} did not start listening on {HOST}:{port}")
        time.sleep(0.2)


def _banner(api_port: int, aws_port: int, secret: str, signing_secret: str) -> None:
    base = f"http://{HOST}:{api_port}"
    carrier = os.environ.get("OCP_CARRIER", "simulated")
    if carrier == "chime":
        carrier += f" (fake PSTN at {os.environ['OCP_CHIME_ENDPOINT_URL']})"
    print(
        f"""
OCP API:    {base}
local AWS:  http://{HOST}:{aws_port} (moto)
carrier:    {carrier}
enterprise: 1, secret {secret}, signing secret {signing_secret} (status callbacks)

Open a session:
  T=$(date +%s)
  curl -s -H "Authorization: Basic 1:$T:$(printf '%s' "${{T}}{secret}" | md5sum | cut -d' ' -f1)" \
       {base}/session

Ctrl-C stops everything.
""",
        flush=True,
    )


if __name__ == "__main__":
    sys.exit(main())
