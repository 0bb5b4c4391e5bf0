"""A browser-like client of the web console over chalice's test client: it keeps the
cookies the console sets and sends the Host and Origin a page of the console would."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from urllib.parse import urlencode

HOST = "console.test"
ORIGIN = f"http://{HOST}"


@dataclass
class Browser:
    client: object
    cookies: dict[str, str] = field(default_factory=dict)

    def request(
        self, method: str, path: str, form: dict | None = None, headers: dict | None = None
    ):
        sent = {"Host": HOST}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = b""
        if form is not None:
            body = urlencode(form).encode()
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        if method == "POST":
            sent["Origin"] = ORIGIN
        sent.update(headers or {})
        response = self.client.http.request(method, path, headers=sent, body=body)
        self._keep(response.headers.get("Set-Cookie") or response.headers.get("set-cookie"))
        return response

    def _keep(self, header: str | list | None) -> None:
        if not header:
            return
        for one in header if isinstance(header, list) else [header]:
            jar = SimpleCookie()
            jar.load(one)
            for name, morsel in jar.items():
                if morsel["max-age"] == "0" or not morsel.value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value

    def get(self, path: str, **kw):
        return self.request("GET", path, **kw)

    def post(self, path: str, form: dict | None = None, **kw):
        return self.request("POST", path, form or {}, **kw)

    def csrf(self, page: str) -> str:
        """The synchroniser token a page's forms carry."""
        found = re.search(r'name="csrf" value="([0-9a-f]+)"', self.get(page).body.decode())
        assert found, "no form with a CSRF token on " + page
        return found.group(1)


def signed_in(client, eid: int, secret: str) -> Browser:
    browser = Browser(client)
    response = browser.post("/console/sign-in", {"eid": str(eid), "secret": secret})
    assert response.status_code == 303, response.body
    return browser
