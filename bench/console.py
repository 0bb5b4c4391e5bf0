"""The web console's page costs (issue 25: a first load under 150 KB transferred and at
most 4 requests): each page loaded once in a fresh headless Chromium, with an empty
cache, against a `make run` stack; every request the page makes and the bytes of each
response are counted from the browser's own log (Playwright's request events and
response sizes).

  python -m bench console      (also part of `make bench`)
"""

from __future__ import annotations

from dataclasses import dataclass

GOAL_BYTES = 150 * 1024
GOAL_REQUESTS = 4
PAGES = ("/console", "/console/calls", "/console/blasts", "/console/usage", "/console/users")


@dataclass(frozen=True)
class Load:
    path: str
    requests: int
    transferred: int  # bytes: headers and bodies, as the browser received them

    @property
    def met(self) -> bool:
        return self.requests <= GOAL_REQUESTS and self.transferred < GOAL_BYTES


def measure() -> list[Load]:
    from playwright.sync_api import sync_playwright

    from tests import local_stack
    from tests.browser.conftest import ARGS, CHROMIUM

    loads = []
    with local_stack.started(free_ports=True) as stack, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        signed = browser.new_context()
        page = signed.new_page()
        page.goto(f"{stack.base}/console")
        page.get_by_label("Enterprise id").fill("1")
        page.get_by_label("Secret").fill(local_stack.DEV_SECRET)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url("**/console/calls")
        cookies = signed.cookies()
        for path in PAGES:
            # A new context: nothing cached, the session's cookie only.
            context = browser.new_context()
            context.add_cookies(cookies)
            fresh = context.new_page()
            seen: list = []

            def keep(request: object, into: list = seen) -> None:
                into.append(request)  # Playwright wants a Python function, not a builtin

            fresh.on("requestfinished", keep)
            fresh.goto(f"{stack.base}{path}", wait_until="networkidle")
            total = 0
            for request in seen:
                sizes = request.sizes()
                total += sizes["responseBodySize"] + sizes["responseHeadersSize"]
                total += sizes["requestBodySize"] + sizes["requestHeadersSize"]
            # A redirect is counted as its own request by the browser's log too.
            loads.append(Load(path, len(seen), total))
            context.close()
        browser.close()
    return loads


def report() -> bool:
    from pathlib import Path

    from tests.browser.conftest import CHROMIUM

    if not Path(CHROMIUM).exists():
        print(f"web console page costs: skipped, no Chromium at {CHROMIUM}")
        return True
    loads = measure()
    print(
        f"web console, first load of each page (empty cache, headless Chromium): goal "
        f"< {GOAL_BYTES // 1024} KB and <= {GOAL_REQUESTS} requests"
    )
    for load in loads:
        verdict = "met" if load.met else "NOT MET"
        print(
            f"  {load.path:22} {load.requests} requests  {load.transferred / 1024:6.1f} KB"
            f"   {verdict}"
        )
    return all(load.met for load in loads)
