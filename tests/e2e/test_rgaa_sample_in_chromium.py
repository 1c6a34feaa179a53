"""The RGAA 4.1 audit's sample (sman/data/rgaa/audit.yaml), page by page in headless Chromium, after the demo
data is loaded: what the audit records as checked automatically is checked here.

On every page of the sample: axe-core (WCAG 2.0/2.1 A and AA and best practices) finds nothing; the page has a
doctype, ``lang="fr"``, a title, one ``h1``, no frame, no link opening a window, every form field and every
link a name; at 320 px wide the page does not scroll sideways (tables scroll in their own box). The generated
PDF is tagged. A page added to the sample without a way to reach it here fails the test.

Each problem found belongs to an RGAA criterion: one the audit records as non-compliant on that page (with
its fix date) is expected; any other fails the test. The other way round, a non-compliance recorded in the
audit for a criterion this test checks must still be found here: once it is fixed, the audit says so."""

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
    too_wide: [...document.querySelectorAll('body *')]
      .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1
        && !e.closest('.table-wrap, .sr-only, .skip-links'))
      .slice(-3).map(e => e.tagName + '.' + e.className),
  };
}"""

# The criterion each automatic finding belongs to.
AXE_CRITERIA = {
    **dict.fromkeys(("image-alt", "role-img-alt", "svg-img-alt", "input-image-alt"), "1.1"),
    "frame-title": "2.1",
    "color-contrast": "3.2",
    **dict.fromkeys(("empty-table-header", "th-has-data-cells", "td-has-header", "td-headers-attr"), "5.6"),
    "scope-attr-valid": "5.7",
    "link-name": "6.2",
    **dict.fromkeys(("duplicate-id", "duplicate-id-aria", "duplicate-id-active", "nested-interactive"), "8.2"),
    "html-has-lang": "8.3",
    "html-lang-valid": "8.4",
    "document-title": "8.5",
    **dict.fromkeys(("heading-order", "page-has-heading-one", "empty-heading"), "9.1"),
    **dict.fromkeys(("list", "listitem", "definition-list", "dlitem"), "9.3"),
    **dict.fromkeys(("region", "landmark-one-main", "landmark-unique", "landmark-no-duplicate-banner"), "12.6"),
    **dict.fromkeys(("label", "select-name", "label-title-only"), "11.1"),
    "autocomplete-valid": "11.13",
    **dict.fromkeys(("bypass", "skip-link"), "12.7"),
}
FACT_CRITERIA = {
    "frames": "2.1",
    "unnamed_links": "6.2",
    "unnamed_fields": "11.1",
    "sideways_320": "10.11",
    "new_windows": "13.2",
}
CHECKED_HERE = set(AXE_CRITERIA.values()) | set(FACT_CRITERIA.values()) | {"8.1", "8.3", "8.5", "9.1"}

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
    found, facts = {}, {}  # (page id, criterion) -> what was seen
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
        for violation in axe.run(page, options=AXE_OPTIONS).response["violations"]:
            criterion = AXE_CRITERIA.get(violation["id"], f"axe {violation['id']}")
            found.setdefault((sample_page.id, criterion), []).append(
                f"axe {violation['id']} ({len(violation['nodes'])})"
            )
        seen = page.evaluate(PAGE_FACTS)
        page.set_viewport_size({"width": 320, "height": 640})
        narrow = page.evaluate(PAGE_FACTS)
        seen["sideways_320"] = narrow["too_wide"] if narrow["sideways"] else []
        facts[sample_page.id] = {**seen, "url": url}
        expected = {"doctype": "html", "lang": "fr", "h1": 1}
        for key, criterion in (("doctype", "8.1"), ("lang", "8.3"), ("title", "8.5"), ("h1", "9.1")):
            if (seen[key] != expected[key]) if key in expected else not seen[key]:
                found.setdefault((sample_page.id, criterion), []).append(f"{key}: {seen[key]!r}")
        for key, criterion in FACT_CRITERIA.items():
            if seen[key]:
                found.setdefault((sample_page.id, criterion), []).append(f"{key}: {seen[key]}")
    if os.environ.get("AUDIT_FACTS"):
        with open(os.environ["AUDIT_FACTS"], "w", encoding="utf-8") as out:
            problems = {f"{page_id} {criterion}": seen for (page_id, criterion), seen in found.items()}
            json.dump({"facts": facts, "problems": problems}, out, ensure_ascii=False, indent=1)
    recorded = {
        (page_id, criterion.number)
        for criterion in audit.criteria
        for page_id, status in criterion.results.items()
        if status == "NC" and page_id != "copil_report_pdf"
    }
    unexpected = {key: seen for key, seen in found.items() if key not in recorded}
    assert unexpected == {}, "non-conformités absentes de l'audit (sman/data/rgaa/audit.yaml)"
    fixed = {key for key in recorded if key[1] in CHECKED_HERE and key not in found}
    assert fixed == set(), "non-conformités corrigées : mettez l'audit à jour"
