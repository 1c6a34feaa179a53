"""Demo data of « J'adopte une innovation » (fictitious, marked « démonstration »): five members with their
solutions, among them the demo digital actor; needs in every state — a draft, a need of Montreuil matched with
the demo actor and answered by two other members (responses to read for the commune's agent), a need pooled by
three communes, a closed need, a need adopted seven months ago whose follow-up is due, a need waiting for the
staff's review, an upcoming event the demo actor registered for and a past one with its attendance."""

from datetime import timedelta

from django.utils import timezone

from sman.models import Challenge, Membership, Organisation, Territory, User

from . import rules, services
from .models import Adoption, Charter, MemberCategory, Need, Solution, Theme

DOMAIN = "demo.metropole-intelligences.example"

MEMBERS = [
    # (slug, name, commune, category, activity, solutions: (title, problem, themes, défi))
    (
        "demo-numerique-sas",
        "Démo Numérique SAS",
        "93048",
        MemberCategory.STARTUP,
        "Services numériques pour l'accueil des usagers des mairies : prise de rendez-vous, agent conversationnel.",
        [
            (
                "Rendez-vous en mairie (démonstration)",
                "Les usagers attendent au guichet de l'état civil : la prise de rendez-vous en ligne réduit l'attente.",
                [Theme.CITIZEN_RELATIONS, Theme.ADMINISTRATION],
                4,
            ),
            (
                "Agent conversationnel d'accueil (démonstration)",
                "Répondre jour et nuit aux questions fréquentes des usagers sur les démarches de la mairie.",
                [Theme.CITIZEN_RELATIONS],
                4,
            ),
        ],
    ),
    (
        "demo-capteurs-air",
        "Capteurs Air Grand Paris (démonstration)",
        "93055",
        MemberCategory.SME,
        "Capteurs de qualité de l'air et tableaux de bord pour les écoles et les espaces publics.",
        [
            (
                "Qualité de l'air dans les écoles (démonstration)",
                "Mesurer le dioxyde de carbone et les particules dans les salles de classe et alerter les équipes.",
                [Theme.ENVIRONMENT, Theme.EDUCATION],
                5,
            )
        ],
    ),
    (
        "demo-civic-lab",
        "Civic Lab (démonstration)",
        "94028",
        MemberCategory.ASSOCIATION,
        "Plateformes libres de participation citoyenne et accompagnement des collectivités.",
        [
            (
                "Budget participatif en ligne (démonstration)",
                "Recueillir, instruire et soumettre au vote les projets des habitants, en logiciel libre.",
                [Theme.PARTICIPATION],
                6,
            )
        ],
    ),
    (
        "demo-mobilite-douce",
        "Mobilité Douce (démonstration)",
        "92012",
        MemberCategory.STARTUP,
        "Comptage des vélos et des piétons, cartes des aménagements cyclables.",
        [
            (
                "Compteurs de vélos connectés (démonstration)",
                "Compter les passages de vélos et de piétons pour évaluer les aménagements de voirie.",
                [Theme.MOBILITY, Theme.DATA],
                2,
            )
        ],
    ),
    (
        "demo-rdv-citoyen",
        "RDV Citoyen (démonstration)",
        "93066",
        MemberCategory.SME,
        "Logiciels de gestion de la relation aux usagers pour les collectivités.",
        [
            (
                "Guichet unique des demandes d'usagers (démonstration)",
                "Suivre toutes les demandes des usagers, du guichet au courriel, et y répondre plus vite.",
                [Theme.CITIZEN_RELATIONS, Theme.ADMINISTRATION],
                4,
            )
        ],
    ),
]


def _siren(seed: int) -> str:
    """A SIREN number with a valid Luhn key (fictitious: built from ``seed``)."""
    base = f"{seed:08d}"
    for key in range(10):
        if rules.siren_ok(base + str(key)):
            return base + str(key)
    raise AssertionError("unreachable")


def _collectivity(code: str) -> Organisation:
    return Organisation.objects.get(kind=Organisation.Kind.COLLECTIVITY, territory__code=code)


def _agent(organisation: Organisation, email: str) -> User:
    user, created = User.objects.get_or_create(email=email, defaults={"first_name": "Démo"})
    if created:
        user.set_unusable_password()
        user.save()
    Membership.objects.get_or_create(user=user, organisation=organisation)
    return user


def _need(user, buyer, title, problem, *, themes, challenge, code, quantity=1, unit="", days=30):
    return services.need_create(
        user=user,
        buyer=buyer,
        quantity=quantity,
        fields={
            "title": title,
            "problem": problem,
            "expected_outcome": "Une solution en service avant la fin de l'année, évaluée avec les agents.",
            "context": "Besoin de démonstration, fictif.",
            "challenge": Challenge.objects.filter(number=challenge).first(),
            "themes": themes,
            "territory": Territory.objects.get(code=code),
            "deadline": timezone.localdate() + timedelta(days=days),
            "contact_name": "Service du numérique (démonstration)",
            "contact_email": f"numerique@{DOMAIN}",
            "procedure": "innovative",
            "quantity_unit": unit,
        },
    )


def load_demo(users: dict) -> None:
    """Each part is loaded once, on its own: a demo base loaded before a part existed gets that part."""
    if Charter.objects.current() is None:
        return
    if not Need.objects.filter(title=RECEPTION).exists():
        _members_and_needs(users)
    agent = users["commune_agent"]
    _review(agent, _collectivity("93048"))
    _experiment(agent)
    acteur_organisation = Organisation.objects.filter(slug="demo-numerique-sas").first()
    if users.get("staff") is not None and acteur_organisation is not None:
        _events(users["staff"], (acteur_organisation, users["digital_actor"]))


RECEPTION = "Réduire l'attente au guichet de l'état civil (démonstration)"
WAITING = "Numériser les registres anciens de l'état civil (démonstration)"
EXPERIMENTED = "Guichet unique des demandes d'usagers (démonstration)"
EVENTS = (
    ("Rencontre Métropole d'intelligences : l'accueil numérique des usagers (démonstration)", 21, False),
    ("Rencontre Métropole d'intelligences : données et services urbains (démonstration)", -30, True),
)


def _members_and_needs(users: dict) -> None:
    acteur, agent = users["digital_actor"], users["commune_agent"]
    members, solutions = {}, {}
    for index, (slug, name, code, category, activity, sheets) in enumerate(MEMBERS):
        organisation, _ = Organisation.objects.get_or_create(
            slug=slug,
            defaults={
                "kind": Organisation.Kind.DIGITAL_ACTOR,
                "name": name,
                "territory": Territory.objects.get(code=code),
            },
        )
        user = acteur if slug == "demo-numerique-sas" else _agent(organisation, f"{slug}@{DOMAIN}")
        services.charter_sign(user=user, organisation=organisation)
        services.profile_save(
            user=user,
            organisation=organisation,
            fields={"category": category, "siren": _siren(90_000_001 + index), "activity": activity, "is_listed": True},
            areas=Territory.objects.filter(code=code),
        )
        members[slug] = (organisation, user)
        for title, problem, themes, challenge in sheets:
            solution = services.solution_save(
                user=user,
                member=organisation,
                fields={
                    "title": title,
                    "problem": problem,
                    "audience": "Communes et établissements publics territoriaux",
                    "description": f"{problem} Solution de démonstration, fictive.",
                    "price_model": Solution.PriceModel.SUBSCRIPTION,
                    "price_note": "à partir de 300 € HT par mois (démonstration)",
                    "accessibility": Solution.Accessibility.PARTIAL,
                    "hosting": Solution.Hosting.FRANCE,
                    "themes": [str(t) for t in themes],
                },
                challenges=Challenge.objects.filter(number=challenge),
            )
            services.solution_set_status(user=user, solution=solution, status=Solution.Status.PUBLISHED)
            solutions[title] = solution

    montreuil = _collectivity("93048")
    # A need of Montreuil matched with the demo actor, answered by two other members: responses to read.
    reception = _need(
        agent,
        montreuil,
        RECEPTION,
        "Les usagers attendent souvent plus d'une heure au guichet de l'état civil : nous cherchons une prise de "
        "rendez-vous en ligne et un accueil des usagers plus fluide.",
        themes=[Theme.CITIZEN_RELATIONS],
        challenge=4,
        code="93048",
    )
    services.need_publish(user=agent, need=reception)
    services.need_match(need=reception)
    for slug, title, price in (
        ("demo-rdv-citoyen", "Guichet unique des demandes d'usagers (démonstration)", 1_200_000),
        ("demo-civic-lab", None, 450_000),
    ):
        organisation, user = members[slug]
        services.response_submit(
            user=user,
            need=reception,
            member=organisation,
            proposal="Proposition de démonstration : déploiement en six semaines, formation des agents comprise.",
            price_cents=price,
            solution=solutions.get(title),
        )
    question = services.question_ask(
        user=members["demo-civic-lab"][1],
        need=reception,
        member=members["demo-civic-lab"][0],
        text="Combien de rendez-vous l'état civil reçoit-il par semaine ?",
    )
    services.question_answer(user=agent, question=question, answer="Environ 400 rendez-vous par semaine.")

    # A need pooled by three communes (a purchasing group), each with its own quantity.
    schools = _need(
        agent,
        montreuil,
        "Mesurer la qualité de l'air dans les écoles (démonstration)",
        "Nous voulons mesurer le dioxyde de carbone et les particules dans les salles de classe des écoles.",
        themes=[Theme.ENVIRONMENT, Theme.EDUCATION],
        challenge=5,
        code="T8",
        quantity=12,
        unit="écoles",
        days=45,
    )
    services.need_publish(user=agent, need=schools)
    for code, quantity in (("93055", 8), ("93006", 5)):
        collectivity = _collectivity(code)
        services.need_join(
            user=_agent(collectivity, f"agent.{code}@{DOMAIN}"),
            need=schools,
            organisation=collectivity,
            quantity=quantity,
        )
    services.need_match(need=schools)

    # A need adopted seven months ago (its six-month follow-up is due), with its public reference.
    budget = _need(
        agent,
        montreuil,
        "Lancer un budget participatif en ligne (démonstration)",
        "Nous voulons que les habitants déposent et votent leurs projets en ligne.",
        themes=[Theme.PARTICIPATION],
        challenge=6,
        code="93048",
    )
    services.need_publish(user=agent, need=budget)
    organisation, user = members["demo-civic-lab"]
    response = services.response_submit(
        user=user,
        need=budget,
        member=organisation,
        proposal="Plateforme libre hébergée en France, accompagnement de la première campagne (démonstration).",
        price_cents=800_000,
        solution=solutions["Budget participatif en ligne (démonstration)"],
    )
    services.response_shortlist(user=agent, response=response)
    adopted_on = timezone.localdate() - timedelta(days=215)
    services.need_decide(
        user=agent, need=budget, outcome=Need.Outcome.ADOPTED, response=response, adopted_on=adopted_on
    )
    Need.objects.filter(pk=budget.pk).update(
        published_at=timezone.now() - timedelta(days=260), decided_at=timezone.now() - timedelta(days=215)
    )
    Adoption.objects.filter(need=budget).update(follow_up_due_on=rules.follow_up_due(adopted_on))
    services.refresh_need_search([budget.pk])

    # A closed need (Pantin) and a draft of Montreuil.
    pantin = _collectivity("93055")
    pantin_agent = _agent(pantin, f"agent.93055@{DOMAIN}")
    counters = _need(
        pantin_agent,
        pantin,
        "Compter les vélos sur les nouvelles pistes cyclables (démonstration)",
        "Évaluer la fréquentation des pistes cyclables ouvertes cette année.",
        themes=[Theme.MOBILITY],
        challenge=2,
        code="93055",
    )
    services.need_publish(user=pantin_agent, need=counters)
    services.need_close(user=pantin_agent, need=counters)
    _need(
        agent,
        montreuil,
        "Dématérialiser les inscriptions périscolaires (démonstration)",
        "Les familles remplissent encore des formulaires papier pour la cantine et les centres de loisirs.",
        themes=[Theme.ADMINISTRATION, Theme.EDUCATION],
        challenge=4,
        code="93048",
    )


def _review(agent, montreuil) -> None:
    """A need of Montreuil waiting for the staff's review (the review is then turned off again, as by default)."""
    from .models import ReviewSetting

    if Need.objects.filter(title=WAITING).exists():
        return
    waiting = _need(
        agent,
        montreuil,
        WAITING,
        "Les registres de plus de cent ans s'abîment ; les usagers demandent des copies intégrales en ligne.",
        themes=[Theme.ADMINISTRATION],
        challenge=4,
        code="93048",
    )
    ReviewSetting.objects.update_or_create(pk=1, defaults={"review_needs": True})
    services.need_publish(user=agent, need=waiting)  # « en relecture »: the staff's queue has one need
    ReviewSetting.objects.filter(pk=1).update(review_needs=False)


def _events(staff, member) -> None:
    """An upcoming event the demo digital actor registered for, and a past one whose attendance was taken."""
    from .models import CommunityEvent

    organisation, acteur = member
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    for title, days, present in EVENTS:
        if CommunityEvent.objects.filter(title=title).exists():
            continue
        event = services.event_save(
            user=staff,
            fields={
                "title": title,
                "description": "Une matinée d'échanges entre collectivités et membres de Grand Paris Métropole Tech.",
                "starts_at": now + timedelta(days=abs(days)),
                "ends_at": now + timedelta(days=abs(days), hours=3),
                "place": "Métropole du Grand Paris, 15-19 avenue Pierre Mendès France, Paris",
                "territory": Territory.objects.filter(kind="metropole").first() or organisation.territory,
                "seats": 40,
            },
        )
        registration = services.event_register(user=acteur, event=event, organisation=organisation)
        if present:  # a past event: moved back a month, attendance taken
            CommunityEvent.objects.filter(pk=event.pk).update(
                starts_at=now + timedelta(days=days), ends_at=now + timedelta(days=days, hours=3)
            )
            services.event_attendance(user=staff, event=event, present_ids=[registration.pk])


def _experiment(agent) -> None:
    """Montreuil's funded FMIN project (fmin's demo) experiments the demo « guichet unique » solution: both pages
    show it, and Montreuil's agent may remove the link. Linking twice keeps one link."""
    from . import permissions, selectors

    solution = Solution.objects.published().filter(title=EXPERIMENTED).first()
    project = (
        selectors.fmin_projects_led_by(permissions.buyer_ids_of(agent))
        .filter(title__endswith="(démonstration)")
        .first()
    )
    if solution is not None and project is not None:
        services.experiment_link(user=agent, application=project, solution=solution)
