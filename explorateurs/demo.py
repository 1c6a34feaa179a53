"""Demo data: the first cohort (2018/2019) with its exploration days, its explorers (now alumni) and their
projects (those of Annex 3, and two that became FMIN files, one funded), and the current cohort recruiting.

What the demo accounts find: agent.commune is an alumnus of 2018/2019 (Montreuil) whose project became a
funded FMIN file, with an idea to qualify and a registration to the next exploration day (open to alumni);
agent.ept has a candidacy waiting for their direction's answer; equipe has confirmed candidacies to select and
the attendance of last week's alumni meeting to take."""

from datetime import date, datetime, time, timedelta

from django.contrib.auth.hashers import make_password
from django.utils import timezone

from sman.models import Challenge, Membership, Organisation, User

from .models import Candidacy, Cohort, Event, Explorer, Project, Registration, Theme

DOMAIN = "demo.metropole-intelligences.example"
# (first name, last name, territory code, role) — explorers of the first cohort; names are fictitious.
FIRST_COHORT = [
    ("Claire", "Martin", "92071", "Directrice de la bibliothèque"),
    ("Karim", "Benali", "94028", "Directeur des systèmes d'information"),
    ("Sophie", "Durand", "94002", "Directeur Innovation et Modernisation Action Publique"),
    ("Lucas", "Petit", "92046", "Chargée de mission auprès de la Direction Générale"),
    ("Inès", "Moreau", "92026", "DSI Adjoint / responsable SIG"),
    ("Thomas", "Lefèvre", "T12", "Chef de projet culturel"),
    ("Nadia", "Roux", "T11", "Chef de projet numérique"),
    ("Julien", "Fournier", "T9", "Directeur des systèmes d'informations"),
    ("Amélie", "Girard", "92050", "Chargée de mission"),
    ("Hugo", "Bonnet", "T4", "Chargée de mission et responsable développement économique"),
]
CANDIDATES = [
    ("Léa", "Garnier", "93055", "Cheffe de projet démocratie participative", Candidacy.Status.CONFIRMED),
    ("Mehdi", "Chevalier", "93066", "Chargé de mission données", Candidacy.Status.CONFIRMED),
    ("Emma", "Lambert", "T6", "Responsable de la relation usagers", Candidacy.Status.CONFIRMED),
    ("Paul", "Faure", "94081", "Développeur", Candidacy.Status.AWAITING_MANAGER),
]
DAYS_2018 = [
    (date(2018, 10, 11), "Ouvrir les données publiques", [Theme.OPEN_DATA]),
    (date(2018, 12, 6), "Un numérique éco-responsable", [Theme.ECO_DIGITAL]),
    (date(2019, 2, 7), "Partenariats innovants et achat public", [Theme.PARTNERSHIPS]),
    (date(2019, 4, 4), "Économie collaborative et territoires", [Theme.COLLABORATIVE_ECONOMY]),
    (date(2019, 6, 6), "Démocratie numérique", [Theme.DIGITAL_DEMOCRACY]),
]


def _at(day: date, hour: int) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


def _agent(first: str, last: str, code: str) -> tuple[User, Organisation]:
    organisation = Organisation.objects.get(kind="collectivity", territory__code=code)
    email = f"explorateur.{last.lower().replace('è', 'e').replace('é', 'e')}@{DOMAIN}"
    user, created = User.objects.get_or_create(
        email=email, defaults={"first_name": first, "last_name": last, "password": make_password(None)}
    )
    Membership.objects.get_or_create(user=user, organisation=organisation)
    return user, organisation


def load_demo(users: dict) -> None:
    if Cohort.objects.filter(start_year=2018).exists():
        return
    today = timezone.localdate()
    first = Cohort.objects.create(
        start_year=2018, seats=40, call_opens_on=date(2018, 5, 1), call_closes_on=date(2018, 6, 30),
        starts_on=date(2018, 9, 15), ends_on=date(2019, 6, 30),
        description="La première promotion : dix journées d'exploration, 35 collectivités, 25 agents mobilisés "
        "sur la durée (données de démonstration pour les personnes et les présences).",
    )  # fmt: skip
    current = Cohort.objects.create(
        start_year=max(today.year, 2019), seats=40, call_opens_on=today - timedelta(days=10),
        call_closes_on=today + timedelta(days=30), starts_on=today + timedelta(days=45),
        ends_on=today + timedelta(days=45 + 330),
        description="Une quarantaine d'agents, six journées d'exploration, des learning expeditions.",
    )  # fmt: skip
    explorers = []
    montreuil = Organisation.objects.get(kind="collectivity", territory__code="93048")
    agent = users["commune_agent"]
    explorers.append(
        Explorer.objects.create(
            cohort=first,
            user=agent,
            collectivity=montreuil,
            role="Chargée des pratiques numériques",
            department="Direction de la communication",
            manager_name="Direction générale des services",
            manager_email=f"dgs.montreuil@{DOMAIN}",
            selected_at=_at(first.starts_on, 9),
            show_email=True,
        )  # fmt: skip
    )
    for first_name, last_name, code, role in FIRST_COHORT:
        user, organisation = _agent(first_name, last_name, code)
        explorers.append(
            Explorer.objects.create(
                cohort=first, user=user, collectivity=organisation, role=role, selected_at=_at(first.starts_on, 9)
            )
        )
    # The exploration days of 2018/2019, attendance taken (two absences per day, in turn).
    for i, (day, title, themes) in enumerate(DAYS_2018):
        event = Event.objects.create(
            cohort=first, title=title, starts_at=_at(day, 9), ends_at=_at(day, 17), venue="Métropole du Grand Paris",
            address="15-19 avenue Pierre Mendès-France, 75013 Paris", themes=themes, seats=40,
            programme="Interventions, ateliers pratiques sur des outils numériques, travail sur les projets.",
            attendance_taken_at=_at(day, 18), reminder_sent_at=_at(day - timedelta(days=2), 9),
        )  # fmt: skip
        for j, explorer in enumerate(explorers):
            Registration.objects.create(
                event=event, explorer=explorer, status=Registration.Status.REGISTERED, attended=(i + j) % 5 not in (0,)
            )
    expedition = Event.objects.create(
        cohort=first, kind=Event.Kind.LEARNING_EXPEDITION, title="Learning expedition à Lyon",
        starts_at=_at(date(2019, 5, 16), 8), ends_at=_at(date(2019, 5, 16), 19), venue="Métropole de Lyon",
        themes=[Theme.OPEN_DATA, Theme.PARTNERSHIPS], seats=15, attendance_taken_at=_at(date(2019, 5, 16), 19),
    )  # fmt: skip
    for explorer in explorers[:12]:
        Registration.objects.create(event=expedition, explorer=explorer, status="registered", attended=True)
    # Last week's alumni meeting: staff has its attendance to take.
    meeting_day = today - timedelta(days=3)
    meeting = Event.objects.create(
        cohort=first, title="Rencontre des alumni 2018/2019", starts_at=_at(meeting_day, 18),
        ends_at=_at(meeting_day, 20), venue="Métropole du Grand Paris", themes=[Theme.PROJECT_WORK], seats=30,
        programme="Retours d'expérience des projets de la première promotion.",
    )  # fmt: skip
    for explorer in explorers[:8]:
        Registration.objects.create(event=meeting, explorer=explorer, status="registered")
    # The current cohort's first exploration day, open to alumni: agent.commune is registered.
    opening = current.starts_on + timedelta(days=7)
    first_day = Event.objects.create(
        cohort=current, title="Journée d'ouverture : les communs numériques", starts_at=_at(opening, 9),
        ends_at=_at(opening, 17), venue="Métropole du Grand Paris", open_to_alumni=True, seats=45,
        themes=[Theme.OPEN_DATA, Theme.DIGITAL_DEMOCRACY], speakers="Équipe du programme ; alumni 2018/2019.",
        programme="Accueil de la promotion, présentation des projets des alumni, ateliers.",
    )  # fmt: skip
    Registration.objects.create(event=first_day, explorer=explorers[0], status="registered")
    Event.objects.create(
        cohort=current, kind=Event.Kind.LEARNING_EXPEDITION, title="Learning expedition à Barcelone",
        starts_at=_at(opening + timedelta(days=90), 8), ends_at=_at(opening + timedelta(days=91), 19),
        venue="Ajuntament de Barcelona", themes=[Theme.PARTNERSHIPS], seats=15,
    )  # fmt: skip
    # Annex 3 projects belong to the first cohort; the explorers of the demo carry those of their collectivity.
    by_collectivity = {e.collectivity_id: e for e in explorers}
    for project in Project.objects.filter(source=Project.Source.ANNEX_3, cohort__isnull=True):
        project.cohort = first
        project.explorer = by_collectivity.get(project.collectivity_id)
        project.status = Project.Status.QUALIFIED
        project.save(update_fields=["cohort", "explorer", "status"])
    _fmin_projects(first, explorers, users)
    Project.objects.create(
        title="Prise de rendez-vous en ligne pour les services municipaux",
        irritant="Les usagers attendent au guichet pour prendre un rendez-vous.",
        idea="Un agenda en ligne partagé par les services, avec rappels par SMS.",
        challenge=Challenge.objects.get(number=4), collectivity=montreuil, explorer=explorers[0], cohort=first,
        carrier_role=explorers[0].role,
    )  # fmt: skip
    # Candidacies to the current cohort.
    for first_name, last_name, code, role, status in CANDIDATES:
        user, organisation = _agent(first_name, last_name, code)
        Candidacy.objects.create(
            cohort=current, agent=user, collectivity=organisation, role=role, department="Direction générale",
            motivation="Porter un projet numérique pour ma collectivité et apprendre des autres agents.",
            manager_name="Direction générale des services", manager_email=f"dgs.{code}@{DOMAIN}", status=status,
            manager_decided_at=timezone.now() if status == Candidacy.Status.CONFIRMED else None,
        )  # fmt: skip
    Candidacy.objects.create(
        cohort=current, agent=users["ept_agent"],
        collectivity=Organisation.objects.get(kind="collectivity", territory__code="T8"),
        role="Chef de projet études et communication", department="Direction de la communication",
        motivation="Développer les outils de participation citoyenne du territoire.",
        project_idea="Une plateforme de concertation commune aux neuf villes du territoire.",
        manager_name="Direction générale des services", manager_email=f"dgs.est-ensemble@{DOMAIN}",
    )  # fmt: skip


def _fmin_projects(cohort, explorers, users) -> None:
    """Two of the FMIN's three funded demo projects came from an explorer's project (SMAN §4.2.2.1: « près de
    70 % »): the relation the FMIN's indicator counts."""
    from fmin import selectors as fmin_selectors

    for explorer in explorers:
        application = (
            fmin_selectors.funded_projects()
            .filter(lead=explorer.collectivity, explorateurs_project__isnull=True)
            .first()
        )
        if application is None:
            continue
        Project.objects.create(
            title=application.title, irritant=application.irritant or "Un irritant relevé pendant les journées.",
            idea=application.summary or application.title, challenge=application.challenges.first(),
            collectivity=explorer.collectivity, explorer=explorer, cohort=cohort, carrier_role=explorer.role,
            status=Project.Status.FUNDED, fmin_application=application,
        )  # fmt: skip
