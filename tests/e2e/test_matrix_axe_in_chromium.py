"""axe-core on the URLs of the permission matrix (tests/matrix.py and the apps' matrix cases), at 1280 and 360 px,
the admin and the API docs included: one browser context per role, signed in by its session cookie, one page
reused for every visit.

Sampling, to hold a few minutes on a 2-core machine: every URL pattern a GET case covers is visited once, by the
first role of ``ORDER`` that the case lets in (200) — the same template for every role, the shell aside — at
1280 px, and one in four of them (in each role's list) at 360 px too; the shell itself (menu,
account links) is checked for every role on its « Mon espace » at both widths. ``SMAN_AXE_MATRIX=full`` visits
every URL at both widths. Not visited: a case whose URL needs an object that an app's test builds for itself
(counted and printed), files (CSV, iCalendar, PDF), HTML fragments fetched by scripts (no doctype), and DRF's
browsable renderings of the JSON API (their own Bootstrap page, outside the portal's templates; /api/docs/ is
the API's documentation for people).
"""

import contextlib
import os
import time

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from django.db import IntegrityError, transaction
from django.test import Client
from playwright.sync_api import Error as PlaywrightError

from ..auth import login
from ..engineering.conftest import eng, eng_world  # noqa: F401 — the apps' fixtures, for their lambdas' objects
from ..explorateurs.conftest import ex, ex_world  # noqa: F401
from ..matrix import ALL_CASES, ROLES
from ..participation.conftest import part, part_world  # noqa: F401
from ..passnumerique.conftest import pn, pn_world  # noqa: F401
from ..test_url_coverage import _import_test_modules
from .test_pages_in_chromium import AXE_OPTIONS

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WIDTHS = ({"width": 1280, "height": 900}, {"width": 360, "height": 740})
# The order in which a role is chosen for a URL: the least privileged first (what most people see).
ORDER = (*ROLES, "place_agent", "pass_funder", "pass_distributor", "expert", "ess_agent")
# Pages of other packages that no matrix case covers: the API's documentation, the admin's list and form. (Redoc
# asks for its logo on cdn.redoc.ly; the page's CSP refuses it, so nothing leaves: see conftest's guard.)
EXTRA = (
    ("anonymous", "/api/docs/"),
    ("anonymous", "/api/redoc/"),
    ("staff", "/admin/sman/organisation/"),
    ("staff", "/admin/sman/organisation/add/"),
)
# Violations known and not yet fixed, by page and rule: listed in the report and the audit's action plan, not
# silenced elsewhere. Swagger UI once drawn (its own colours, headings and nested controls); Redoc's fixed heading
# levels (an operation's h2, then h5 for its parameters; its colours are the portal's, set in its template); the
# admin's autocomplete widget (select2) on the organisation form, whose label static/js/admin.js does not yet reach.
KNOWN = {
    "/api/docs/": {"color-contrast", "heading-order", "nested-interactive", "region"},
    "/api/redoc/": {"heading-order"},
    "/admin/sman/organisation/add/": {"aria-input-field-name"},
}
# What a page drawn by a script shows once drawn (Redoc's operations: its template's main is there before them).
DRAWN = {"/api/redoc/": '[id^="operation/"]'}
ALWAYS_BOTH = {"/espace/", *(url for _, url in EXTRA)}
DOWNLOADS = (".csv", ".ics", ".pdf", ".xlsx", ".json", ".zip", ".mvt", ".pbf")
axe = Axe()


def _plan(world):
    """(role, url) visits: one per URL pattern, then each role's « Mon espace »; and the skipped cases."""
    _import_test_modules()
    visits, seen, skipped = [], set(), []
    for case in ALL_CASES:
        if case.method != "get" or case.url_name() in seen:
            continue
        try:  # a URL built from the world may make an object (once per world, as its app's test does)
            with transaction.atomic():
                url = case.url(world) if callable(case.url) else case.url
        except (KeyError, AttributeError, IndexError, TypeError, IntegrityError):
            skipped.append(case.name)
            continue
        for role in ORDER:
            if role not in world.users:
                continue
            try:
                allowed = case.expected(role) == 200
            except KeyError:
                continue
            if allowed:
                if url.startswith("/api/") and not url.startswith(("/api/docs/", "/api/redoc/")):
                    break  # DRF's browsable API: see the module's docstring
                visits.append((role, url))
                seen.add(case.url_name())
                break
    visits += [(role, "/espace/") for role in ROLES if role != "anonymous"]
    visits += list(EXTRA)
    return visits, skipped


def _context(browser, live_server, user):
    context = browser.new_context(base_url=live_server.url, locale="fr-FR")
    if user is not None:
        client = login(Client(), user)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
        context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}])
    return context


def test_every_matrix_url_has_no_axe_violation(browser, live_server, eng_world, ex_world, pn_world, part_world):  # noqa: F811
    world = eng_world  # the one shared world, with every fixture's roles and objects
    started = time.monotonic()
    visits, skipped = _plan(world)
    print(f"\nplan : {len(visits)} URL, {time.monotonic() - started:.0f} s")  # noqa: T201 — the figures to report
    by_role: dict[str, list[str]] = {}
    for role, url in visits:
        by_role.setdefault(role, []).append(url)
    full = os.environ.get("SMAN_AXE_MATRIX") == "full"
    violations, not_html, checked, known = [], [], 0, set()
    for role, urls in by_role.items():
        context = _context(browser, live_server, world.users[role])
        page = context.new_page()
        for size in WIDTHS:
            page.set_viewport_size(size)
            narrow = size["width"] < 1000
            for index, url in enumerate(urls):
                if narrow and not full and index % 4 and url not in ALWAYS_BOTH:
                    continue
                if url.split("?", 1)[0].endswith(DOWNLOADS):
                    not_html.append(f"{role} {url} fichier")
                    continue
                try:
                    response = page.goto(url)
                except PlaywrightError as exc:  # a download (a CSV, an iCalendar file, a PDF)
                    not_html.append(f"{role} {url} {str(exc).splitlines()[0]}")
                    continue
                if response is None or response.status != 200 or "html" not in response.headers.get("content-type", ""):
                    not_html.append(f"{role} {url} {response.status if response else '—'}")
                    continue
                if not page.evaluate("document.doctype !== null"):  # a fragment for a script (suggestions…)
                    not_html.append(f"{role} {url} fragment")
                    continue
                # A page drawn by a script has its landmarks (Swagger UI) or its operations (Redoc, inside a main
                # written by the template) once drawn: axe checks the drawing, not the page before it; if never, axe
                # says so.
                with contextlib.suppress(PlaywrightError):
                    drawn = DRAWN.get(url, "main, [role=main]")
                    page.wait_for_selector(drawn, state="attached", timeout=10_000)
                results = axe.run(page, options=AXE_OPTIONS)
                checked += 1
                rules = {v["id"] for v in results.response["violations"]}
                if rules - KNOWN.get(url, set()):
                    violations.append(f"{role} {url} @{size['width']}px\n{results.generate_report()}")
                elif rules:
                    known.add(f"{url} : {', '.join(sorted(rules))}")
        context.close()
    elapsed = time.monotonic() - started
    print(  # noqa: T201 — the figures to report
        f"\naxe sur la matrice : {checked} pages analysées ({len(visits)} URL à 1280 px ; à 360 px une sur quatre "
        "et les « Mon espace »), "
        f"{len(skipped)} cas sans objet ici, {len(not_html)} réponses non HTML ou non 200, {elapsed:.0f} s"
    )
    print("connues, à corriger :", "; ".join(sorted(known)) or "aucune")  # noqa: T201
    assert not violations, "\n\n".join(violations)
    # A few redirections are expected (a view that moves a signed-in person on); a wrong status would be a
    # matrix failure, which tests/*/ check already. Most visits are pages.
    assert checked >= len(visits) // 2
