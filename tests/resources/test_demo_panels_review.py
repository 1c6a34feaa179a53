"""Demo data (each demo account finds work waiting), « Mon espace », the territory panel, the indicators, the
usage counters and the annual review PDF."""

import io
from datetime import date

import pytest
from django.test import RequestFactory
from django.utils import timezone
from pypdf import PdfReader

from resources import demo, panels, review, services
from resources.models import AnnualReview, DailyUsage, Kind, Resource
from sman.indicators import providers
from sman.models import Territory

from ..factories import ApplicationFactory, ResourceFactory, UserFactory, collectivity_of, territory
from ..pdfs import assert_tagged_pdf

pytestmark = pytest.mark.django_db


def _panel(user):
    request = RequestFactory().get("/")
    request.user = user
    return panels.space_panel(request)


def test_the_demo_data_loads_once_and_leaves_work_waiting(world):
    demo.load_demo(world.users)
    demo.load_demo(world.users)  # idempotent
    published = Resource.objects.published()
    assert set(published.values_list("kind", flat=True)) == set(Kind.values) - {Kind.ANNUAL_REVIEW}
    assert published.filter(kind="feedback").count() == len(demo.ANNEX_3)
    assert not Resource.objects.filter(is_demo=False).exists()
    assert all(
        "exemple de démonstration" in r.current_version.title for r in published.select_related("current_version")
    )
    assert Resource.objects.filter(state="in_review").count() == 1
    labels = lambda role: [t.label for t in _panel(world.users[role]).todos]  # noqa: E731
    assert labels("commune_agent") == ["1 commentaire de modérateur à lire", "1 modification suggérée à examiner"]
    assert labels("staff") == ["2 ressources à relire"]
    assert Resource.objects.get(title__contains="Guide : ouvrir les données").uses.count() == 0  # its own EPT
    assert Resource.objects.get(title__contains="Asnières").uses.count() == 1


def test_a_citizen_with_nothing_here_has_no_panel(reference):
    assert _panel(UserFactory()) is None


def test_a_territory_panel_lists_the_resources_about_places_within_it(reference):
    ResourceFactory(published=True, territories=[territory("93048")])
    ResourceFactory(territories=[territory("93048")])  # draft
    template, context = panels.territory_panel(Territory.objects.get(code="T8"))
    assert context["count"] == 1
    assert panels.territory_panel(Territory.objects.get(code="T1")) is None


def test_indicators_count_resources_collectivities_and_anonymous_usage(centre):
    resource = centre.published(territories=[territory("93055")])
    centre.published(title="Autre", territories=[])
    services.use_mark(resource=resource, user=centre.other_agent, organisation=collectivity_of("93055"), note="Oui")
    services.view_record(resource=resource)
    services.view_record(resource=resource)
    services.download_record(resource=resource)
    today = timezone.localdate()
    t8, t1 = Territory.objects.get(code="T8"), Territory.objects.get(code="T1")
    published = providers["resources.published"]
    assert published.value(today) == 2 and published.value(today, t8) == 1 and published.value(today, t1) == 0
    applying = providers["resources.collectivities_applying"]
    assert applying.value(today) == 1 and applying.value(today, t8) == 1 and applying.value(today, t1) == 0
    from sman.indicators import TerritoryTree

    batch = published.values(today, TerritoryTree())
    assert batch[None] == 2 and batch[t8.pk] == 1 and batch[t1.pk] == 0
    assert providers["resources.views"].value(today) == 2
    assert providers["resources.downloads"].value(today) == 1
    usage = DailyUsage.objects.get()
    assert (usage.views, usage.downloads, usage.day) == (2, 1, today)


def test_the_annual_review_is_a_pdf_of_the_years_figures_published_as_a_resource(
    centre, django_capture_on_commit_callbacks
):
    year = timezone.localdate().year
    centre.published(title="Un guichet numérique unique")
    ApplicationFactory(funded=True, decision__decided_by=centre.moderator, title="Projet financé de l'année",
                       call__year=year)  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        job = review.annual_review_request(
            user=centre.moderator, year=year, introduction="Une année de coopération.\n\nDeuxième paragraphe."
        )
    job.refresh_from_db()
    assert job.state == "done", job.error_detail
    content = job.file.read()
    job.file.close()
    assert_tagged_pdf(content, title=f"Bilan annuel {year}")
    text = " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(content)).pages)
    for expected in (f"Bilan annuel {year}", "Une année de coopération.", "Ressources publiées au centre de ressources",
                     "T8", "Projet financé de l'année", "Le Pass Numérique", "1 ressource publiée"):  # fmt: skip
        assert expected in text, expected
    resource = job.resource
    assert resource.kind == "annual_review" and resource.is_public and resource.author == centre.moderator
    assert resource.attachments.get().published
    # Again for the same year: a new version of the same resource, not a second resource.
    with django_capture_on_commit_callbacks(execute=True):
        again = review.annual_review_request(user=centre.moderator, year=year, introduction="Version corrigée.")
    again.refresh_from_db()
    assert again.resource == resource and resource.versions.count() == 2
    assert resource.attachments.count() == 1
    assert Resource.objects.filter(kind="annual_review").count() == 1


def test_only_staff_ask_for_an_annual_review_of_a_begun_year(centre):
    from django.core.exceptions import PermissionDenied, ValidationError

    with pytest.raises(PermissionDenied):
        review.annual_review_request(user=centre.author, year=2020, introduction="x")
    with pytest.raises(ValidationError):
        review.annual_review_request(user=centre.moderator, year=date.today().year + 1, introduction="x")
    AnnualReview.objects.create(year=2020, introduction="x")  # pending
    with pytest.raises(ValidationError, match="déjà en cours"):
        review.annual_review_request(user=centre.moderator, year=2020, introduction="x")
