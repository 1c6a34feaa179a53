"""The RGAA 4.1 audit's sample (sman/data/rgaa/audit.yaml), page by page in headless Chromium, after the demo
data is loaded: what the audit records as checked automatically is checked here.

On every page of the sample: axe-core (WCAG 2.0/2.1 A and AA and best practices) finds nothing; the page has a
doctype, ``lang="fr"``, a title, one ``h1``, no frame, no link opening a window, every form field and every
link a name; at 320 px wide the page does not scroll sideways (tables scroll in their own box). The generated
PDF is tagged. A page added to the sample without a way to reach it here fails the test."""

import io
import json
import os

import pytest
from pypdf import PdfReader

from sman.accessibility import load_audit
from sman.demo import DEMO_PASSWORD, current_demo_code, load_demo

from ..pdfs import assert_tagged_pdf
from .test_pages_in_chromium import AXE_OPTIONS, axe

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# What the automatic criteria need from the page itself (axe-core does the rest).
PAGE_FACTS = r"""() => {
  const named = (el) => (el.labels && el.labels.length) || el.getAttribute('aria-label')
    || el.getAttribute('aria-labelledby') || el.title;
  const fields = [...document.querySelectorAll(
    'input:not([type=hidden]):not([type=submit]):not([type=button]),select,textarea')];
  const linkName = (a) => a.innerText.trim() || a.getAttribute('aria-label')
    || a.querySelector('img[alt]:not([alt=""])');
  return {
    doctype: document.doctype ? document.doctype.name : null,
    lang: document.documentElement.lang,
    title: document.title.trim(),
    h1: document.querySelectorAll('h1').length,
    frames: document.querySelectorAll('iframe,frame').length,
    new_windows: [...document.querySelectorAll('a[target], form[target]')].map(a => a.outerHTML.slice(0, 80)),
    unnamed_fields: fields.filter(f => !named(f)).map(f => f.name || f.id),
    unnamed_links: [...document.querySelectorAll('a[href]')].filter(a => !linkName(a))
      .map(a => a.outerHTML.slice(0, 80)),
    sideways: document.documentElement.scrollWidth > document.documentElement.clientWidth,
  };
}"""

# Who looks at each page of the sample, and where it is once the demo is loaded.
SIGNED_OUT, AGENT, MEDIATION, STAFF = None, "commune_agent", "mediation_agent", "staff"


def sample_addresses() -> dict[str, tuple[str | None, str]]:
    from actions.models import CopilSession, Report
    from fmin.models import Application
    from ftth.models import Building

    closed = CopilSession.objects.filter(status=CopilSession.Status.CLOSED).order_by("-date").first()
    report = Report.objects.filter(session=closed, state="done").first()
    draft = Application.objects.filter(status=Application.Status.DRAFT).order_by("pk").first()
    building = Building.objects.order_by("pk").first()
    street = f"{building.street_type} {building.street_name}".strip()
    return {
        "home": (SIGNED_OUT, "/"),
        "login": (SIGNED_OUT, "/comptes/login/"),
        "signup": (SIGNED_OUT, "/comptes/signup/"),
        "legal": (SIGNED_OUT, "/mentions-legales/"),
        "accessibility": (SIGNED_OUT, "/accessibilite/"),
        "site_map": (SIGNED_OUT, "/plan-du-site/"),
        "plan": (SIGNED_OUT, "/feuille-de-route/"),
        "fmin": (SIGNED_OUT, "/fmin/"),
        "pass": (SIGNED_OUT, "/pass-numerique/"),
        "explorateurs": (SIGNED_OUT, "/explorateurs/"),
        "marketplace": (SIGNED_OUT, "/adopte-une-innovation/"),
        "resources": (SIGNED_OUT, "/ressources/"),
        "participation": (SIGNED_OUT, "/participation/"),
        "engineering": (SIGNED_OUT, "/accompagnement/"),
        "ftth_search": (SIGNED_OUT, f"/fibre/?q={street}"),
        "ftth_building": (SIGNED_OUT, f"/fibre/immeubles/{building.pk}/"),
        "dashboard": (AGENT, "/espace/"),
        "fmin_form": (AGENT, f"/fmin/candidatures/{draft.pk}/modifier/"),
        "explorateurs_form": (AGENT, "/explorateurs/projets/nouveau/"),
        "marketplace_form": (AGENT, "/adopte-une-innovation/besoins/nouveau/"),
        "resources_form": (AGENT, "/ressources/contribuer/"),
        "engineering_form": (AGENT, "/accompagnement/demandes/nouvelle/"),
        "pass_redeem": (MEDIATION, "/pass-numerique/valider/"),
        "copil_report": (STAFF, report.get_absolute_url()),
        "copil_report_pdf": (STAFF, report.get_absolute_url() + "telecharger/"),
        "admin_list": (STAFF, "/admin/actions/copilsession/"),
        "admin_form": (STAFF, f"/admin/actions/copilsession/{closed.pk}/change/"),
    }


def sign_in(page, email: str, *, second_factor: bool) -> None:
    page.context.clear_cookies()
    page.goto("/comptes/login/")
    page.get_by_label("Courriel").fill(email)
    page.get_by_label("Mot de passe").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Connexion").click()
    if second_factor:
        page.get_by_label("Code").fill(current_demo_code())
        page.get_by_label("Code").press("Enter")
    page.wait_for_url("**/espace/")


def test_every_sample_page_passes_axe_and_the_audit_checks(page, reference):
    accounts = {account.role: account for account in load_demo()}
    audit = load_audit()
    addresses = sample_addresses()
    assert set(addresses) == {p.id for p in audit.pages}, "chaque page de l'échantillon de l'audit est vérifiée ici"
    problems, facts = {}, {}
    signed_in = "?"
    for sample_page in sorted(audit.pages, key=lambda p: str(addresses[p.id][0])):
        role, url = addresses[sample_page.id]
        if role != signed_in:
            if role is None:
                page.context.clear_cookies()
            else:
                sign_in(page, accounts[role].email, second_factor=role == STAFF)
            signed_in = role
        if sample_page.id == "copil_report_pdf":
            response = page.request.get(url)
            assert response.status == 200
            assert_tagged_pdf(response.body(), title="Rapport d'évaluation")
            assert PdfReader(io.BytesIO(response.body())).pages
            continue
        width = 360 if sample_page.id == "pass_redeem" else 1280
        page.set_viewport_size({"width": width, "height": 800})
        response = page.goto(url)
        assert response.status == 200, (sample_page.id, url, response.status)
        found = []
        results = axe.run(page, options=AXE_OPTIONS)
        found += [f"axe {v['id']} ({len(v['nodes'])})" for v in results.response["violations"]]
        seen = page.evaluate(PAGE_FACTS)
        page.set_viewport_size({"width": 320, "height": 640})
        seen["sideways_320"] = page.evaluate(PAGE_FACTS)["sideways"]
        facts[sample_page.id] = {**seen, "url": url}
        if seen["doctype"] != "html" or seen["lang"] != "fr" or not seen["title"] or seen["h1"] != 1:
            found.append(f"doctype/lang/title/h1 {seen['doctype']} {seen['lang']} {seen['title']!r} {seen['h1']}")
        for key in ("frames", "new_windows", "unnamed_fields", "unnamed_links", "sideways_320"):
            if seen[key]:
                found.append(f"{key}: {seen[key]}")
        if found:
            problems[sample_page.id] = found
    if os.environ.get("AUDIT_FACTS"):
        with open(os.environ["AUDIT_FACTS"], "w", encoding="utf-8") as out:
            json.dump({"facts": facts, "problems": problems}, out, ensure_ascii=False, indent=1)
    assert problems == {}
