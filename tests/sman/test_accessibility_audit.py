"""The RGAA 4.1 audit (sman/data/rgaa/audit.yaml), its compliance rate, and the pages generated from it: the
declaration, the multi-year plan, the action plan and the footer must say what the file says."""

import ast
import copy
import re
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from sman import accessibility
from sman.accessibility import (
    AUDIT_FILE,
    NA,
    NC,
    AuditError,
    C,
    average_page_rate,
    combined_status,
    compliance_level,
    compliance_rate,
    load_audit,
    parse_audit,
)

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def raw_audit() -> dict:
    with open(AUDIT_FILE, encoding="utf-8") as stream:
        return yaml.safe_load(stream)


# The formula, on a case computed by hand.


def test_the_rgaa_formula_on_a_hand_computed_sample():
    # Three pages, four criteria:
    #   1.1: C, NA, NA  -> C  (compliant on one page, not applicable elsewhere)
    #   1.2: C, NC, C   -> NC (fails on one page)
    #   1.3: NA, NA, NA -> NA (applies nowhere: out of the rate)
    #   1.4: C, C, C    -> C
    results = {
        "1.1": {"a": C, "b": NA, "c": NA},
        "1.2": {"a": C, "b": NC, "c": C},
        "1.3": {"a": NA, "b": NA, "c": NA},
        "1.4": {"a": C, "b": C, "c": C},
    }
    statuses = [combined_status(by_page.values()) for by_page in results.values()]
    assert statuses == [C, NC, NA, C]
    assert compliance_rate(statuses) == Decimal("66.67")  # 2 / (2 + 1)
    # Per page: a = 3/3, b = 1/2 (1.1 and 1.3 do not apply), c = 2/2; mean (1 + 0.5 + 1) / 3.
    assert average_page_rate(results, ["a", "b", "c"]) == Decimal("83.33")
    assert compliance_level(Decimal("66.67")) == "partiellement conforme"


def test_the_compliance_levels_follow_the_rgaa_thresholds():
    assert compliance_level(Decimal("100.00")) == "totalement conforme"
    assert compliance_level(Decimal("99.99")) == "partiellement conforme"
    assert compliance_level(Decimal("50.00")) == "partiellement conforme"
    assert compliance_level(Decimal("49.99")) == "non conforme"
    assert compliance_rate([NA, NA]) == Decimal("100.00")
    assert compliance_rate([NC, NC]) == Decimal("0.00")


# The file checks itself: contradictions are refused with a clear message.


def test_the_file_holds_the_106_criteria_of_the_rgaa_4_1_with_their_official_titles():
    audit = load_audit()
    assert len(audit.criteria) == 106
    assert [c.number for c in audit.criteria][:3] == ["1.1", "1.2", "1.3"] and audit.criteria[-1].number == "13.12"
    titles = {c.number: c.title for c in audit.criteria}
    assert titles["1.1"] == "Chaque image porteuse d'information a-t-elle une alternative textuelle ?"
    assert titles["12.7"].startswith("Dans chaque page web, un lien d'évitement ou d'accès rapide")
    assert {c.theme for c in audit.criteria} >= {"Images", "Cadres", "Formulaires", "Navigation", "Consultation"}
    # Every criterion has a result on every page of the sample: 106 results per page.
    for page in audit.pages:
        assert sum(1 for c in audit.criteria if page.id in c.results) == 106


def nc(note="Défaut.", fix_by="2027-01-01"):
    return {"pages": ["home"], "note": note, "fix": "Corriger.", "fix_by": fix_by}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["criteria"].pop(40), "manquants ['7.4']"),
        (lambda d: d["criteria"][0]["results"].update({"home": "NC"}), "une NC s'écrit dans non_compliances"),
        (lambda d: d["criteria"][0]["results"].update({"contact": "C"}), "inconnue"),
        (lambda d: d["criteria"][0].update(method="automatic", tests=[]), "par quel test"),
        (lambda d: d["criteria"][0].update(method="manual", checked_on=None), "quand et par qui"),
        (lambda d: d["criteria"][0].update(non_compliances=[nc(note=" ")]), "sans note ou sans correction prévue"),
        (lambda d: d["criteria"][0].update(non_compliances=[nc(fix_by="bientôt")]), "date 'bientôt' invalide"),
        (lambda d: d["criteria"][0].update(non_compliances=[nc(), nc()]), "deux non-conformités sur la page home"),
    ],
)
def test_a_contradiction_in_the_file_is_refused(change, message):
    data = copy.deepcopy(raw_audit())
    change(data)
    with pytest.raises(AuditError, match=re.escape(message)):
        parse_audit(data)


def test_the_audit_meets_the_issue_s_target():
    audit = load_audit()
    assert audit.rate >= 75
    assert audit.compliance == compliance_level(audit.rate)
    # Every non-compliance has a note and a fix date no earlier than the audit.
    for item in audit.non_compliances():
        assert item.note and item.fix and item.fix_by >= audit.date
    assert {c.status for c in audit.criteria} == {C, NC, NA}


def test_every_automatic_criterion_names_tests_that_exist():
    """« Automatic » is a promise: the named test functions exist, so that a renamed or deleted test breaks
    this one instead of silently leaving a criterion unchecked."""
    for criterion in load_audit().criteria:
        if criterion.method != accessibility.AUTOMATIC:
            continue
        for test in criterion.tests:
            path, _, name = test.partition("::")
            source = ROOT / path
            assert source.is_file(), f"{criterion.number}: {path} n'existe pas"
            names = {node.name for node in ast.walk(ast.parse(source.read_text())) if isinstance(node, ast.FunctionDef)}
            assert name in names, f"{criterion.number}: {name} n'est pas dans {path}"


# The pages say what the file says.


def test_the_declaration_shows_the_rate_the_sample_and_every_non_compliance(client):
    audit = load_audit()
    html = client.get("/accessibilite/").content.decode()
    assert f'<strong id="taux-conformite">{audit.rate} %</strong>'.replace(".", ",") in html
    assert f'<strong id="taux-moyen">{audit.average_rate} %</strong>'.replace(".", ",") in html
    assert f'<strong id="etat-conformite">{audit.compliance}</strong>' in html
    counts = audit.counts()
    assert f"{counts['C']} critères conformes, {counts['NC']} non conformes, {counts['NA']} non applicables" in html
    for page in audit.pages:
        assert f'id="page-{page.id}"' in html
    non_compliant = audit.non_compliant()
    assert non_compliant
    assert html.count('<li id="critere-') == len(non_compliant)
    for criterion in non_compliant:
        assert f'<li id="critere-{criterion.number}"><strong>Critère {criterion.number}</strong>' in html
    for item in audit.non_compliances():
        assert escape_text(item.note) in html and escape_text(item.fix) in html
    assert "Défenseur des droits, Libre réponse 71120, 75342 Paris CEDEX 07" in html
    assert "/accessibilite/schema-pluriannuel/" in html and "/accessibilite/plan-d-actions/" in html


def test_the_action_plan_lists_every_non_compliance_with_its_fix_date(client):
    audit = load_audit()
    html = client.get("/accessibilite/plan-d-actions/").content.decode()
    rows = re.findall(r"<tr>\s*<td>(\d\d/\d\d/\d{4})</td>\s*<th scope=\"row\"><a [^>]*>Critère ([\d.]+)</a>", html)
    assert rows == [(f"{item.fix_by:%d/%m/%Y}", item.criterion) for item in audit.non_compliances()]
    assert f"Plan d'actions d'accessibilité {audit.plan['action_year']}" in html
    assert "Échéance" in html


def test_the_audit_grid_and_the_multi_year_plan_come_from_the_file(client):
    audit = load_audit()
    grid = client.get("/accessibilite/audit/").content.decode()
    assert grid.count('<tr id="critere-') == 106
    for criterion in audit.criteria:
        status = {C: "Conforme", NC: "Non conforme", NA: "Non applicable"}[criterion.status]
        row = rf'<tr id="critere-{re.escape(criterion.number)}">\s*<th[^>]*>[^<]*</th>\s*<td>{status}</td>'
        assert re.search(row, grid), criterion.number
    plan = client.get("/accessibilite/schema-pluriannuel/").content.decode()
    for year in audit.plan["years"]:
        assert f"<h2>{year['year']}</h2>" in plan or f"<h3>{year['year']}</h3>" in plan


def test_the_footer_follows_the_rate(client, tmp_path, monkeypatch):
    html = client.get("/").content.decode()
    assert f"Accessibilité : {load_audit().compliance}</a>" in html
    # A new non-compliance on every criterion that was compliant: the rate falls below 50 %, and every page
    # generated from the file says so.
    data = raw_audit()
    for entry in data["criteria"]:
        if entry["results"].get("*") == "C":
            entry.setdefault("non_compliances", []).append(
                {
                    "pages": ["home"],
                    "note": f"Défaut de test {entry['number']}.",
                    "fix": "Corriger.",
                    "fix_by": "2027-06-30",
                }
            )
    drifted = tmp_path / "audit.yaml"
    drifted.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    monkeypatch.setattr(accessibility, "AUDIT_FILE", drifted)
    audit = load_audit()
    assert audit.rate < 50 and audit.compliance == "non conforme"
    assert "Accessibilité : non conforme</a>" in client.get("/").content.decode()
    declaration = client.get("/accessibilite/").content.decode()
    assert f"{audit.rate} %".replace(".", ",") in declaration and "Défaut de test 3.2." in declaration
    assert "Défaut de test 3.2." in client.get("/accessibilite/plan-d-actions/").content.decode()


def test_the_site_map_lists_the_menu_and_the_general_pages(client):
    html = client.get("/plan-du-site/").content.decode()
    for path in ("/", "/territoires/", "/accessibilite/", "/mentions-legales/", "/donnees-personnelles/"):
        assert f'href="{path}"' in html
    assert 'href="/plan-du-site/"' in client.get("/").content.decode()


def escape_text(text: str) -> str:
    from django.utils.html import escape

    return escape(text)
