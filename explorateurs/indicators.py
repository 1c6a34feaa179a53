"""Indicators the COPIL follows for action #9, for the Métropole and for each commune and EPT.

An explorer counts where their collectivity is (a commune's agent in the commune, an EPT's agent in the EPT);
a project where its collectivity is. Every figure comes from a few grouped queries shared by the indicators
(``_figures``); the value of one territory is read from the same figures, so that a territory's value and the
daily recording never disagree. The shares of the FMIN's applications and funded projects that came
from an explorer's project are the FMIN's own indicators (``fmin.share_applications_from_explorateurs``,
``fmin.share_from_explorateurs``), computed with its figures from the relation ``Project.fmin_application``.
"""

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, F, Q

from sman.indicators import TerritoryTree, register

from .models import Explorer, Project, Registration


def _rate(part: int, whole: int) -> Decimal:
    if not whole:
        return Decimal(0)
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), ROUND_HALF_UP)


def _figures(today: date, tree: TerritoryTree) -> dict[int, dict]:
    def compute():
        figures: dict[int, dict] = {}

        def of(pk):
            return figures.setdefault(pk, {})

        # One row per collectivity: its explorers trained so far and those of a cohort under way today.
        under_way = Q(cohort__starts_on__lte=today, cohort__ends_on__gte=today)
        rows = list(
            Explorer.objects.active()
            .filter(cohort__starts_on__lte=today)
            .order_by()
            .values("collectivity", territory=models_territory())
            .annotate(trained=Count("pk"), current=Count("pk", filter=under_way))
        )
        for pk, total in tree.sum_up(
            ({k: r[k] for k in ("territory", "trained", "current")} for r in rows), "territory"
        ).items():
            of(pk).update(total)
        for pk, keys in tree.collect_up((r["territory"], r["collectivity"]) for r in rows).items():
            of(pk)["collectivities"] = len(keys)
        attendance = (
            Registration.objects.filter(
                status=Registration.Status.REGISTERED, event__attendance_taken_at__isnull=False,
                event__starts_at__date__lte=today,
            )
            .order_by()
            .values(territory=models_territory("explorer__"))
            .annotate(present=Count("pk", filter=Q(attended=True)), recorded=Count("pk"))
        )  # fmt: skip
        for pk, total in tree.sum_up(attendance, "territory").items():
            of(pk).update(total)
        projects = (
            Project.objects.filter(created_at__date__lte=today)
            .order_by()
            .values(territory=models_territory(""))
            .annotate(**{status: Count("pk", filter=Q(status=status)) for status in Project.Status.values})
        )
        for pk, total in tree.sum_up(projects, "territory").items():
            of(pk).update(total)
        return figures

    return tree.memo(("explorateurs", today), compute)


def models_territory(prefix: str = "") -> F:
    """The territory of the collectivity of a row (``prefix``: the path to the explorer or project)."""
    return F(f"{prefix}collectivity__territory")


def _one(value):
    """The per-territory form, and the value for one territory read from it."""

    def per_territory(today: date, tree: TerritoryTree) -> dict[int, Decimal]:
        return {pk: value(figures) for pk, figures in _figures(today, tree).items()}

    def single(today: date, territory=None) -> Decimal:
        tree = TerritoryTree()
        pk = territory.pk if territory is not None else tree.metropole_id
        return value(_figures(today, tree).get(pk, {}))

    return per_territory, single


def _indicator(key: str, label: str, unit: str, value):
    per_territory, single = _one(value)
    single.__name__ = key.split(".", 1)[1]
    register(key, label=label, unit=unit, per_territory=per_territory)(single)


_indicator(
    "explorateurs.agents_trained",
    "Agents formés par les Explorateurs du numérique (toutes promotions)",
    "agents",
    lambda f: Decimal(f.get("trained", 0)),
)
_indicator(
    "explorateurs.agents_current_cohort",
    "Agents d'une promotion des Explorateurs en cours",
    "agents",
    lambda f: Decimal(f.get("current", 0)),
)
_indicator(
    "explorateurs.collectivities_represented",
    "Collectivités représentées chez les Explorateurs",
    "collectivités",
    lambda f: Decimal(f.get("collectivities", 0)),
)
_indicator(
    "explorateurs.attendance_rate",
    "Taux de présence aux journées des Explorateurs",
    "%",
    lambda f: _rate(f.get("present", 0), f.get("recorded", 0)),
)
for _status in Project.Status:
    _indicator(
        f"explorateurs.projects_{_status.value}",
        f"Projets d'explorateurs à l'étape « {_status.label} »",
        "projets",
        lambda f, s=_status.value: Decimal(f.get(s, 0)),
    )
