"""Demo data: two collectivity spaces (Montreuil, Est Ensemble), a process taking proposals, a participatory
budget in its vote, and a finished process whose results are under way. The demo ``citoyen`` can propose,
support and vote; ``agent.commune`` moderates Montreuil's space (two reports wait), ``admin.orga`` runs it
(proposals to answer, two proofs of residence to review for the coming « Budget du Bas-Montreuil », whose
projects can still change), ``agent.ept`` runs Est Ensemble's."""

from datetime import timedelta

from allauth.account.models import EmailAddress
from django.core.files.base import ContentFile
from django.utils import timezone

from sman.models import Organisation, Territory, User

from . import services
from .models import (
    Budget,
    BudgetProject,
    Component,
    Meeting,
    Phase,
    Proposal,
    Question,
    Report,
    Result,
    Space,
    SpaceMember,
    Survey,
)

DOMAIN = "demo.metropole-intelligences.example"
ALL = [Component.PROPOSALS, Component.SUPPORTS, Component.COMMENTS]


def _residents(n: int) -> list[User]:
    people = []
    for i in range(1, n + 1):
        user, created = User.objects.get_or_create(
            email=f"habitant{i}@{DOMAIN}", defaults={"first_name": f"Habitant {i}", "last_name": "Démo"}
        )
        if created:
            user.set_unusable_password()
            user.save()
        EmailAddress.objects.get_or_create(user=user, email=user.email, defaults={"verified": True, "primary": True})
        people.append(user)
    return people


def _space(slug: str, code: str, presentation: str, staff) -> Space:
    organisation = Organisation.objects.get(kind=Organisation.Kind.COLLECTIVITY, territory__code=code)
    space = Space.objects.filter(organisation=organisation).first()
    return space or services.space_create(organisation=organisation, slug=slug, presentation=presentation, by=staff)


def load_demo(users: dict) -> None:
    if Space.objects.exists():
        return
    staff, citizen = users["staff"], users["citizen"]
    today = timezone.localdate()
    now = timezone.now()
    residents = _residents(6)
    montreuil = _space(
        "montreuil",
        "93048",
        "<p>L'espace de participation de la Ville de Montreuil (démonstration) : consultations, budget participatif "
        "et suivi des réalisations.</p>",
        staff,
    )
    est_ensemble = _space(
        "est-ensemble",
        "T8",
        "<p>L'espace de participation de l'établissement public territorial Est Ensemble (démonstration).</p>",
        staff,
    )
    services.space_member_set(space=montreuil, user=users["commune_agent"], role=SpaceMember.Role.MODERATOR, by=staff)
    services.space_member_set(space=est_ensemble, user=users["ept_agent"], role=SpaceMember.Role.ADMIN, by=staff)
    commune = Territory.objects.get(code="93048")

    # 1. A process in its proposals phase.
    ideas = services.process_create(
        space=montreuil,
        by=staff,
        title="Le numérique au service des Montreuillois (démonstration)",
        slug="numerique-montreuil",
        summary="Vos idées pour des services numériques municipaux plus simples et plus accessibles.",
        description="<p>Proposez, soutenez et commentez : la Ville répond à chaque proposition qui "
        "atteint le seuil de soutiens.</p>",
        territories=[commune],
        categories=["Démarches en ligne", "Inclusion numérique", "Données ouvertes"],
        supports_per_user=5,
        support_threshold=20,
        phases=[
            (Phase.Kind.INFORMATION, today - timedelta(days=30), today - timedelta(days=16), []),
            (Phase.Kind.PROPOSALS, today - timedelta(days=15), today + timedelta(days=30), ALL),
            (Phase.Kind.DELIBERATION, today + timedelta(days=31), today + timedelta(days=60), [Component.COMMENTS]),
        ],
    )
    texts = [
        (
            "Prendre rendez-vous en ligne à l'état civil",
            "Démarches en ligne",
            "Pouvoir réserver un créneau pour une carte d'identité sans appeler la mairie.",
        ),
        (
            "Des ateliers numériques dans les maisons de quartier",
            "Inclusion numérique",
            "Des permanences d'aide aux démarches en ligne, le samedi matin, avec des conseillers numériques.",
        ),
        (
            "Publier les horaires des équipements en données ouvertes",
            "Données ouvertes",
            "Les horaires des piscines, bibliothèques et gymnases, à jour, réutilisables par tous.",
        ),
        ("Un wifi public dans les parcs", "Inclusion numérique", "Un accès gratuit dans les grands parcs de la ville."),
    ]
    proposals = [
        services.proposal_create(process=ideas, author=residents[i], title=t, category=c, body=b)
        for i, (t, c, b) in enumerate(texts)
    ]
    for person in residents[:4]:
        services.proposal_support(proposal=proposals[0], user=person)
    services.proposal_support(proposal=proposals[1], user=residents[4])
    first = services.comment_create(
        proposal=proposals[0], author=residents[1], body="Très bonne idée, et aussi pour les passeports."
    )
    services.comment_create(
        proposal=proposals[0], author=residents[0], body="Oui, les deux démarches à la fois.", parent=first
    )
    spam = services.comment_create(
        proposal=proposals[1], author=residents[5], body="Achetez vos écrans à prix cassés sur notre site !"
    )
    for person in residents[:2]:  # below the threshold (3): visible, waiting for agent.commune's decision
        services.report_create(user=person, comment=spam, reason=Report.Reason.SPAM)
    services.report_create(
        user=residents[2],
        proposal=proposals[3],
        reason=Report.Reason.OFF_TOPIC,
        details="Ce n'est pas une compétence de la ville.",
    )

    # 2. A participatory budget in its vote.
    pb = services.process_create(
        space=montreuil,
        by=staff,
        title="Budget participatif numérique 2026 (démonstration)",
        slug="budget-numerique-2026",
        summary="100 000 € pour des projets numériques choisis par les habitants.",
        territories=[commune],
        phases=[
            (Phase.Kind.PROPOSALS, today - timedelta(days=90), today - timedelta(days=40), ALL),
            (Phase.Kind.DELIBERATION, today - timedelta(days=39), today - timedelta(days=6), []),
            (Phase.Kind.VOTE, today - timedelta(days=5), today + timedelta(days=20), [Component.BUDGET]),
        ],
    )
    budget = Budget.objects.create(
        process=pb,
        title="Budget participatif numérique de Montreuil",
        territory=commune,
        amount_cents=100_000_00,
        rule=Budget.Rule.APPROVAL,
        max_projects=3,
        vote_opens_at=now - timedelta(days=5),
        vote_closes_at=now + timedelta(days=20),
    )
    projects = [
        BudgetProject.objects.create(budget=budget, title=t, cost_cents=c * 100, description=d)
        for t, c, d in [
            ("Bornes d'accès aux services publics", 35_000, "Trois bornes accompagnées dans les halls de mairie."),
            ("Atelier de réparation d'ordinateurs", 20_000, "Un atelier partagé pour réparer et reconditionner."),
            ("Capteurs de bruit dans trois rues", 25_000, "Des mesures publiées en données ouvertes."),
            ("Application des marchés de plein air", 15_000, "Horaires, commerçants et plans des marchés."),
            ("Wifi dans la médiathèque Robert-Desnos", 30_000, "Un wifi gratuit et des prises dans les salles."),
        ]
    ]
    for i, person in enumerate(residents):
        services.ballot_cast(budget=budget, voter=person, project_ids=[projects[i % 5].pk, projects[(i + 1) % 5].pk])

    # 2b. A residents-only budget on proof of residence, its vote in two days: the projects can still change, and
    # two residents' proofs wait for admin.orga's review (/participation/espaces/montreuil/justificatifs/).
    district = services.budget_save(
        process=pb, by=staff, title="Budget du Bas-Montreuil (démonstration)", territory=commune,
        district="Bas-Montreuil", amount_cents=40_000_00, rule=Budget.Rule.BASKET, min_share_percent=50,
        residents_only=True, proof_required=True, vote_opens_at=now + timedelta(days=2),
        vote_closes_at=now + timedelta(days=20),
    )  # fmt: skip
    for title, cost in [("Un point numérique à la Croix-de-Chavaux", 25_000), ("Des ateliers seniors", 12_000)]:
        services.budget_project_save(budget=district, by=staff, title=title, cost_cents=cost * 100)
    for person in residents[:2]:
        services.proof_submit(
            user=person, budget=district, address="Rue de Paris, Montreuil",
            file=ContentFile(b"%PDF-1.4\n%%EOF\n", name="justificatif-demonstration.pdf"),
        )  # fmt: skip

    # 3. A finished process of Est Ensemble, its results under way.
    places = services.process_create(
        space=est_ensemble,
        by=staff,
        title="Tiers-lieux numériques d'Est Ensemble (démonstration)",
        slug="tiers-lieux-est-ensemble",
        summary="Où et comment ouvrir des tiers-lieux numériques dans les neuf villes du territoire ?",
        territories=[Territory.objects.get(code="T8")],
        phases=[
            (Phase.Kind.PROPOSALS, today - timedelta(days=400), today - timedelta(days=340), ALL),
            (Phase.Kind.DELIBERATION, today - timedelta(days=339), today - timedelta(days=300), []),
            (Phase.Kind.RESULTS, today - timedelta(days=299), today - timedelta(days=1), [Component.RESULTS]),
        ],
    )
    for i, (title, progress, cost) in enumerate(
        [
            ("Un tiers-lieu numérique à Bondy", 100, 180_000),
            ("Un fablab à Pantin", 60, 120_000),
            ("Une ressourcerie informatique à Bagnolet", 25, 60_000),
        ]
    ):
        proposal = Proposal.objects.create(
            process=places,
            author=residents[i],
            title=title,
            body=f"{title} : un lieu ouvert à tous.",
            created_at=now - timedelta(days=380),
        )
        services.refresh_proposal_search(proposal.pk)
        services.proposal_answer(
            proposal=proposal,
            by=users["ept_agent"],
            answer=Proposal.Answer.ACCEPTED,
            text="Retenue par le conseil de territoire.",
            estimated_cost_cents=cost * 100,
        )
        result = Result.objects.get(proposal=proposal)
        status = Result.Status.DELIVERED if progress == 100 else Result.Status.IN_PROGRESS
        services.result_update(
            result=result,
            by=users["ept_agent"],
            status=status,
            progress=progress,
            description="Travaux suivis par le territoire.",
        )
        services.milestone_add(
            result=result,
            by=users["ept_agent"],
            title="Choix du lieu",
            planned_on=today - timedelta(days=200),
            done_on=today - timedelta(days=190),
        )
        services.milestone_add(
            result=result,
            by=users["ept_agent"],
            title="Ouverture au public",
            planned_on=today + timedelta(days=60 * i),
            done_on=today if progress == 100 else None,
        )
    Meeting.objects.create(
        process=ideas,
        title="Atelier « démarches en ligne » (démonstration)",
        registration_required=True,
        capacity=30,
        starts_at=now + timedelta(days=10),
        ends_at=now + timedelta(days=10, hours=2),
        address="Hôtel de ville de Montreuil, salle des fêtes",
        description="Deux heures pour trier les propositions avec les services de la Ville.",
    )
    Meeting.objects.create(
        process=places,
        title="Restitution des tiers-lieux (démonstration)",
        starts_at=now - timedelta(days=300),
        ends_at=now - timedelta(days=300) + timedelta(hours=2),
        address="Siège d'Est Ensemble, Romainville",
        minutes="Quarante participants ; trois projets retenus par le conseil de territoire.",
    )
    survey = Survey.objects.create(process=ideas, title="Vos usages du numérique (démonstration)")
    Question.objects.create(
        survey=survey,
        position=1,
        text="Quelles démarches faites-vous en ligne ?",
        kind=Question.Kind.MULTIPLE,
        choices=["Impôts", "CAF", "État civil", "Inscriptions scolaires"],
    )
    Question.objects.create(
        survey=survey, position=2, text="Êtes-vous à l'aise avec ces démarches ?", kind=Question.Kind.SCALE
    )
    Question.objects.create(
        survey=survey, position=3, text="Qu'est-ce qui vous aiderait ?", kind=Question.Kind.LONG_TEXT, required=False
    )
    # The demo citizen lives in Montreuil: its processes come first.
    services.residence_declare(user=citizen, commune=commune, address="Place Jean-Jaurès, Montreuil")
