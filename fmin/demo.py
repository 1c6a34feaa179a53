"""Demo data: an open call with its workshops, a first session with funded (demonstration) projects, a
Bâtisseurs working group, a draft joint application of Montreuil with Est Ensemble, two eligible files of
the open call assigned to the demo reviewer, and an open call of the PCAEM programme (action #13) with one file
assigned to the demo reviewer."""

from datetime import date, timedelta

from django.utils import timezone

from sman.models import Challenge, Organisation, Territory

from . import services
from .models import (
    PCAEM_PROGRAMME,
    Application,
    Assignment,
    Call,
    Decision,
    FundingLine,
    Participant,
    Programme,
    QualificationWorkshop,
    Theme,
    WorkingGroup,
)

CHARTER = (
    "Les collectivités membres partagent leurs expérimentations, co-construisent des livrables (retours "
    "d'expérience, guides méthodologiques, évaluations) et ouvrent à toutes les collectivités du Grand Paris "
    "les briques expérimentales qu'elles co-créent."
)
DEMO_PROJECTS = [
    # (commune code, title, theme, défi, grant in euros)
    ("93048", "Agent conversationnel pour l'accueil des usagers (démonstration)", Theme.CITIZEN_RELATIONS, 4, 35_000),
    ("92012", "Capteurs de qualité de l'air dans les écoles (démonstration)", Theme.ENVIRONMENT, 5, 28_000),
    ("94028", "Budget participatif en ligne (démonstration)", Theme.PARTICIPATION, 6, 20_000),
]


def _file_contents(application, organisation, *, code: str, challenge: int, grant: int) -> None:
    """What a demo file holds besides its text: défi, territory, the lead (cost 2.5 × the grant, request 1 ×),
    one budget line and the lead's own funds."""
    application.challenges.set(Challenge.objects.filter(number=challenge))
    application.territories.set(Territory.objects.filter(code=code))
    Participant.objects.create(
        application=application,
        organisation=organisation,
        is_lead=True,
        cost_share_cents=grant * 250,
        request_cents=grant * 100,
        confirmed_at=timezone.now(),
    )
    application.budget_lines.create(
        expense_type="service_development",
        label="Développement",
        amount_ht_cents=grant * 250,
        amount_ttc_cents=grant * 300,
    )
    FundingLine.objects.create(
        application=application, source="own_funds", funder=organisation.name, amount_cents=grant * 150
    )


def _funded(call: Call, code: str, title: str, theme: str, challenge: int, grant: int, staff) -> None:
    organisation = Organisation.objects.get(kind="collectivity", territory__code=code)
    application = Application.objects.create(
        call=call,
        lead=organisation,
        title=title,
        theme=theme,
        status=Application.Status.FUNDED,
        created_by=staff,
        submitted_at=timezone.now(),
        commits_to_evaluate=True,
        summary="Projet fictif créé pour la démonstration du portail.",
    )
    _file_contents(application, organisation, code=code, challenge=challenge, grant=grant)
    Decision.objects.create(
        application=application, outcome="funded", amount_cents=grant * 100, reason="Démonstration.", decided_by=staff
    )


# Files of the open call, submitted and found eligible, that the demo reviewer has to score: collectivities
# the reviewer does not act for (they act for none).
TO_SCORE = [
    # (commune code, title, theme, défi, grant in euros)
    ("94080", "Signalement des incidents de voirie par les habitants (démonstration)", Theme.CITIZEN_RELATIONS, 4,
     30_000),
    ("92050", "Tableau de bord énergétique des bâtiments communaux (démonstration)", Theme.ENVIRONMENT, 5, 24_000),
]  # fmt: skip


def load_demo(users: dict) -> None:
    if not Call.objects.exists():
        _calls_and_groups(users)
    _files_to_score(users)
    _pcaem_call(users)


# The demo PCAEM call's own criteria (code, label, guidance, weight): the SMAN gives action #13 no sheet, so
# these are the call's choices, for the demonstration.
PCAEM_CRITERIA = (
    ("behaviour", "Effet attendu sur les comportements des habitants",
     "Quels gestes (énergie, déplacements, air) la solution fait-elle évoluer, et comment ?", 2),
    ("audience", "Publics touchés", "Combien d'habitants, lesquels, dans quels quartiers ?", 1),
    ("measure", "Mesure de l'effet", "Indicateurs, situation de référence, suivi pendant l'expérimentation.", 1),
    ("replicability", "Répliquabilité à l'échelle métropolitaine",
     "La solution peut-elle servir à d'autres communes du Grand Paris ?", 1),
)  # fmt: skip


def _pcaem_call(users: dict) -> None:
    """One open call of the PCAEM programme (action #13), open to collectivities and digital actors, without the
    Bâtisseurs condition, with its own criteria and caps; one file of it submitted, found eligible and assigned
    to the demo reviewer. Once."""
    staff, reviewer = users["staff"], users.get("reviewer")
    programme = Programme.objects.filter(slug=PCAEM_PROGRAMME).first()
    if programme is None or programme.calls.exists():
        return
    today = timezone.localdate()
    call = services.call_create(
        user=staff,
        programme=programme,
        year=today.year,
        title=f"Appel à projets PCAEM {today.year} (démonstration)",
        description="Des solutions numériques qui aident les habitants à réduire leur consommation d'énergie, à se "
        "déplacer autrement et à préserver la qualité de l'air. Plafonds, critères et porteurs de démonstration.",
        opens_on=today - timedelta(days=20),
        closes_on=today + timedelta(days=40),
        is_published=True,
        envelope_cents=50_000_000,
        cap_single_cents=3_000_000,
        cap_joint_cents=5_000_000,
        applicant_kinds=[Organisation.Kind.COLLECTIVITY, Organisation.Kind.DIGITAL_ACTOR],
        requires_working_group=False,
        criteria=PCAEM_CRITERIA,
    )
    if reviewer is None:
        return
    application = _submitted(
        call,
        "94046",
        "Défi familles à énergie positive en ligne (démonstration)",
        Theme.ENVIRONMENT,
        5,
        20_000,
        staff,
    )
    checklist = dict.fromkeys((item for item, _ in services.ELIGIBILITY_ITEMS), True)
    services.eligibility_record(application=application, user=staff, checklist=checklist, note="")
    services.assignment_create(application=application, reviewer=reviewer, user=staff)


def _files_to_score(users: dict) -> None:
    """The demo reviewer's pending work: files assigned through the instruction services (eligibility, then
    assignment), once."""
    staff, reviewer = users["staff"], users.get("reviewer")
    call = Call.objects.order_by("-opens_on").first()
    if reviewer is None or call is None or Assignment.objects.filter(reviewer=reviewer).exists():
        return
    for code, title, theme, challenge, grant in TO_SCORE:
        application = _submitted(call, code, title, theme, challenge, grant, staff)
        checklist = dict.fromkeys((item for item, _ in services.ELIGIBILITY_ITEMS), True)
        services.eligibility_record(application=application, user=staff, checklist=checklist, note="")
        services.assignment_create(application=application, reviewer=reviewer, user=staff)


def _submitted(call: Call, code: str, title: str, theme: str, challenge: int, grant: int, staff) -> Application:
    """A complete file, as its collectivity would have submitted it (request 40 % of the cost, own share 60 %)."""
    organisation = Organisation.objects.get(kind="collectivity", territory__code=code)
    application = Application.objects.create(
        call=call,
        lead=organisation,
        title=title,
        theme=theme,
        status=Application.Status.SUBMITTED,
        created_by=staff,
        submitted_at=timezone.now(),
        irritant="Dossier fictif créé pour la démonstration du portail.",
        experiment="Expérimentation fictive sur une partie du territoire de la commune, pendant un an.",
        method="Test auprès d'un panel d'usagers, puis décision de généralisation (démonstration).",
        evaluation_design="Indicateurs suivis chaque trimestre et bilan final publié (démonstration).",
        indicators="Nombre d'usagers, délai de traitement, satisfaction (démonstration).",
        sharing_plan="Retour d'expérience publié dans le centre de ressources (démonstration).",
        internal_team="Direction du numérique et service concerné (démonstration).",
        starts_on=call.closes_on + timedelta(days=60),
        ends_on=call.closes_on + timedelta(days=425),
        commits_to_evaluate=True,
        summary="Projet fictif créé pour la démonstration du portail.",
    )
    _file_contents(application, organisation, code=code, challenge=challenge, grant=grant)
    return application


def _calls_and_groups(users: dict) -> None:
    staff = users["staff"]
    today = timezone.localdate()
    first = services.call_create(
        user=staff,
        year=2019,
        title="FMIN — première session (démonstration)",
        opens_on=date(2019, 3, 1),
        closes_on=date(2019, 6, 30),
        is_published=True,
    )
    for project in DEMO_PROJECTS:
        _funded(first, *project, staff)
    current = services.call_create(
        user=staff,
        year=today.year + 1,
        title=f"FMIN — session {today.year + 1}",
        opens_on=today - timedelta(days=15),
        closes_on=today + timedelta(days=75),
        is_published=True,
        description="Appel à projets pour les expérimentations numériques des communes et des EPT de la Métropole.",
    )
    for days, venue in ((10, "Métropole du Grand Paris, salle du conseil"), (24, "Visioconférence")):
        QualificationWorkshop.objects.create(
            call=current,
            title="Atelier de qualification des projets",
            starts_at=timezone.now() + timedelta(days=days),
            venue=venue,
            capacity=10,
        )
    group = WorkingGroup.objects.create(
        name="Gestion de la relation citoyenne",
        slug="relation-citoyenne",
        theme=Theme.CITIZEN_RELATIONS,
        description="Des collectivités mutualisent leurs expérimentations d'e-administration : référentiel pour "
        "agent conversationnel, comparaison de solutions, retours d'expérience.",
        charter=CHARTER,
    )
    for slug, name, theme in (
        ("mobilite", "Mobilité", Theme.MOBILITY),
        ("mediation-numerique", "Médiation numérique", Theme.DIGITAL_INCLUSION),
    ):
        WorkingGroup.objects.create(
            name=name,
            slug=slug,
            theme=theme,
            description=f"Groupe de travail thématique : {name.lower()}.",
            charter=CHARTER,
        )
    montreuil = Organisation.objects.get(kind="collectivity", territory__code="93048")
    services.working_group_join(group=group, organisation=montreuil, user=users["commune_agent"], accepts_charter=True)
    services.application_create(
        user=users["commune_agent"], call=current, lead=montreuil, title="Prise de rendez-vous en ligne mutualisée"
    )
