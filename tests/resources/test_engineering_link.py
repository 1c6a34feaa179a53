"""A deliverable of the pôle d'ingénierie is explicitly about its request: the draft the pôle sends to the centre
carries the link, a contributor may only link a request they read, the resource's page links the request for those
who may open it, the request's page lists its published resources (« Ressources liées »); a draft, submitted or
refused resource is never listed on any page."""

import importlib

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.test import Client

from engineering import services as engineering_services
from resources import services
from resources.forms import ResourceForm
from resources.links import engineering_requests_of

from ..auth import login
from ..engineering.conftest import eng, pdf  # noqa: F401 — the fixture
from ..factories import ResourceFactory, WorkingGroupFactory

pytestmark = pytest.mark.django_db


def _deliverable(eng, req=None):  # noqa: F811
    req = req or eng.in_progress()
    document = engineering_services.document_add(request=req, user=eng.expert, file=pdf("note.pdf"), deliverable=True)
    return req, document


def test_a_deliverable_draft_is_linked_to_its_request_which_lists_it_once_published(eng):  # noqa: F811
    req, document = _deliverable(eng)
    draft = engineering_services.deliverable_to_resource_centre(document=document, user=eng.expert)
    assert draft.engineering_request == req and draft.source_app == "engineering.deliverable"
    agent = login(Client(), eng.agent)
    assert "Ressources liées" not in agent.get(req.get_absolute_url()).content.decode()  # a draft: not listed

    expert = login(Client(), eng.expert)
    form = expert.get(f"/ressources/fiches/{draft.slug}/modifier/").context["form"]
    assert form["engineering_request"].value() == req.pk and req in form.fields["engineering_request"].queryset
    services.resource_update(resource=draft, user=eng.expert, themes=["administration"])
    services.resource_submit(resource=draft, user=eng.expert)
    assert "Ressources liées" not in agent.get(req.get_absolute_url()).content.decode()  # submitted: not yet
    services.resource_publish(resource=draft, user=eng.staff)
    draft.refresh_from_db()
    assert draft.engineering_request == req  # the edit kept the link (the form sends it back unchanged)
    html = agent.get(req.get_absolute_url()).content.decode()
    assert "Ressources liées" in html and f'href="{draft.get_absolute_url()}"' in html
    assert login(Client(), eng.pantin_agent).get(req.get_absolute_url()).status_code in (403, 404)

    # The resource's page names the request; only those who may open it get a link to it.
    assert f'href="{req.get_absolute_url()}"' in agent.get(draft.get_absolute_url()).content.decode()
    public = Client().get(draft.get_absolute_url()).content.decode()
    assert "Accompagnement du pôle d&#x27;ingénierie" in public and f'href="{req.get_absolute_url()}"' not in public


def test_only_a_request_the_contributor_reads_can_be_linked(eng):  # noqa: F811
    ours = eng.in_progress()
    received = eng.request(title="Pas encore traitée")  # the pôle has not started it: no deliverable yet
    theirs = engineering_services.request_submit(
        user=eng.pantin_agent, organisation=eng.pantin_agent.memberships.get().organisation, title="Leur demande",
        description="Le besoin.", kind="legal", stage="upstream",
    )  # fmt: skip
    engineering_services.request_qualify(request=theirs, user=eng.staff, service=eng.service, expert=eng.other_expert)
    engineering_services.request_start(request=theirs, user=eng.other_expert)

    assert list(engineering_requests_of(eng.agent)) == [ours]
    assert list(engineering_requests_of(eng.expert)) == [ours]
    assert set(engineering_requests_of(eng.staff)) == {ours, theirs}
    assert not engineering_requests_of(None).exists()
    form = ResourceForm(with_organisation=False, user=eng.agent)
    assert list(form.fields["engineering_request"].queryset) == [ours]
    assert received not in engineering_requests_of(eng.agent)

    fields = {"kind": "guide", "title": "Notre guide", "summary": "Résumé.", "themes": ["administration"]}
    with pytest.raises(ValidationError) as error:
        services.resource_create(user=eng.agent, organisation=eng.montreuil, engineering_request=theirs, **fields)
    assert "engineering_request" in error.value.message_dict
    resource = services.resource_create(user=eng.agent, organisation=eng.montreuil, engineering_request=ours, **fields)
    assert resource.engineering_request == ours
    with pytest.raises(ValidationError):
        services.resource_update(resource=resource, user=eng.agent, engineering_request=theirs)

    client = login(Client(), eng.agent)
    response = client.post(
        "/ressources/contribuer/",
        {**fields, "organisation": eng.montreuil.pk, "body": "<p>Texte.</p>", "licence": "lo-2.0",
         "title": "Par le formulaire", "engineering_request": ours.pk},
    )  # fmt: skip
    assert response.status_code == 302
    assert ours.resources.filter(title="Par le formulaire").exists()
    response = client.post(
        "/ressources/contribuer/",
        {**fields, "organisation": eng.montreuil.pk, "licence": "lo-2.0", "engineering_request": theirs.pk},
    )
    assert response.status_code == 200 and "engineering_request" in response.context["form"].errors


def test_the_data_migration_links_earlier_deliverable_drafts(eng):  # noqa: F811
    migration = importlib.import_module("resources.migrations.0004_engineering_link")
    req, document = _deliverable(eng)
    earlier = ResourceFactory(source_app="engineering.deliverable", source_id=document.pk)
    orphan = ResourceFactory(source_app="engineering.deliverable", source_id=document.pk + 1000)
    migration.link_deliverable_drafts(apps, None)
    earlier.refresh_from_db()
    orphan.refresh_from_db()
    assert earlier.engineering_request == req and orphan.engineering_request is None


def test_draft_submitted_and_refused_resources_are_never_in_related_resources(reference):
    group = WorkingGroupFactory()
    published = ResourceFactory(published=True, title="Publiée", working_group=group)
    hidden = [
        ResourceFactory(title="Brouillon", working_group=group),
        ResourceFactory(submitted=True, title="Proposée", working_group=group),
        ResourceFactory(in_review=True, title="En relecture", working_group=group),
        ResourceFactory(refused=True, title="Refusée", working_group=group),
    ]
    html = Client().get(group.get_absolute_url()).content.decode()
    assert f'href="{published.get_absolute_url()}"' in html
    for resource in hidden:
        assert resource.slug not in html and resource.title not in html
