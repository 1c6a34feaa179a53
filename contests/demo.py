"""Demo data of prizes and contests (fictitious, marked « démonstration »): a Grand Paris Métropole Tech prize in
deliberation, with two entries (one of the demo digital actor) and the demo « évaluateur » on its jury, their
declaration signed, both entries waiting for their scores; a second prize open for entries; and a contest of the
resource centre whose results are published."""

from datetime import timedelta

from django.utils import timezone

from marketplace.selectors import published_solutions
from resources.selectors import published as published_resources
from sman.models import Challenge

from . import services
from .models import Contest, Module

CRITERIA = [
    ("Utilité pour les usagers et les collectivités", 3),
    ("Caractère innovant", 2),
    ("Capacité à être partagé sur tout le territoire", 2),
    ("Accessibilité et sobriété numérique", 1),
]
RULES = (
    "<h2>Qui peut candidater</h2><p>{who}</p><h2>Déroulement</h2><ol><li>Dépôt des candidatures en ligne.</li>"
    "<li>Déclaration d'intérêts de chaque juré, puis notation de chaque candidature sur les critères publiés.</li>"
    "<li>Publication des lauréats sur cette page.</li></ol><p>Concours de démonstration, fictif.</p>"
)


def _dates(opened_days_ago: int, *, closes_in: int, jury_in: int, results_in: int) -> dict:
    today = timezone.localdate()
    return {
        "opens_on": today - timedelta(days=opened_days_ago),
        "closes_on": today + timedelta(days=closes_in),
        "jury_deadline": today + timedelta(days=jury_in),
        "results_on": today + timedelta(days=results_in),
    }


def load_demo(users: dict) -> None:
    if Contest.objects.filter(title__endswith="(démonstration)").exists():
        return  # loaded already
    staff, reviewer = users["staff"], users["reviewer"]
    solutions = list(published_solutions().filter(title__endswith="(démonstration)"))
    by_member = {}
    for solution in solutions:
        by_member.setdefault(solution.member_id, solution)
    prize_who = (
        "Les organisations membres de Grand Paris Métropole Tech ayant signé la charte en vigueur, avec une "
        "solution publiée sur « J'adopte une innovation »."
    )
    prize = services.contest_create(
        user=staff,
        fields={
            "module": Module.MARKETPLACE,
            "title": "Prix de l'accueil numérique des usagers (démonstration)",
            "theme": "Relation aux usagers et accueil en mairie",
            "challenge": Challenge.objects.filter(number=4).first(),
            "call_text": "<p>La Métropole récompense les solutions de la communauté Grand Paris Métropole Tech qui "
            "simplifient l'accueil des usagers dans les mairies du Grand Paris.</p>",
            "rules": RULES.format(who=prize_who),
            **_dates(30, closes_in=1, jury_in=20, results_in=30),
        },
        prizes=[("Grand prix", 1_000_000), ("Prix coup de cœur du jury", None)],
        criteria=CRITERIA,
    )
    services.contest_transition(user=staff, contest=prize, to=Contest.Status.OPEN)
    services.juror_add(user=staff, contest=prize, juror_user=staff)
    juror = services.juror_add(user=staff, contest=prize, juror_user=reviewer)
    for solution in list(by_member.values())[:2]:
        agent = solution.member.memberships.select_related("user").first().user
        services.entry_submit(
            user=agent,
            contest=prize,
            organisation=solution.member,
            solution=solution,
            title=solution.title,
            pitch=f"{solution.problem} Candidature de démonstration.",
        )
    services.contest_transition(user=staff, contest=prize, to=Contest.Status.JUDGING)
    services.juror_declare(user=reviewer, juror=juror, declaration="Aucun lien avec les candidats.")
    Contest.objects.filter(pk=prize.pk).update(closes_on=timezone.localdate() - timedelta(days=1))

    services.contest_transition(
        user=staff,
        contest=services.contest_create(
            user=staff,
            fields={
                "module": Module.MARKETPLACE,
                "title": "Prix de la donnée ouverte locale (démonstration)",
                "theme": "Données ouvertes et services aux habitants",
                "challenge": Challenge.objects.filter(number=4).first(),
                "call_text": "<p>Pour les solutions qui ouvrent et réutilisent les données publiques locales.</p>",
                "rules": RULES.format(who=prize_who),
                **_dates(5, closes_in=40, jury_in=60, results_in=75),
            },
            prizes=[("Prix de la donnée ouverte", 500_000)],
            criteria=CRITERIA[:3],
        ),
        to=Contest.Status.OPEN,
    )

    resources = []
    for resource in published_resources().filter(is_demo=True).select_related("author").order_by("pk"):
        if resource.author_id not in {r.author_id for r in resources}:
            resources.append(resource)
    contest = services.contest_create(
        user=staff,
        fields={
            "module": Module.RESOURCES,
            "title": "Concours des retours d'expérience (démonstration)",
            "theme": "Partager ce qu'une expérimentation a appris",
            "call_text": "<p>Le centre de ressources récompense les contributions qui permettent à d'autres "
            "collectivités de reproduire une expérimentation.</p>",
            "rules": RULES.format(who="Toute personne inscrite, avec l'une de ses ressources publiées."),
            **_dates(90, closes_in=1, jury_in=2, results_in=3),
        },
        prizes=[("Prix du meilleur retour d'expérience", 200_000), ("Mention spéciale", None)],
        criteria=CRITERIA[:3],
    )
    services.contest_transition(user=staff, contest=contest, to=Contest.Status.OPEN)
    jury = services.juror_add(user=staff, contest=contest, juror_user=users["copil"])
    entries = [
        services.entry_submit(
            user=resource.author,
            contest=contest,
            resource=resource,
            title=resource.title,
            pitch=f"{resource.summary} Candidature de démonstration.",
        )
        for resource in resources[:3]
    ]
    services.contest_transition(user=staff, contest=contest, to=Contest.Status.JUDGING)
    services.juror_declare(user=users["copil"], juror=jury, declaration="Aucun.")
    criteria = list(contest.criteria.all())
    for rank, entry in enumerate(entries):
        services.evaluation_save(
            user=users["copil"],
            entry=entry,
            values={c.pk: max(0, 9 - rank * 2 - i) for i, c in enumerate(criteria)},
            comment="Évaluation de démonstration.",
        )
    prizes = list(contest.prizes.all())
    if entries:
        services.results_publish(
            user=staff, contest=contest, winners=dict(zip([p.pk for p in prizes], entries[: len(prizes)], strict=False))
        )
    today = timezone.localdate()
    Contest.objects.filter(pk=contest.pk).update(
        opens_on=today - timedelta(days=90),
        closes_on=today - timedelta(days=30),
        jury_deadline=today - timedelta(days=10),
        results_on=today - timedelta(days=5),
    )
