"""What a resource is about, explicitly: an FMIN project, an Explorateurs project, a Bâtisseurs group, a
marketplace solution, an action of the plan — chosen among what the public sees, shown on the resource's page,
and listed back (« Ressources liées ») on those pages; module drafts get their link from their source."""

import importlib

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.test import Client

from actions.models import Action
from explorateurs.models import SupportNote
from resources import services
from resources.forms import ResourceForm
from resources.links import LINKS
from resources.models import Resource

from ..auth import login
from ..factories import (
    ApplicationFactory,
    ExplorerProjectFactory,
    ResourceFactory,
    SolutionFactory,
    WorkingGroupFactory,
)
from .conftest import agent_of

pytestmark = pytest.mark.django_db


def url_of(field, target) -> str:
    return next(link for link in LINKS if link.field == field).url(target)


@pytest.fixture
def targets(centre):
    return {
        "fmin_application": ApplicationFactory(funded=True, decision__decided_by=centre.moderator),
        "explorer_project": ExplorerProjectFactory(),
        "working_group": WorkingGroupFactory(),
        "solution": SolutionFactory(published=True),
        "action": Action.objects.select_related("roadmap").get(roadmap__code="2019-2020", number=7),
    }


def test_a_published_resource_links_to_what_it_is_about_and_those_pages_list_it_back(centre, targets):
    resource = centre.published(**targets)
    draft = centre.draft(title="Un brouillon sur le même sujet", **targets)
    page = Client().get(resource.get_absolute_url()).content.decode()
    for field, target in targets.items():
        assert f'href="{url_of(field, target)}"' in page
    for field, target in targets.items():
        other = Client().get(url_of(field, target))
        assert other.status_code == 200, target
        html = other.content.decode()
        assert "Ressources liées" in html and f'href="{resource.get_absolute_url()}"' in html, target
        assert draft.slug not in html  # a draft is never listed


def test_pages_without_linked_resources_show_no_empty_section(centre, targets):
    for field, target in targets.items():
        assert "Ressources liées" not in Client().get(url_of(field, target)).content.decode()


def test_only_what_the_public_sees_can_be_linked(centre, targets):
    hidden = {
        "fmin_application": ApplicationFactory(submitted=True),  # a file under instruction: no public page
        "working_group": WorkingGroupFactory(is_active=False),
        "solution": SolutionFactory(),  # a draft solution
    }
    form = ResourceForm(with_organisation=False)
    for field, target in hidden.items():
        assert target not in form.fields[field].queryset
        assert targets[field] in form.fields[field].queryset
        with pytest.raises(ValidationError) as error:
            centre.draft(**{field: target})
        assert field in error.value.message_dict
        resource = centre.draft()
        with pytest.raises(ValidationError):
            services.resource_update(resource=resource, user=centre.author, **{field: target})


def test_the_contribution_form_saves_the_links(centre, targets, client):
    login(client, centre.author)
    response = client.post(
        "/ressources/contribuer/",
        {
            "organisation": centre.montreuil.pk, "kind": "feedback", "title": "Le guichet et la solution",
            "summary": "Ce que nous avons appris.", "body": "<p>Texte.</p>", "themes": ["citizen_relations"],
            "licence": "lo-2.0", "solution": targets["solution"].pk, "working_group": targets["working_group"].pk,
            "explorer_project": targets["explorer_project"].pk, "action": targets["action"].pk,
        },
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:3000]
    resource = Resource.objects.get(title="Le guichet et la solution")
    assert resource.solution == targets["solution"] and resource.working_group == targets["working_group"]
    assert resource.explorer_project == targets["explorer_project"] and resource.action == targets["action"]


def test_a_module_draft_carries_its_link(centre, targets):
    resource = services.draft_from_module(
        kind="explorer_note", title="Note d'exploration", summary="Ce que nous avons vu.", body="<p>Note.</p>",
        author=centre.author, organisation=centre.montreuil, source_app="explorateurs.project",
        source_id=targets["explorer_project"].pk, explorer_project=targets["explorer_project"],
    )  # fmt: skip
    assert resource.explorer_project == targets["explorer_project"]


def test_the_data_migration_links_drafts_from_their_source(centre, targets):
    migration = importlib.import_module("resources.migrations.0003_explicit_links")
    project = targets["explorer_project"]
    note = SupportNote.objects.create(project=project, body="Atelier de qualification.", author=centre.author)
    application = targets["fmin_application"]
    from fmin.services import _plan_follow_up

    _plan_follow_up(application, application.decision)
    report = application.reports.first()
    from_note = ResourceFactory(source_app="explorateurs.note", source_id=note.pk, author=agent_of(centre.montreuil))
    from_report = ResourceFactory(source_app="fmin.report", source_id=report.pk)
    from_solution = ResourceFactory(source_app="marketplace.solution", source_id=targets["solution"].pk)
    orphan = ResourceFactory(source_app="explorateurs.note", source_id=note.pk + 1000)
    migration.link_module_drafts(apps, None)
    for resource in (from_note, from_report, from_solution, orphan):
        resource.refresh_from_db()
    assert from_note.explorer_project == project
    assert from_report.fmin_application == application
    assert from_solution.solution == targets["solution"]
    assert orphan.explorer_project is None
