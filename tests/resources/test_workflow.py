"""The contribution workflow: draft → submitted → in review → published / refused, versions, suggested edits,
collectivities that applied a resource, the drafts other modules prepare (FMIN reports)."""

import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import close_old_connections, connection

from resources import selectors, services
from resources.models import EditSuggestion, Resource, ResourceVersion
from sman.models import Notification

from ..factories import ApplicationFactory, UserFactory, collectivity_of
from .conftest import agent_of

pytestmark = pytest.mark.django_db


def test_a_contribution_goes_from_draft_to_published_with_a_conversation(
    centre, mailoutbox, django_capture_on_commit_callbacks
):
    resource = centre.draft()
    assert resource.state == "draft" and not resource.is_public
    with django_capture_on_commit_callbacks(execute=True):
        services.resource_submit(resource=resource, user=centre.author)
    # Every moderator finds it in their digest, not in a direct e-mail.
    assert Notification.objects.filter(user=centre.moderator, module="resources").count() == 1
    services.review_start(resource=resource, user=centre.moderator)
    services.comment_add(resource=resource, user=centre.moderator, text="Pouvez-vous préciser le coût ?")
    assert Notification.objects.filter(user=centre.author, subject__contains="commenté").exists()
    services.comment_add(resource=resource, user=centre.author, text="Environ 20 000 €.")
    assert Notification.objects.filter(user=centre.moderator, subject__contains="répondu").exists()
    with django_capture_on_commit_callbacks(execute=True):
        version = services.resource_publish(resource=resource, user=centre.moderator, change_note="")
    resource.refresh_from_db()
    assert resource.state == "published" and resource.current_version == version and version.number == 1
    assert resource.published_year == resource.published_at.year
    assert [m.subject for m in mailoutbox][-1].endswith("est publiée")
    assert list(selectors.search(selectors.SearchParams(q="guichet"))) == [resource]


def test_submitting_needs_a_summary_a_content_and_a_theme(centre):
    resource = centre.draft(body="", themes=[])
    with pytest.raises(ValidationError) as error:
        services.resource_submit(resource=resource, user=centre.author)
    assert "Ajoutez un contenu ou une pièce jointe." in error.value.messages
    assert "Choisissez au moins un thème." in error.value.messages


def test_only_contributors_contribute_for_their_own_organisations(centre):
    with pytest.raises(PermissionDenied):
        services.resource_create(user=centre.citizen, organisation=None, kind="guide", title="t", summary="s")
    with pytest.raises(PermissionDenied):  # Pantin's agent for Montreuil
        services.resource_create(
            user=centre.other_agent, organisation=centre.montreuil, kind="guide", title="t", summary="s"
        )


def test_a_refusal_needs_a_reason_and_the_author_can_try_again(centre, mailoutbox, django_capture_on_commit_callbacks):
    resource = centre.submitted()
    with pytest.raises(ValidationError):
        services.resource_refuse(resource=resource, user=centre.moderator, reason=" ")
    with django_capture_on_commit_callbacks(execute=True):
        services.resource_refuse(resource=resource, user=centre.moderator, reason="Trop proche d'une fiche existante.")
    resource.refresh_from_db()
    assert resource.state == "refused" and not resource.is_public
    assert "Trop proche" in mailoutbox[-1].body
    services.resource_update(resource=resource, user=centre.author, summary="Un résumé plus précis.")
    services.resource_submit(resource=resource, user=centre.author)
    assert Resource.objects.get(pk=resource.pk).state == "submitted"


def test_nobody_moderates_a_contribution_already_decided_or_held_by_another(centre):
    resource = centre.submitted()
    services.review_start(resource=resource, user=centre.moderator)
    with pytest.raises(ValidationError, match="relit déjà"):
        services.review_start(resource=resource, user=centre.moderator2)
    with pytest.raises(ValidationError, match="c'est à lui ou elle de décider"):
        services.resource_publish(resource=resource, user=centre.moderator2)
    services.resource_publish(resource=resource, user=centre.moderator)
    with pytest.raises(ValidationError, match="déjà été traitée"):
        services.resource_refuse(resource=resource, user=centre.moderator, reason="Non.")
    with pytest.raises(PermissionDenied):
        services.resource_publish(resource=resource, user=centre.author)


@pytest.mark.django_db(transaction=True)
def test_two_moderators_deciding_at_once_make_one_decision(reference):
    """Two real connections publish and refuse the same contribution at the same moment: the row lock lets one
    decide; the other is told it was already decided. One version, never both outcomes."""
    from .conftest import Centre

    montreuil = collectivity_of("93048")
    centre = Centre(montreuil, agent_of(montreuil), None, UserFactory(staff=True), UserFactory(staff=True), None)
    resource = centre.submitted()
    barrier, outcomes = threading.Barrier(2), []

    def decide(call):
        close_old_connections()
        try:
            barrier.wait(timeout=10)
            call()
            outcomes.append("ok")
        except ValidationError as exc:
            outcomes.append(exc.messages[0])
        finally:
            connection.close()

    threads = [
        threading.Thread(
            target=decide, args=(lambda: services.resource_publish(resource=resource, user=centre.moderator),)
        ),
        threading.Thread(
            target=decide,
            args=(lambda: services.resource_refuse(resource=resource, user=centre.moderator2, reason="Non."),),
        ),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(outcomes) == ["Cette contribution a déjà été traitée par un autre modérateur.", "ok"]
    resource.refresh_from_db()
    assert resource.state in ("published", "refused")
    assert ResourceVersion.objects.filter(resource=resource).count() == (1 if resource.state == "published" else 0)


def test_an_update_is_reviewed_again_while_the_published_version_stays(centre):
    resource = centre.published(title="Guichet numérique, version 1")
    services.resource_update(resource=resource, user=centre.author, title="Guichet numérique, version 2")
    resource.refresh_from_db()
    assert resource.state == "draft" and resource.current_version.title == "Guichet numérique, version 1"
    assert [r.current_version.title for r in selectors.search(selectors.SearchParams(q="guichet"))] == [
        "Guichet numérique, version 1"
    ]
    services.resource_submit(resource=resource, user=centre.author)
    services.resource_publish(resource=resource, user=centre.moderator, change_note="Chiffres 2020")
    resource.refresh_from_db()
    assert resource.current_version.number == 2 and resource.current_version.title == "Guichet numérique, version 2"
    assert list(resource.versions.values_list("number", "change_note")) == [
        (2, "Chiffres 2020"),
        (1, "Première publication"),
    ]


def test_a_suggested_edit_accepted_by_the_author_goes_into_the_next_version(centre):
    resource = centre.published()
    with pytest.raises(PermissionDenied):  # nobody suggests on their own resource
        services.suggestion_create(resource=resource, user=centre.author, field="summary", text="x")
    suggestion = services.suggestion_create(
        resource=resource, user=centre.citizen, field="summary", text="Un résumé plus juste.", message="Coquille"
    )
    assert Notification.objects.filter(user=centre.author, key=f"resources-suggestion-{suggestion.pk}").exists()
    with pytest.raises(PermissionDenied):
        services.suggestion_decide(suggestion=suggestion, user=centre.other_agent, accept=True)
    services.suggestion_decide(suggestion=suggestion, user=centre.author, accept=True, note="Merci")
    resource.refresh_from_db()
    assert resource.summary == "Un résumé plus juste." and resource.state == "draft"
    assert resource.current_version.summary != "Un résumé plus juste."  # not public before review
    with pytest.raises(ValidationError, match="déjà reçu une réponse"):
        services.suggestion_decide(suggestion=suggestion, user=centre.moderator, accept=False)
    assert EditSuggestion.objects.get(pk=suggestion.pk).state == "accepted"
    assert Notification.objects.filter(user=centre.citizen, module="resources").exists()


def test_collectivities_mark_a_resource_as_applied_once(centre):
    resource = centre.published()
    pantin = collectivity_of("93055")
    services.use_mark(resource=resource, user=centre.other_agent, organisation=pantin, note="Repris pour notre GRC.")
    with pytest.raises(ValidationError, match="déjà signalé"):
        services.use_mark(resource=resource, user=centre.other_agent, organisation=pantin, note="Encore.")
    with pytest.raises(PermissionDenied):  # a citizen acts for no collectivity
        services.use_mark(resource=resource, user=centre.citizen, organisation=pantin, note="x")
    with pytest.raises(PermissionDenied):  # an agent of Pantin does not speak for Montreuil
        services.use_mark(resource=resource, user=centre.other_agent, organisation=centre.montreuil, note="x")
    assert selectors.listed(Resource.objects.filter(pk=resource.pk)).get().use_count == 1


def test_draft_from_module_is_idempotent_and_waits_for_its_author(centre):
    kwargs = {
        "kind": "explorer_note", "title": "Note d'exploration : les tiers-lieux", "summary": "Ce que nous avons vu.",
        "body": "<p>Visite <script>alert(1)</script>de trois tiers-lieux.</p>", "author": centre.author,
        "organisation": centre.montreuil, "source_app": "explorateurs.note", "source_id": 7,
        "attachment": ("note.txt", "Les tiers-lieux numériques du Grand Paris".encode()),
    }  # fmt: skip
    first = services.draft_from_module(**kwargs)
    again = services.draft_from_module(**kwargs)
    assert first == again and first.state == "draft" and not first.is_public
    assert "<script>" not in first.body
    assert first.attachments.get().text == "Les tiers-lieux numériques du Grand Paris"
    assert Notification.objects.filter(user=centre.author, key=f"resources-draft-{first.pk}").count() == 1


def test_an_fmin_evaluation_report_becomes_a_draft_resource_of_its_author(centre):
    from fmin import services as fmin_services

    agent = centre.author
    application = ApplicationFactory(funded=True, decision__decided_by=centre.moderator, theme="data")
    from fmin.services import _plan_follow_up

    _plan_follow_up(application, application.decision)
    report = application.reports.get(kind="evaluation")
    fmin_services.report_submit(
        report=report, user=agent, progress="Terminé.", impact="Deux fois moins d'attente.", replicability="Oui"
    )
    resource = Resource.objects.get(source_app="fmin.report", source_id=report.pk)
    assert resource.kind == "fmin_evaluation" and resource.author == agent and resource.state == "draft"
    assert resource.fmin_application == application and resource.themes == ["open_data"]
    assert "Deux fois moins d&#x27;attente." in resource.body or "Deux fois moins d'attente." in resource.body
    assert resource.organisation == application.lead
    progress = application.reports.get(kind="progress")
    fmin_services.report_submit(report=progress, user=agent, progress="À mi-parcours.")
    assert not Resource.objects.filter(source_app="fmin.report", source_id=progress.pk).exists()
