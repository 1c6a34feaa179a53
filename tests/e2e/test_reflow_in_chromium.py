"""Zoom and reflow (WCAG 1.4.4 and 1.4.10, RGAA 10.4 and 10.11) on the audit's sample of pages: at 320 px wide,
and at 200 % text size, the page never scrolls sideways (tables scroll inside their own box)."""

import pytest
from django.conf import settings
from django.test import Client

from ..auth import login
from ..factories import PlaceFactory, UserFactory
from ..passnumerique.conftest import pn  # noqa: F401 — a place and its agent, for the ticket validation page

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PUBLIC = (
    "/",
    "/comptes/login/",
    "/comptes/signup/",
    "/mentions-legales/",
    "/donnees-personnelles/",
    "/accessibilite/",
    "/territoires/",
    "/territoires/T8/",
    "/feuille-de-route/",
    "/observatoire/",
    "/fibre/",
    "/fibre/?q=12 rue de la republique saint-denis",
    "/fibre/couverture/",
    "/pass-numerique/",
    "/pass-numerique/lieux/",
    "/fmin/",
    "/fmin/projets/",
    "/adopte-une-innovation/",
    "/adopte-une-innovation/besoins/",
    "/ressources/",
    "/explorateurs/",
    "/explorateurs/journees/",
    "/participation/",
    "/accompagnement/",
    "/accompagnement/lieux/",
)
AGENT = (
    "/espace/",
    "/accompagnement/demandes/nouvelle/",
    "/adopte-une-innovation/besoins/nouveau/",
    "/fmin/candidatures/",
    "/explorateurs/candidater/",
    "/ressources/contribuer/",
)
STAFF = ("/admin/sman/organisation/", "/admin/sman/organisation/add/", "/copil/")
PLACE = ("/pass-numerique/valider/",)

OVERFLOW = """() => {
  const page = document.scrollingElement.scrollWidth <= window.innerWidth + 1;
  const tables = [...document.querySelectorAll("table")].filter((table) => {
    if (table.getBoundingClientRect().right <= window.innerWidth + 1) return false;
    for (let el = table.parentElement; el && el !== document.body; el = el.parentElement) {
      const x = getComputedStyle(el).overflowX;
      if ((x === "auto" || x === "scroll") && el.getBoundingClientRect().right <= window.innerWidth + 1) return false;
    }
    return true;
  });
  const wide = [...document.querySelectorAll("body *")].filter((el) => {
    const r = el.getBoundingClientRect();
    if (r.right <= window.innerWidth + 1 || r.width === 0) return false;
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      const x = getComputedStyle(p).overflowX;
      if (x === "auto" || x === "scroll" || x === "hidden" || x === "clip") return false;
    }
    return true;
  }).slice(0, 5).map((el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
    + (typeof el.className === "string" && el.className ? "." + el.className.trim().split(/\\s+/).join(".") : ""));
  return { page, tables: tables.length, wide, width: document.scrollingElement.scrollWidth };
}"""


def _context(browser, live_server, user):
    context = browser.new_context(base_url=live_server.url, locale="fr-FR")
    if user is not None:
        cookie = login(Client(), user).cookies[settings.SESSION_COOKIE_NAME].value
        context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}])
    return context


def _check(page, urls, failures):
    for condition, size, zoom in (("320 px", 320, False), ("texte 200 %", 1280, True)):
        page.set_viewport_size({"width": size, "height": 800})
        for url in urls:
            response = page.goto(url)
            assert response.status == 200, f"{url}: {response.status}"
            if zoom:  # the browser's text-only zoom: the root font size doubled, the layout in rem/em follows
                page.evaluate("document.documentElement.style.fontSize = '200%'")
                page.wait_for_timeout(50)
            found = page.evaluate(OVERFLOW)
            if not found["page"] or found["tables"]:
                failures.append(
                    f"{url} ({condition}) : largeur {found['width']}, tableaux {found['tables']}, {found['wide']}"
                )


def test_the_sample_reflows_at_320_px_and_200_percent_text(browser, live_server, reference, pn):  # noqa: F811
    from sman.models import Membership, Organisation

    PlaceFactory(name="Fablab de Montreuil")
    agent = UserFactory()
    montreuil = Organisation.objects.get(kind="collectivity", territory__code="93048")
    Membership.objects.create(user=agent, organisation=montreuil)
    staff = UserFactory(staff=True, copil=True)
    failures = []
    for user, urls in ((None, PUBLIC), (agent, AGENT), (staff, STAFF), (pn.place_agent, PLACE)):
        context = _context(browser, live_server, user)
        _check(context.new_page(), urls, failures)
        context.close()
    assert not failures, "\n".join(failures)
