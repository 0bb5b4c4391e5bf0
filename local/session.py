"""Open a session and print the header every other request carries (`make session`):

  AUTH=$(make -s session)          # Authorization: Basic 1:<64 hex>
  curl -s -H "$AUTH" http://127.0.0.1:8000/user/1

Standard library only, the same on Linux and macOS (no md5sum). Against another API or
enterprise: `python -m local.session --base https://.../api --eid 7 --secret ...`
(the secret is read from OCP_SECRET when not given, so it stays out of shell history).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import time
import urllib.error
import urllib.request
from xml.etree import ElementTree


def login_header(eid: int, secret: str, at: int | None = None) -> str:
    """`GET /session`'s header: `Basic {eid}:{gmttime}:{md5(gmttime + secret)}`."""
    at = int(time.time()) if at is None else at
    digest = hashlib.md5(f"{at}{secret}".encode()).hexdigest()
    return f"Basic {eid}:{at}:{digest}"


def open_session(base: str, eid: int, secret: str, timeout: float = 10) -> str:
    """A new session id; raises SystemExit with a message the user can act on."""
    request = urllib.request.Request(
        base.rstrip("/") + "/session", headers={"Authorization": login_header(eid, secret)}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read()
    except urllib.error.HTTPError as e:
        message = _error_message(e.read())
        raise SystemExit(f"GET /session: HTTP {e.code}: {message}") from None
    except OSError as e:
        raise SystemExit(
            f"no API at {base} ({e}): start it with `make run` (OCP_PORT sets its port)"
        ) from None
    session_id = ElementTree.fromstring(body).findtext("sessionId")
    if not session_id:
        raise SystemExit(f"GET /session answered without a sessionId: {body[:200]!r}")
    return session_id


def _error_message(body: bytes) -> str:
    try:
        error = ElementTree.fromstring(body).find("errors/error")
    except ElementTree.ParseError:
        return body[:200].decode(errors="replace")
    if error is None:
        return body[:200].decode(errors="replace")
    return f"{error.findtext('code')} {error.findtext('message')}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m local.session")
    parser.add_argument("--base", default=f"http://127.0.0.1:{os.environ.get('OCP_PORT', 8000)}")
    parser.add_argument("--eid", type=int, default=1)
    parser.add_argument(
        "--secret",
        default=os.environ.get("OCP_SECRET") or os.environ.get("OCP_DEV_SECRET", "56789"),
    )
    args = parser.parse_args(argv)
    session_id = open_session(args.base, args.eid, args.secret)
    print(f"Authorization: Basic {args.eid}:{session_id}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
