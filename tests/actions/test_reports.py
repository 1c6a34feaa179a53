import hashlib
import io
import re
import time
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.files.storage import default_storage
from django.template import TemplateSyntaxError
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from actions import report_figures, reports, selectors, services
from actions.models import Action, BudgetLine, Indicator, IndicatorValue, Report
from actions.reports import render_report_pdf, report_context
from actions.rules import Light
from sman import jobs
from sman.celery import app
from sman.models import Organisation, Territory

from ..auth import login
from ..factories import MembershipFactory, UserFactory
from ..pdfs import assert_tagged_pdf


def _session_with_opinions(staff, copil):
    session = services.copil_session_create(user=staff, year=2020, semester=1, on=date(2020, 6, 15))
    for review in session.reviews.all():
        opinion = {17: "abandon", 10: "scale_up"}.get(review.action.number, "keep")
        services.review_record_opinion(
            review=review, user=copil, version=0, opinion=opinion, reasons=f"Motif de l'avis n°{review.action.number}."
        )
    indicator = Indicator.objects.create(
        action=session.reviews.get(action__number=2).action, name="Logements raccordables", definition="Part.",
        kind="result", unit="%", target_value=100, target_date=date(2022, 12, 31), source="ARCEP",
    )  # fmt: skip
    for month, value in ((1, 60), (6, 72)):
        IndicatorValue.objects.create(
            indicator=indicator, date=date(2020, month, 1), value=Decimal(value), author=copil
        )
    services.recommendation_add(session=session, user=copil, programme="fmin", text="Renouveler le fonds.")
    return session


def _pdf_text(data: bytes) -> str:
    return "".join("".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages).split())


@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_renders_the_report(celery_worker_process, reference, client):
    staff, copil = UserFactory(staff=True), UserFactory(copil=True)
    session = _session_with_opinions(staff, copil)
    report = Report.objects.create(session=session, requested_by=copil)
    app.send_task("actions.tasks.generate_report", args=[report.pk])
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        report.refresh_from_db()
        if report.state in (Report.State.DONE, Report.State.FAILED):
            break
        time.sleep(0.5)
    assert report.state == Report.State.DONE, report.error
    with default_storage.open(report.file.name) as f:
        data = f.read()
    assert data.startswith(b"%PDF") and hashlib.sha256(data).hexdigest() == report.checksum
    text = _pdf_text(data)
    for review in session.reviews.select_related("action"):
        assert "".join(review.action.title.split()) in text, review.action.number
        assert "".join(review.get_opinion_display().split()) in text
    assert "Renouvelerlefonds." in text and "Sommaire" in text and "Page1sur" not in text[:50]
    login(client, copil)
    assert "prêt" in client.get(report.get_absolute_url()).content.decode()
    download = client.get(f"/copil/rapports/{report.pk}/telecharger/")
    assert download["Content-Type"] == "application/pdf" and b"".join(download.streaming_content) == data


@pytest.mark.django_db
def test_a_failing_render_ends_failed_without_a_file(
    reference, monkeypatch, client, django_capture_on_commit_callbacks
):
    staff, copil = UserFactory(staff=True), UserFactory(copil=True)
    session = services.copil_session_create(user=staff, year=2020, semester=1, on=date(2020, 6, 15))

    def broken(_session):
        raise TemplateSyntaxError("balise inconnue « chart »")

    monkeypatch.setattr("actions.reports.render_report_pdf", broken)
    with django_capture_on_commit_callbacks(execute=True):
        report = services.report_request(session=session, user=copil)  # its task runs (eagerly)
    report.refresh_from_db()
    assert report.state == Report.State.FAILED and report.finished_at
    # People read a French sentence; the exception is the technical detail, for staff only.
    assert report.error == jobs.UNEXPECTED_FAILURE
    assert "TemplateSyntaxError" in report.error_detail and "balise inconnue" in report.error_detail
    assert not report.file and not report.checksum
    # The page's button sends the same report again (sman/jobs.py), from its first attempt.
    login(client, copil)
    page = client.get(report.get_absolute_url()).content.decode()
    assert "Relancer la production" in page and "s&#x27;est arrêté sur une erreur inattendue" in page
    assert "TemplateSyntaxError" not in page
    staff_page = login(Client(), staff).get(report.get_absolute_url()).content.decode()
    assert "Détail technique" in staff_page and "TemplateSyntaxError" in staff_page
    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("actions:report_retry", args=[report.pk]))
    assert response.status_code == 302 and response.url == report.get_absolute_url()
    report.refresh_from_db()
    assert (report.state, report.attempts, report.error, report.error_detail) == (Report.State.DONE, 1, "", "")
    assert report.checksum and Report.objects.filter(session=session).count() == 1


@pytest.mark.django_db
def test_a_second_request_while_one_is_pending_starts_no_second_job(reference):
    staff, copil = UserFactory(staff=True), UserFactory(copil=True)
    session = services.copil_session_create(user=staff, year=2020, semester=2, on=date(2020, 12, 1))
    first = services.report_request(session=session, user=copil)  # on_commit never fires inside a test transaction
    second = services.report_request(session=session, user=staff)
    assert first.pk == second.pk and Report.objects.filter(session=session).count() == 1


@pytest.mark.django_db
def test_report_pdf_in_process(reference, django_capture_on_commit_callbacks):
    staff, copil = UserFactory(staff=True), UserFactory(copil=True)
    session = _session_with_opinions(staff, copil)
    with django_capture_on_commit_callbacks(execute=True):
        report = services.report_request(session=session, user=copil)
    report.refresh_from_db()
    assert report.state == Report.State.DONE, report.error
    with default_storage.open(report.file.name) as f:
        text = _pdf_text(f.read())
    assert "Diffusion(passageàl'échelle)" in text or "diffusion(passageàl'échelle)" in text


# --- The report's content, for a session of the 17 actions ------------------------------------------------------

OPINIONS_NOW = {10: "scale_up", 17: "abandon"}


def _two_sessions(staff, copil):
    """2020 S1 (every action kept), then 2020 S2 where #2 progressed and finished a milestone, #10 is scaled up and
    #17 abandoned; budgets for #2 and #3, an agent in Montreuil (T8) for a territorial figure."""
    previous = services.copil_session_create(user=staff, year=2020, semester=1, on=date(2020, 6, 15))
    for review in previous.reviews.all():
        services.review_record_opinion(review=review, user=copil, version=0, opinion="keep", reasons="Maintenue.")
    services.session_close(session=previous, user=staff)
    action_2 = Action.objects.get(roadmap__code="2019-2020", number=2)
    services.action_update(action=action_2, user=staff, status="in_progress", progress=40)
    milestone = action_2.milestones.order_by("order", "planned_end").first()
    milestone.actual_date = date(2020, 9, 1)
    milestone.save()
    for number, allocated, spent in ((2, 100_000_00, 50_000_00), (3, 60_000_00, 10_000_00)):
        BudgetLine.objects.create(
            action=Action.objects.get(roadmap__code="2019-2020", number=number),
            year=2020, allocated_cents=allocated, committed_cents=spent, spent_cents=spent,
        )  # fmt: skip
    montreuil = Organisation.objects.get(kind=Organisation.Kind.COLLECTIVITY, territory__code="93048")
    MembershipFactory(organisation=montreuil)
    session = services.copil_session_create(user=staff, year=2020, semester=2, on=date(2020, 12, 1))
    for review in session.reviews.select_related("action"):
        number = review.action.number
        services.review_record_opinion(
            review=review, user=copil, version=0, opinion=OPINIONS_NOW.get(number, "keep"),
            reasons=f"Motif de l'avis n°{number}.",
        )  # fmt: skip
    services.recommendation_add(session=session, user=copil, programme="fmin", text="Renouveler le fonds.")
    return previous, session, milestone


def _pages(data: bytes) -> list[str]:
    return ["".join((page.extract_text() or "").split()) for page in PdfReader(io.BytesIO(data)).pages]


def _toc_page(pages: list[str], label: str) -> int:
    """The page number the table of contents gives ``label`` (its dotted leader, then the number)."""
    toc = next(page for page in pages if page.startswith("Sommaire"))
    match = re.search(re.escape("".join(label.split())) + r"[^.]*\.{3,}(\d+)", toc)
    assert match, f"{label} is not in the table of contents"
    return int(match.group(1))


@pytest.mark.django_db
def test_the_report_of_a_17_action_session(reference):
    staff, copil = UserFactory(staff=True), UserFactory(copil=True)
    previous, session, milestone = _two_sessions(staff, copil)
    data = render_report_pdf(session)
    assert_tagged_pdf(data, title=f"Rapport d'évaluation — {session}")
    pages = _pages(data)
    text = "".join(pages)
    reviews = list(session.reviews.select_related("action"))
    assert len(reviews) == 17
    for review in reviews:
        assert "".join(review.action.title.split()) in text, review.action.number
        assert f"Motifdel'avisn°{review.action.number}." in text
    for label in ("maintien", "diffusion(passageàl'échelle)", "abandon"):
        assert f"AvisduCOPIL:{label}" in text

    # The table of contents gives each part's page, and the part starts on that page.
    assert pages[_toc_page(pages, "Synthèse") - 1].startswith("Synthèse")
    assert pages[_toc_page(pages, "Action #10") - 1].startswith("Action#10–")
    assert pages[_toc_page(pages, "Les territoires") - 1].startswith("Lesterritoires")
    assert pages[_toc_page(pages, "Annexe B") - 1].startswith("AnnexeB")

    # Executive summary: traffic lights as the rules compute them, budget sums, opinions before → now.
    summary = pages[_toc_page(pages, "Synthèse") - 1]
    actions = selectors.with_follow(Action.objects.active().with_related(), today=session.date)
    for light, label in Light.LABELS.items():
        count = sum(1 for a in actions if a.follow.light == light)
        assert f"{label.capitalize().replace(' ', '')}{count}" in summary, label
    assert "Alloué160000€" in summary and "Dépensé60000€" in summary and "37,5%" in summary
    assert "Séancedu15juin2020" in summary and "Cetteséance(1erdécembre2020)" in summary
    assert "Maintien1715" in summary and "Diffusion(passageàl'échelle)01" in summary and "Abandon01" in summary
    assert "Action#10:maintien→diffusion(passageàl'échelle)" in summary
    assert "Action#17:maintien→abandon" in summary

    # What changed for action #2 since the previous session, and its module's computed figures.
    section_2 = "".join(pages[_toc_page(pages, "Action #2") - 1 : _toc_page(pages, "Action #3") - 1])
    assert "Avancement:0%→40%(+40points)" in section_2
    assert f"Jalonsréalisésdepuis:{''.join(milestone.title.split())}(le1erseptembre2020)" in section_2
    assert "Avis:inchangé(maintien)" in section_2
    assert "Logementsraccordablesàlafibre0%" in section_2
    section_10 = "".join(pages[_toc_page(pages, "Action #10") - 1 : _toc_page(pages, "Action #11") - 1])
    assert "Avis:maintien→diffusion(passageàl'échelle)" in section_10 and "SubventionsFMINengagées0€" in section_10
    assert "Cetteactionn'apasdemodulesurleportail" in "".join(
        pages[_toc_page(pages, "Action #1 ") - 1 : _toc_page(pages, "Action #2") - 1]
    )

    # The territories: the 12 EPTs with the Métropole's figure beside; Montreuil's agent counts for T8.
    territories = "".join(pages[_toc_page(pages, "Les territoires") - 1 : _toc_page(pages, "Recommandations") - 1])
    for ept in Territory.objects.epts():
        assert "".join(f"{ept.code} {ept.name}".split()) in territories, ept.code
    assert "Collectivitésayantaumoinsunagentinscrit(nombre)—Métropole:1" in territories
    assert "TerritoireValeurPour10000hab.Métropole,pour10000hab.ParrapportàlaMétropole" in territories
    assert "T8EstEnsemble1" in territories and "au-dessus" in territories and "nonatteint" in territories
    assert "Logementsraccordablesàlafibre(%):aucunevaleurdanslaMétropole" in territories
    annex = "".join(pages[_toc_page(pages, "Annexe B") - 1 :])
    assert "Montreuil" in annex and "T8EstEnsemble" in annex and "Métropole" in annex
    # A figure with a value in some commune is a column; one with none is named once, not a column of zeros.
    assert "Colonnes:1Collectivitésayantaumoinsunagentinscrit(nombre)." in annex
    # RGAA 5.1: the complex table (row groups) is preceded by a summary of how to read it, and has a title.
    assert "Lecturedutableau:unelignepar commune".replace(" ", "") in annex
    assert "Lesindicateursparcommune,lescommunesgroupéesparEPT" in annex
    assert "Sansvaleurdansaucunecommuneau1erdécembre2020(0partout,doncsanscolonne):" in annex
    assert "Logementsraccordablesàlafibre(%)" in annex.split("doncsanscolonne")[1]
    assert "Renouvelerlefonds." in text


@pytest.mark.django_db
def test_a_session_with_reviews_but_no_data_still_renders(reference):
    staff = UserFactory(staff=True)
    session = services.copil_session_create(user=staff, year=2019, semester=2, on=date(2019, 12, 1))
    text = "".join(_pages(render_report_pdf(session)))
    assert "17actionsexaminées" in text and "Aucuneséanceprécédente." in text
    assert "Premièreséance:aucuneséanceprécédenteàcomparer." in text
    assert "AvisduCOPIL:nonrendu" in text and "Aucunindicateurn'estdéfinipourcetteaction." in text
    assert "Aucunerecommandationn'aétéformulée" in text and "Aucunindicateurn'estdéfinipourlesactionsexaminées" in text
    assert "Leresponsablen'apasrédigédeprésentation" in text and "Aucunjalon" in text


@pytest.mark.django_db
def test_the_report_context_reads_territories_in_a_few_queries(reference, django_assert_max_num_queries):
    staff, copil = UserFactory(staff=True), UserFactory(copil=True)
    _previous, session, _milestone = _two_sessions(staff, copil)
    # A fixed few per part of the report, not one per territory: the modules' figures cost at most about one
    # query per provider (42 queries with 47 providers, 47 with 51), whatever the number of territories (142).
    providers = {p.key for action in Action.objects.all() for p in report_figures.module_providers(action.module)}
    with django_assert_max_num_queries(len(providers) + 8):
        context = report_context(session)
    tables = context["territorial"]
    assert [row.territory.code for row in tables[0].rows] == [f"T{n}" for n in range(1, 13)]
    assert len(context["commune_groups"]) == 12 and sum(len(g["communes"]) for g in context["commune_groups"]) == 130
    columns, empty = context["commune_columns"], context["commune_empty"]
    assert [t.provider.key for t in columns] == ["sman.collectivities_with_agents"]
    assert all(not any(row.value for row in table.rows) for table in empty)
    assert len(columns) + len(empty) == len(tables)


def test_an_action_s_computed_figures_are_its_module_s():
    assert [p.key for p in report_figures.module_providers("ftth")] == ["ftth.premises_connectable_rate"]
    assert {p.key.split(".")[0] for p in report_figures.module_providers("fmin")} == {"fmin"}
    assert "passnumerique.tickets_redeemed" in [p.key for p in report_figures.module_providers("passnumerique")]
    assert report_figures.module_providers("") == [] and report_figures.module_providers("explorateur") == []
    assert report_figures.format_value(Decimal("12345.5"), "€") == "12\u00a0346\u00a0€"
    assert report_figures.format_value(Decimal("72.50"), "%") == "72,5\u00a0%"
    assert report_figures.format_value(Decimal("1204"), "tickets") == "1\u00a0204"


def test_long_series_are_shown_month_by_month():
    values = [IndicatorValue(date=date(2024, 1, 1) + timedelta(days=n), value=n) for n in range(366)]
    kept, sampled = reports.monthly(values)
    assert sampled and len(kept) == 12 and kept[0].date == date(2024, 1, 31) and kept[-1].date == date(2024, 12, 31)
    assert reports.monthly(values[:20]) == (values[:20], False)
