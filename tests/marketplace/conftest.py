from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from marketplace import services
from marketplace.models import Need, ReviewSetting, Solution

from ..factories import MemberProfileFactory, MembershipFactory, UserFactory

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def pdf(name="proposition.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def agent_of(organisation, **kwargs):
    return MembershipFactory(organisation=organisation, **kwargs).user


def signed_member(name):
    """A digital actor that signed the charter in force, with one agent."""
    profile = MemberProfileFactory(organisation__name=name)
    return profile.organisation, agent_of(profile.organisation)


def need_fields(territory, **extra):
    from datetime import timedelta

    from django.utils import timezone

    return {
        "title": "Réduire l'attente au guichet de l'état civil",
        "problem": "Les usagers attendent plus d'une heure au guichet de l'état civil : rendez-vous en ligne.",
        "expected_outcome": "Moins d'attente et des agents mieux organisés.",
        "themes": ["citizen_relations"],
        "territory": territory,
        "deadline": timezone.localdate() + timedelta(days=30),
        "contact_name": "Service numérique",
        "contact_email": "numerique@exemple.fr",
        "procedure": "innovative",
        **extra,
    }


@pytest.fixture
def market(world, django_capture_on_commit_callbacks):
    """The world plus: two signed members (``member``, ``other_member``) with one agent each, Pantin's agent
    (``other_commune_agent``); Montreuil's needs in every state, the published one answered by both members
    with an answered and an unanswered question, one adopted; a published and a draft solution."""
    users = world.users
    agent = users["commune_agent"]
    member, member_user = signed_member("Membre signataire")
    other, other_user = signed_member("Autre membre")
    world.add_user("member", member_user)
    world.add_user("other_member", other_user)
    world.add_user("other_commune_agent", agent_of(world.other_commune_org))
    published_solution = services.solution_save(
        user=member_user,
        member=member,
        fields={
            "title": "Rendez-vous en ligne",
            "problem": "Réduire l'attente des usagers au guichet de l'état civil.",
            "audience": "Communes",
            "description": "Prise de rendez-vous en ligne pour l'état civil.",
            "price_model": "subscription",
            "hosting": "france",
            "themes": ["citizen_relations"],
        },
        challenges=[],
    )
    services.solution_set_status(user=member_user, solution=published_solution, status=Solution.Status.PUBLISHED)
    draft_solution = services.solution_save(
        user=member_user,
        member=member,
        fields={
            "title": "Brouillon de solution",
            "problem": "p",
            "audience": "a",
            "description": "d",
            "price_model": "quote",
            "hosting": "eu",
            "themes": [],
        },
        challenges=[],
    )
    document = services.solution_document_add(
        user=member_user, solution=published_solution, title="Plaquette", file=pdf("plaquette.pdf")
    )
    draft = services.need_create(user=agent, buyer=world.commune_org, fields=need_fields(world.commune))
    with django_capture_on_commit_callbacks(execute=True):
        published = services.need_create(user=agent, buyer=world.commune_org, fields=need_fields(world.commune))
        services.need_publish(user=agent, need=published)
    response = services.response_submit(
        user=member_user, need=published, member=member, proposal="Notre offre A", solution=published_solution
    )
    other_response = services.response_submit(user=other_user, need=published, member=other, proposal="Offre B")
    response_document = services.response_document_add(
        user=member_user, response=response, title="Devis", file=pdf("devis.pdf")
    )
    answered = services.question_ask(user=other_user, need=published, member=other, text="Combien de guichets ?")
    services.question_answer(user=agent, question=answered, answer="Trois guichets.")
    unanswered = services.question_ask(user=member_user, need=published, member=member, text="Quel logiciel actuel ?")
    adopted = services.need_create(user=agent, buyer=world.commune_org, fields=need_fields(world.commune))
    services.need_publish(user=agent, need=adopted)
    adopted_response = services.response_submit(
        user=member_user, need=adopted, member=member, proposal="Offre", solution=published_solution
    )
    services.need_decide(user=agent, need=adopted, outcome=Need.Outcome.ADOPTED, response=adopted_response)
    ReviewSetting.objects.create(pk=1, review_needs=True)
    in_review = services.need_create(user=agent, buyer=world.commune_org, fields=need_fields(world.commune))
    services.need_publish(user=agent, need=in_review)  # staff read needs first: « en relecture »
    ReviewSetting.objects.filter(pk=1).update(review_needs=False)
    closed = services.need_create(user=agent, buyer=world.commune_org, fields=need_fields(world.commune))
    services.need_publish(user=agent, need=closed)
    services.need_close(user=agent, need=closed)
    event = services.event_save(
        user=users["staff"],
        fields={
            "title": "Rencontre de la communauté",
            "description": "Échanges entre collectivités et membres.",
            "starts_at": timezone.now() + timedelta(days=10),
            "ends_at": timezone.now() + timedelta(days=10, hours=2),
            "place": "Montreuil",
            "territory": world.commune,
            "seats": 20,
        },
    )
    services.event_register(user=member_user, event=event, organisation=member)
    world.extra.update(
        member=member,
        other=other,
        draft=draft,
        event=event,
        in_review=in_review,
        published=published,
        closed=closed,
        adopted=Need.objects.get(pk=adopted.pk),
        adoption=adopted.adoption,
        response=response,
        other_response=other_response,
        response_document=response_document,
        answered=answered,
        unanswered=unanswered,
        solution=published_solution,
        draft_solution=draft_solution,
        document=document,
    )
    return world


@pytest.fixture
def staff_user(db):
    return UserFactory(staff=True)
