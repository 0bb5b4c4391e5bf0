"""The console's session cookies, its CSRF tokens and the headers every page carries.

- An enterprise signs in with its id and secret, checked here exactly as GET /session
  checks them (protocol.auth.sign_in); the browser keeps only the OCP session that opens,
  in an HttpOnly, SameSite=Strict cookie (Secure over HTTPS, as every deployed stage is)
  that expires with the session and is ended server-side at sign-out. The secret is
  never stored, nor sent back to the browser.
- An operator's cookie holds the Cognito access token (console/operators.py checks it
  against the pool's keys on every request); it expires with the token.
- Every state-changing request (POST) must come from a page of this console: its Origin
  (or, without one, its Referer) is this host, and its form carries the session's
  synchroniser token, a hash of the session (never valid for another session; the
  sign-in forms, made before any session, rely on the Origin check and SameSite).
- Pages are served with a Content-Security-Policy that allows scripts, styles and
  requests to this origin only, no inline script or style, no framing.
"""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import urlsplit

from chalicelib.protocol.routes import PageRequest

ENTERPRISE_COOKIE = "ocp_console"
OPERATOR_COOKIE = "ocp_operator"
ALERTS_SEEN_COOKIE = "ocp_alerts_seen"

CSP = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
    )
)
PAGE_HEADERS: dict[str, str | list[str]] = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}


def https(req: PageRequest) -> bool:
    proto = (req.headers.get("x-forwarded-proto") or "http").split(",")[0].strip()
    return proto == "https"


def set_cookie(req: PageRequest, name: str, value: str, max_age: int) -> str:
    """A Set-Cookie header value: HttpOnly, SameSite=Strict, scoped to the console."""
    secure = "; Secure" if https(req) else ""
    return (
        f"{name}={value}; Path={req.root}/console; Max-Age={max_age}; HttpOnly; "
        f"SameSite=Strict{secure}"
    )


def clear_cookie(req: PageRequest, name: str) -> str:
    return set_cookie(req, name, "", 0)


def csrf_token(session: str) -> str:
    """The synchroniser token of a session (an enterprise's `eid:sessionId`, an operator's
    token): its hash, so the page can carry it while the cookie stays HttpOnly."""
    return hashlib.sha256(f"ocp-console-csrf:{session}".encode()).hexdigest()[:40]


def same_origin(req: PageRequest) -> bool:
    """The request came from a page of this host (Origin, or Referer without it)."""
    host = (req.headers.get("host") or "").lower()
    origin = req.headers.get("origin")
    if origin is None:
        referer = req.headers.get("referer")
        if not referer:
            return False
        origin = referer
    if origin == "null":
        return False
    return bool(host) and urlsplit(origin).netloc.lower() == host


def form_is_genuine(req: PageRequest, session: str) -> bool:
    """A POST of this console's own form, for this session."""
    sent = req.form.get("csrf", "")
    return same_origin(req) and hmac.compare_digest(sent, csrf_token(session))
