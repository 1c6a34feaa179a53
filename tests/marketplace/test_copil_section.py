"""The marketplace's section of the COPIL report: needs posted, answered and adopted per semester, until the
session's date, rendered to PDF by WeasyPrint."""

import io
from datetime import date, datetime

import pytest
from django.apps import apps
from django.template.loader import render_to_string
from django.utils import timezone
from pypdf import PdfReader

from marketplace import reports, services
from marketplace.models import Need, Response
from sman.documents import render_pdf

from .conftest import need_fields

pytestmark = pytest.mark.django_db


def at(year, month, day):
    return timezone.make_aware(datetime(year, month, day, 10))


def pdf_text(data: bytes) -> str:
    return "".join("".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages).split())


@pytest.fixture
def history(market):
    """Besides the fixture's needs (published, answered and adopted today): three needs of 2025 — posted in the
    first semester; one answered in the first and one in the second semester; one adopted in the second."""
    agent, member, member_user = market.users["commune_agent"], market.extra["member"], market.users["member"]
    needs = []
    for _ in range(3):
        need = services.need_create(user=agent, buyer=market.commune_org, fields=need_fields(market.commune))
        services.need_publish(user=agent, need=need)
        needs.append(need)
    Need.objects.filter(pk__in=[n.pk for n in needs]).update(published_at=at(2025, 3, 2))
    first = services.response_submit(
        user=member_user, need=needs[0], member=member, proposal="Offre", solution=market.extra["solution"]
    )
    second = services.response_submit(user=member_user, need=needs[1], member=member, proposal="Offre")
    Response.objects.filter(pk=first.pk).update(submitted_at=at(2025, 6, 30))
    Response.objects.filter(pk=second.pk).update(submitted_at=at(2025, 7, 1))
    services.need_decide(user=agent, need=needs[0], outcome=Need.Outcome.ADOPTED, response=first)
    Need.objects.filter(pk=needs[0].pk).update(decided_at=at(2025, 11, 20))
    return market


def test_the_section_counts_needs_per_semester_until_the_session(history):
    today = timezone.localdate()
    template, context = reports.copil_section(today)
    rows = {s["label"]: (s["posted"], s["answered"], s["adopted"]) for s in context["semesters"]}
    this = f"{'1er' if today.month <= 6 else '2nd'} semestre {today.year}"
    assert rows["1er semestre 2025"] == (3, 1, 0)
    assert rows["2nd semestre 2025"] == (0, 1, 1)
    # The fixture's needs: published (answered twice), adopted, closed → posted 3, answered 2, adopted 1.
    assert rows[this] == (3, 2, 1)
    assert list(rows)[:2] == ["1er semestre 2025", "2nd semestre 2025"]  # oldest first
    assert context["totals"] == {"posted": 6, "answered": 4, "adopted": 2}

    # A session held on 31 December 2025 sees nothing after it.
    _, before = reports.copil_section(date(2025, 12, 31))
    assert [(s["label"], s["posted"], s["answered"], s["adopted"]) for s in before["semesters"]] == [
        ("1er semestre 2025", 3, 1, 0),
        ("2nd semestre 2025", 0, 1, 1),
    ]
    assert reports.copil_section(date(2024, 12, 31)) is None  # no need yet

    html = render_to_string(template, {"section": before})
    assert '<th scope="row">2nd semestre 2025</th><td class="num">0</td><td class="num">1</td>' in html
    text = pdf_text(render_pdf(template, {"section": before}))
    assert "besoinsdescollectivitésparsemestre,jusqu'au31décembre2025" in text
    assert "1ersemestre2025310" in text
    assert "2ndsemestre2025011" in text
    assert "Total321" in text


def test_the_copil_report_shows_the_section_in_action_6_s_part(history):
    """Through the kit's hook (``ModuleConfig.report_section``): the whole report, rendered by WeasyPrint."""
    from actions import services as copil
    from actions.reports import render_report_pdf

    assert apps.get_app_config("marketplace").report_section == "marketplace.reports.copil_section"
    staff = history.users["staff"]
    session = copil.copil_session_create(user=staff, year=2025, semester=2, on=date(2025, 12, 31))
    pages = [
        "".join((page.extract_text() or "").split()) for page in PdfReader(io.BytesIO(render_report_pdf(session))).pages
    ]
    section = [i for i, text in enumerate(pages) if text.startswith("Action#6")]
    assert section, "no page starts the part of action #6"
    part = "".join(pages[section[0] : section[0] + 3])
    assert "besoinsdescollectivitésparsemestre,jusqu'au31décembre2025" in part
    assert "1ersemestre2025310" in part and "2ndsemestre2025011" in part and "Total321" in part
    elsewhere = "".join(pages[: section[0]])
    assert "besoinsdescollectivitésparsemestre" not in elsewhere  # only in the marketplace's action
