import os
import shutil
from urllib.parse import urlsplit

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
# Debian's Chromium, no browser download; no background traffic leaves the machine.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Addresses that never reach a network (inline data, objects made by the page itself).
LOCAL_SCHEMES = {"data", "blob"}


class RecordingBrowser:
    """The browser, whose every context records the requests its pages make: a page of the portal
    sends none to another host (basemaps, fonts, scripts are served by the portal unless configured)."""

    def __init__(self, browser):
        self._browser = browser
        self.origin = None  # "host:port" of the live server, set for each test
        self.foreign: list[str] = []

    def __getattr__(self, name):
        return getattr(self._browser, name)

    def new_context(self, **kwargs):
        context = self._browser.new_context(**kwargs)
        context.on("request", lambda request: self.record(request.url))
        context.on("requestfailed", self.blocked)
        return context

    def blocked(self, request) -> None:
        """A request the page's Content-Security-Policy refused never left the browser (Chromium reports it as a
        request, then as failed with « csp »): Redoc's bundle asks for its logo on cdn.redoc.ly, the CSP refuses."""
        if "csp" in (request.failure or "").lower() and request.url in self.foreign:
            self.foreign.remove(request.url)

    def record(self, url: str) -> None:
        parts = urlsplit(url)
        if parts.scheme in LOCAL_SCHEMES:
            return
        if parts.scheme not in ("http", "https", "ws", "wss") or parts.netloc != self.origin:
            self.foreign.append(url)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in the test thread; the ORM calls of the test itself
    # are still synchronous and safe. Only while browser tests run.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield RecordingBrowser(browser)
        browser.close()
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE")


@pytest.fixture(autouse=True)
def no_request_leaves(browser, live_server):
    """Every browser test: a request to any host other than the live server's fails it."""
    browser.origin = urlsplit(live_server.url).netloc
    browser.foreign.clear()
    yield browser.foreign
    assert browser.foreign == [], f"requêtes hors de {browser.origin} : {browser.foreign}"


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="fr-FR")
    page = context.new_page()
    yield page
    context.close()
