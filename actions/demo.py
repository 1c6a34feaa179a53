"""Demo data: the 2019-2020 roadmap as it would stand after a year, and its COPIL.

Every action that has a sheet in Annex 2 of the SMAN gets owners, its follow-up (status, progress, notes),
the actual dates of the milestones done, budget lines for 2019 and 2020 and indicator values typed in by an
owner. The figures follow the SMAN where it gives some (about 200 k€ HT for the FttH platform, a 1 M€
FMIN envelope a year, some forty Explorateurs after 25 in the first edition, six exploration days, a 20 k€
pre-incubation ticket per collectivity, nearly 70 % of FMIN projects coming from the Explorateurs); the
rest is invented, and every text says so.

The COPIL goes through its services, as staff and members would: two sessions (2019 S2, 2020 S1) created
with their agenda, presented by the owners, given an opinion and reasons for each of the 17 actions by the
demo COPIL member, with attendance, minutes and recommendations, then closed; the report of the last one
rendered here, synchronously, so that it can be downloaded right after ``make run``; and the next session
(2020 S2) created with its agenda, ready to prepare. The follow-up data is written in three steps (end of
2019, mid-2020, autumn 2020) so that each session's prefilled facts are those of its date.

Idempotent: a database that already has a COPIL session keeps its COPIL and its follow-up as they are.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from . import services
from .models import Action, ActionReview, BudgetLine, CopilSession, Indicator, IndicatorValue
from .tasks import generate_report

DEMO = "(données de démonstration)"
ROADMAP = "2019-2020"

# The three steps of the year: the follow-up as it stood on each date, and the session held then.
STEP_DATES = (date(2019, 12, 12), date(2020, 6, 25), date(2020, 11, 30))
CLOSED_SESSIONS = ((2019, 2, date(2019, 12, 12)), (2020, 1, date(2020, 6, 25)))
UPCOMING_SESSION = (2020, 2, date(2020, 12, 10))

K = 100_000  # one thousand euros, in cents


@dataclass(frozen=True)
class DemoIndicator:
    name: str
    kind: str
    unit: str
    definition: str
    target: int
    target_date: date
    values: tuple[tuple[date, int], ...]
    baseline: int | None = None
    source: str = "Suivi de l'équipe de la Métropole"


@dataclass(frozen=True)
class DemoFollow:
    """One action's year: owners (demo roles), progress and status at each step, milestone delays by order
    (days after the planned end; None: not done), budget per year (allocated, committed, spent at mid-2020
    or at the end of 2019, spent in the autumn), indicators and the owner's presentations per session."""

    owners: tuple[str, ...]
    progress: tuple[int, int, int]
    notes: str
    delays: tuple[int | None, ...] = ()
    budget: dict[int, tuple[int, int, int, int]] = field(default_factory=dict)
    indicators: tuple[DemoIndicator, ...] = ()
    presentations: tuple[str, str] = ("", "")


def _d(year, month, day):
    return date(year, month, day)


FOLLOW = {
    1: DemoFollow(
        owners=("staff",),
        progress=(10, 20, 25),
        notes="Réponse conjointe avec la Société du Grand Paris en préparation ; communes volontaires recensées.",
        budget={2019: (50 * K, 45 * K, 42 * K, 42 * K), 2020: (30 * K, 20 * K, 8 * K, 15 * K)},
        indicators=(
            DemoIndicator(
                "Communes volontaires associées à la rocade numérique", "process", "communes",
                "Nombre de communes qui se sont déclarées volontaires pour accueillir une zone d'innovation "
                "numérique à proximité d'une gare du Grand Paris Express.",
                20, _d(2020, 12, 31), ((_d(2019, 12, 31), 6), (_d(2020, 6, 30), 9), (_d(2020, 9, 30), 11)),
            ),
        ),
        presentations=(
            "Étude d'opportunité lancée avec la SGP ; six communes volontaires identifiées.",
            "Neuf communes volontaires ; le montage juridique des zones d'innovation reste à définir.",
        ),
    ),
    2: DemoFollow(
        owners=("staff", "commune_agent"),
        progress=(35, 60, 70),
        notes="Convention signée avec l'ARCEP et les opérateurs ; plateforme ouverte par étapes depuis l'été 2020.",
        delays=(-10, 20, None),
        budget={2019: (80 * K, 80 * K, 75 * K, 75 * K), 2020: (120 * K, 120 * K, 60 * K, 131 * K)},
        indicators=(
            DemoIndicator(
                "Logements raccordables à la fibre", "result", "%",
                "Part des logements de la Métropole raccordables au FttH.",
                100, _d(2022, 12, 31),
                ((_d(2019, 6, 30), 61), (_d(2019, 12, 31), 68), (_d(2020, 6, 30), 74), (_d(2020, 9, 30), 77)),
                baseline=55, source="ARCEP",
            ),
            DemoIndicator(
                "Communes dont le déploiement est publié sur la plateforme", "process", "communes",
                "Nombre de communes de la Métropole pour lesquelles les données des opérateurs sont publiées.",
                130, _d(2020, 12, 31), ((_d(2019, 12, 31), 0), (_d(2020, 6, 30), 48), (_d(2020, 9, 30), 86)),
            ),
        ),
        presentations=(
            "Convention signée en avance ; le marché a été attribué avec trois semaines de retard.",
            "Premières communes publiées ; le design thinking avec le panel de citoyens a eu lieu au printemps.",
        ),
    ),
    3: DemoFollow(
        owners=("staff", "ept_agent"),
        progress=(25, 45, 55),
        notes="Premiers carnets distribués par des CCAS ; réseau de lieux labellisés APTIC en constitution.",
        budget={2019: (100 * K, 90 * K, 62 * K, 62 * K), 2020: (250 * K, 180 * K, 70 * K, 140 * K)},
        indicators=(
            DemoIndicator(
                "Carnets Pass Numérique remis aux bénéficiaires", "result", "carnets",
                "Nombre cumulé de carnets de tickets remis à des bénéficiaires par les distributeurs habilités.",
                5000, _d(2020, 12, 31), ((_d(2019, 12, 31), 400), (_d(2020, 6, 30), 1150), (_d(2020, 9, 30), 1900)),
            ),
            DemoIndicator(
                "Lieux de médiation labellisés APTIC partenaires", "process", "lieux",
                "Nombre de lieux labellisés APTIC de la Métropole qui acceptent les tickets.",
                60, _d(2020, 12, 31), ((_d(2019, 12, 31), 18), (_d(2020, 6, 30), 27), (_d(2020, 9, 30), 35)),
            ),
        ),
        presentations=(
            "Deux financeurs engagés ; les premiers carnets sont remis depuis novembre.",
            "Distribution en hausse ; la couverture des lieux reste inégale entre les territoires.",
        ),
    ),
    5: DemoFollow(
        owners=("staff", "ept_agent"),
        progress=(30, 50, 60),
        notes="Cahier des charges rédigé après le recueil des besoins ; premières démarches ouvertes au printemps.",
        delays=(-5, 0, 15, 30, 45),
        budget={2019: (30 * K, 30 * K, 18 * K, 18 * K), 2020: (60 * K, 55 * K, 25 * K, 48 * K)},
        indicators=(
            DemoIndicator(
                "Collectivités utilisant la plateforme de participation", "result", "collectivités",
                "Nombre de communes et d'EPT ayant ouvert au moins une démarche sur la plateforme mutualisée.",
                15, _d(2020, 12, 31), ((_d(2020, 6, 30), 3), (_d(2020, 9, 30), 5)),
            ),
        ),
        presentations=(
            "Besoins recueillis auprès des collectivités ; cahier des charges en cours de rédaction.",
            "Plateforme choisie ; trois collectivités ont ouvert une démarche, avec six semaines de retard.",
        ),
    ),
    6: DemoFollow(
        owners=("staff",),
        progress=(20, 40, 50),
        notes="Marché de développement attribué tardivement ; mise en service repoussée.",
        delays=(0, 30, 60, None),
        budget={2019: (40 * K, 35 * K, 20 * K, 20 * K), 2020: (80 * K, 60 * K, 10 * K, 30 * K)},
        indicators=(
            DemoIndicator(
                "Besoins publiés par les collectivités", "result", "besoins",
                "Nombre de besoins publiés par des collectivités sur la place de marché.",
                30, _d(2020, 12, 31), ((_d(2020, 6, 30), 0), (_d(2020, 9, 30), 4)),
            ),
        ),
        presentations=(
            "Besoins identifiés ; le CCTP a pris un mois de retard.",
            "La mise en service prévue au premier trimestre n'a pas eu lieu : recette en cours.",
        ),
    ),
    7: DemoFollow(
        owners=("staff",),
        progress=(30, 45, 55),
        notes="Marché d'animation attribué ; appel à contributions lancé auprès des collectivités.",
        delays=(0, 0, 20),
        budget={2019: (35 * K, 35 * K, 33 * K, 33 * K), 2020: (50 * K, 50 * K, 22 * K, 41 * K)},
        indicators=(
            DemoIndicator(
                "Visites mensuelles du centre de ressources", "result", "visites par mois",
                "Nombre de visites du centre de ressources au cours du dernier mois.",
                5000, _d(2020, 12, 31),
                ((_d(2019, 6, 30), 1200), (_d(2019, 12, 31), 1900), (_d(2020, 6, 30), 2600), (_d(2020, 9, 30), 2900)),
            ),
            DemoIndicator(
                "Contributions publiées", "process", "contributions",
                "Nombre cumulé de ressources, retours d'expérience et veilles publiés par des contributeurs.",
                120, _d(2020, 12, 31), ((_d(2019, 12, 31), 38), (_d(2020, 6, 30), 61), (_d(2020, 9, 30), 74)),
            ),
        ),
        presentations=(
            "Besoins de communication et d'animation identifiés ; marché lancé avec trois semaines de retard.",
            "Fréquentation en hausse ; les contributions des acteurs du numérique restent rares.",
        ),
    ),
    9: DemoFollow(
        owners=("staff", "ept_agent"),
        progress=(40, 75, 90),
        notes="Seconde édition lancée en septembre 2019 ; cinq journées d'exploration tenues à mi-2020.",
        delays=(0, 15, 0, 3),
        budget={2019: (60 * K, 60 * K, 55 * K, 55 * K), 2020: (80 * K, 80 * K, 50 * K, 78 * K)},
        indicators=(
            DemoIndicator(
                "Agents inscrits dans la promotion 2019-2020", "result", "agents",
                "Nombre d'agents des collectivités inscrits dans la promotion en cours.",
                40, _d(2020, 6, 30), ((_d(2019, 9, 30), 34), (_d(2019, 12, 31), 37), (_d(2020, 6, 30), 36)),
                baseline=25,
            ),
            DemoIndicator(
                "Journées d'exploration tenues", "process", "journées",
                "Nombre de journées d'exploration tenues pendant l'édition.",
                6, _d(2020, 6, 30), ((_d(2019, 12, 31), 2), (_d(2020, 6, 30), 5), (_d(2020, 9, 30), 6)),
            ),
        ),
        presentations=(
            "Prestataire retenu ; 37 agents inscrits, deux journées d'exploration tenues.",
            "Cinq journées sur six tenues ; une learning expedition organisée ; forte assiduité.",
        ),
    ),
    10: DemoFollow(
        owners=("staff", "commune_agent"),
        progress=(50, 70, 80),
        notes="Session 2019 du FMIN sélectionnée en juillet ; trois groupes des Bâtisseurs du numérique actifs.",
        delays=(0, 0, 10),
        budget={2019: (1000 * K, 870 * K, 430 * K, 430 * K), 2020: (1000 * K, 940 * K, 300 * K, 520 * K)},
        indicators=(
            DemoIndicator(
                "Expérimentations financées par le FMIN depuis 2019", "result", "projets",
                "Nombre cumulé d'expérimentations de collectivités financées par le FMIN depuis 2019.",
                40, _d(2020, 12, 31), ((_d(2019, 12, 31), 21), (_d(2020, 6, 30), 21), (_d(2020, 9, 30), 33)),
            ),
            DemoIndicator(
                "Part des projets financés issus des Explorateurs du numérique", "result", "%",
                "Part des projets financés par le FMIN portés par des collectivités membres des Explorateurs.",
                70, _d(2020, 12, 31), ((_d(2019, 12, 31), 67), (_d(2020, 9, 30), 70)),
            ),
        ),
        presentations=(
            "Vingt et un projets retenus ; 87 % de l'enveloppe 2019 engagée ; versements en cours.",
            "Session 2020 ouverte ; les groupes des Bâtisseurs du numérique se réunissent chaque trimestre.",
        ),
    ),
    11: DemoFollow(
        owners=("staff", "ept_agent"),
        progress=(25, 40, 45),
        notes="Concertation sur le véhicule juridique prolongée ; rédaction des statuts non commencée.",
        delays=(0, 30, 45, None),
        budget={2019: (25 * K, 25 * K, 24 * K, 24 * K), 2020: (40 * K, 15 * K, 5 * K, 12 * K)},
        indicators=(
            DemoIndicator(
                "Collectivités consultées sur le pôle d'ingénierie", "process", "collectivités",
                "Nombre de communes et d'EPT ayant répondu à la concertation sur le véhicule juridique du pôle.",
                30, _d(2020, 6, 30), ((_d(2019, 12, 31), 22), (_d(2020, 6, 30), 27)),
            ),
        ),
        presentations=(
            "Besoins recensés ; le benchmark des véhicules juridiques a pris un mois de retard.",
            "La concertation n'a pas tranché entre deux montages : les statuts attendent ce choix.",
        ),
    ),
    12: DemoFollow(
        owners=("staff",),
        progress=(15, 30, 35),
        notes="Une collectivité en pré-incubation avec beta.gouv.fr ; deux autres candidates.",
        delays=(0,),
        budget={2019: (60 * K, 20 * K, 20 * K, 20 * K), 2020: (60 * K, 40 * K, 20 * K, 40 * K)},
        indicators=(
            DemoIndicator(
                "Projets de collectivités en pré-incubation", "result", "projets",
                "Nombre de projets de collectivités dont la Métropole finance la pré-incubation (20 k€ chacun).",
                3, _d(2020, 12, 31), ((_d(2019, 12, 31), 1), (_d(2020, 6, 30), 2)),
            ),
        ),
        presentations=(
            "Une pré-incubation financée ; l'appel aux collectivités sera relancé au printemps.",
            "Deux projets en pré-incubation ; le troisième attend la décision de sa collectivité.",
        ),
    ),
}  # fmt: skip

# The COPIL's opinion and its reason for each of the 17 actions, per closed session (the actions with no
# sheet in Annex 2 have no owner nor follow-up yet).
KEEP, SCALE_UP, ABANDON = ActionReview.Opinion.KEEP, ActionReview.Opinion.SCALE_UP, ActionReview.Opinion.ABANDON
NO_SHEET = "L'action n'a pas encore de fiche ni de responsable : le COPIL demande qu'un responsable soit désigné."
OPINIONS = {
    (2019, 2): {
        1: (KEEP, "Démarche utile mais encore exploratoire : poursuivre l'étude avec la SGP."),
        2: (KEEP, "Calendrier globalement tenu ; suivre de près la consommation du budget 2020."),
        3: (KEEP, "Démarrage encourageant ; élargir le cercle des financeurs."),
        4: (KEEP, NO_SHEET),
        5: (KEEP, "Recueil des besoins réussi ; le choix de la plateforme reste à faire."),
        6: (KEEP, "Retard du CCTP à rattraper avant la mise en service."),
        7: (KEEP, "Le centre de ressources doit gagner des contributeurs hors de la Métropole."),
        8: (KEEP, NO_SHEET),
        9: (KEEP, "Promotion presque complète et assidue : poursuivre."),
        10: (KEEP, "Sélection tenue dans les délais ; veiller au suivi des projets financés."),
        11: (KEEP, "Besoins recensés ; accélérer le choix du véhicule juridique."),
        12: (KEEP, "Une seule pré-incubation : mieux faire connaître le dispositif aux collectivités."),
        13: (KEEP, NO_SHEET),
        14: (KEEP, NO_SHEET),
        15: (KEEP, NO_SHEET),
        16: (KEEP, NO_SHEET),
        17: (KEEP, NO_SHEET),
    },
    (2020, 1): {
        1: (KEEP, "Intérêt confirmé par les communes volontaires ; pas encore de montage opérationnel."),
        2: (KEEP, "Plateforme ouverte ; le dépassement du budget 2020 doit être justifié à la prochaine séance."),
        3: (SCALE_UP, "La demande dépasse l'offre : étendre la distribution à tous les territoires."),
        4: (KEEP, NO_SHEET),
        5: (KEEP, "Premières démarches ouvertes malgré le retard ; accompagner les collectivités suivantes."),
        6: (KEEP, "Mise en service toujours attendue : l'action reste à surveiller."),
        7: (KEEP, "Fréquentation en hausse ; viser davantage de contributions des acteurs du numérique."),
        8: (KEEP, NO_SHEET),
        9: (KEEP, "Édition réussie ; préparer les alumni et la promotion suivante."),
        10: (SCALE_UP, "Les projets financés sont répliquables : diffuser les briques communes via les Bâtisseurs."),
        11: (KEEP, "Choix du montage à trancher avant la fin de l'année."),
        12: (KEEP, "Deux pré-incubations : poursuivre sans élargir pour l'instant."),
        13: (KEEP, NO_SHEET),
        14: (KEEP, NO_SHEET),
        15: (KEEP, NO_SHEET),
        16: (
            ABANDON,
            "Ni responsable ni budget depuis l'adoption du SMAN, et aucune collectivité demandeuse : le COPIL "
            "propose de ne pas la reprendre.",
        ),
        17: (KEEP, NO_SHEET),
    },
}
MINUTES = {
    (2019, 2): "Première séance du COPIL d'exécution : revue des 17 actions, avis de maintien pour chacune ; "
    "le comité demande un responsable pour les actions qui n'ont pas de fiche.",
    (2020, 1): "Revue des 17 actions : diffusion proposée pour le Pass Numérique et le FMIN, abandon de la bourse "
    "aux espaces vacants ; le retard de la place de marché et du pôle d'ingénierie est à suivre.",
}
RECOMMENDATIONS = {
    (2019, 2): (
        ("fmin", "Publier le calendrier de la session 2020 dès janvier et relayer les ateliers de qualification."),
        ("explorateurs", "Associer les alumni de la première édition aux journées d'exploration."),
        ("resources", "Ouvrir un appel à contributions aux acteurs de Grand Paris Métropole Tech."),
        ("engineering", "Présenter deux montages juridiques chiffrés au prochain COPIL."),
    ),
    (2020, 1): (
        ("fmin", "Conditionner le second versement à la remise du rapport d'évaluation du projet."),
        ("explorateurs", "Ouvrir la prochaine promotion aux agents des EPT les moins représentés."),
        ("resources", "Publier les retours d'expérience des projets financés par le FMIN."),
        ("engineering", "Trancher le véhicule juridique du pôle avant la fin de l'année."),
        ("batisseurs", "Créer un groupe de travail sur la médiation numérique avec les lieux APTIC."),
        ("roadmap", "Préparer la feuille de route 2021-2022 à partir des avis de cette séance."),
    ),
}


def _demo(text: str) -> str:
    return f"{text} {DEMO}"


def load_demo(users: dict) -> None:
    actions = {a.number: a for a in Action.objects.filter(roadmap__code=ROADMAP)}
    if len(actions) < 17 or CopilSession.objects.exists():
        return  # no plan loaded, or a COPIL already at work: nothing is added to it
    staff, copil = users["staff"], users["copil"]
    followed = {n: (actions[n], f) for n, f in FOLLOW.items() if n in actions and actions[n].annex_sheet_number}
    for action, item in followed.values():
        action.owners.add(*(users[role] for role in item.owners))
    for step, on in enumerate(STEP_DATES):
        for action, item in followed.values():
            _follow_up(action, item, step, on, users)
        if step < len(CLOSED_SESSIONS):
            _closed_session(*CLOSED_SESSIONS[step], users=users, followed=followed)
        if step == 1:
            _abandon_what_the_copil_abandoned(actions, staff)
    year, semester, on = UPCOMING_SESSION
    services.copil_session_create(user=staff, year=year, semester=semester, on=on)
    last = CopilSession.objects.get(year=CLOSED_SESSIONS[-1][0], semester=CLOSED_SESSIONS[-1][1])
    report = services.report_request(session=last, user=copil)
    # Rendered now, in this process (the job task's own code: claim, render, done): the report can be
    # downloaded right after `make run`. The message report_request sends on commit finds it done.
    generate_report(report.pk)


def _follow_up(action: Action, item: DemoFollow, step: int, on: date, users: dict) -> None:
    """The action as it stood on ``on``: status and progress (through the service, as its owner), the
    milestones done by then, the budget of the years begun, the indicator values known."""
    owner = users[item.owners[-1]]
    progress = item.progress[step]
    services.action_update(
        action=action,
        user=owner,
        status=Action.Status.IN_PROGRESS,
        progress=progress,
        notes=_demo(item.notes) if step == len(STEP_DATES) - 1 else _demo(f"Point d'étape au {on:%d/%m/%Y}."),
    )
    for milestone, delay in zip(action.milestones.all().order_by("order"), item.delays, strict=False):
        if delay is None or milestone.actual_date:
            continue
        done_on = milestone.planned_end + timedelta(days=delay)
        if done_on <= on:
            milestone.actual_date = done_on
            milestone._history_user = owner
            milestone.save(update_fields=["actual_date"])
    for year, (allocated, committed, spent_then, spent_later) in item.budget.items():
        if year > on.year:
            continue
        spent = spent_later if step == len(STEP_DATES) - 1 else spent_then
        line = BudgetLine.objects.filter(action=action, year=year).first() or BudgetLine(action=action, year=year)
        line.allocated_cents, line.committed_cents, line.spent_cents = allocated, committed, spent
        line._history_user = owner
        line.full_clean()
        line.save()
    for spec in item.indicators:
        indicator = _indicator(action, spec, users[item.owners[0]])
        known = set(IndicatorValue.objects.for_metropole().filter(indicator=indicator).values_list("date", flat=True))
        for when, value in spec.values:
            if when <= on and when not in known:
                services.indicator_value_add(
                    indicator=indicator, user=owner, value=Decimal(value), on=when, comment=DEMO
                )


def _indicator(action: Action, spec: DemoIndicator, owner) -> Indicator:
    indicator = Indicator.objects.filter(action=action, name=spec.name).first()
    if indicator is not None:
        return indicator
    return services.indicator_save(
        indicator=Indicator(
            action=action,
            name=spec.name,
            definition=_demo(spec.definition),
            kind=spec.kind,
            unit=spec.unit,
            baseline=None if spec.baseline is None else Decimal(spec.baseline),
            target_value=Decimal(spec.target),
            target_date=spec.target_date,
            source=_demo(spec.source),
            owner=owner,
            frequency=Indicator.Frequency.QUARTERLY,
        ),
        user=owner,
    )


def _closed_session(year: int, semester: int, on: date, *, users: dict, followed: dict) -> CopilSession:
    """A session held and closed: created with its agenda, presented by the owners, an opinion on every
    action by the COPIL member, attendance, minutes and recommendations, then closed."""
    staff, copil = users["staff"], users["copil"]
    session = services.copil_session_create(user=staff, year=year, semester=semester, on=on)
    index = CLOSED_SESSIONS.index((year, semester, on))
    opinions = OPINIONS[(year, semester)]
    for review in session.reviews.select_related("action").order_by("action__number"):
        number = review.action.number
        if number in followed:
            action, item = followed[number]
            review = services.review_present(
                review=review, user=users[item.owners[-1]], text=_demo(item.presentations[index])
            )
        opinion, reasons = opinions[number]
        services.review_record_opinion(
            review=review, user=copil, version=review.version, opinion=opinion, reasons=_demo(reasons)
        )
    services.session_update(session=session, user=staff, minutes=_demo(MINUTES[(year, semester)]),
                            attendees=[copil, staff])  # fmt: skip
    for programme, text in RECOMMENDATIONS[(year, semester)]:
        services.recommendation_add(session=session, user=copil, programme=programme, text=_demo(text))
    return services.session_close(session=session, user=staff)


def _abandon_what_the_copil_abandoned(actions: dict, staff) -> None:
    """The staff record the abandonment the COPIL proposed; the next agenda no longer lists the action."""
    for number, (opinion, _) in OPINIONS[(2020, 1)].items():
        if opinion == ABANDON:
            services.action_update(
                action=actions[number],
                user=staff,
                status=Action.Status.ABANDONED,
                notes=_demo("Abandon proposé par le COPIL du 25 juin 2020."),
            )
