"""FMIN grant rules — SMAN §4.2.1.1 « Le Fonds Métropolitain pour l'Innovation Numérique (FMIN) » (and
§4.2.1.2 « … les Bâtisseurs du numérique » for the Bâtisseurs condition), in the part « Expérimentation et
généralisation » — the SMAN numbers two different sections « 4.2.1 », so a citation gives the title.

« Pour une enveloppe globale d'un million d'euros, la Métropole du Grand Paris subventionne au maximum
50 % du projet, dont 20 % de la dépense du maître d'ouvrage, dans la limite de 40 k€ par collectivité.
Si un projet est porté par plusieurs collectivités, le montant maximal de la subvention s'élève à 60 k€
par collectivité. »

« dont 20 % de la dépense du maître d'ouvrage » is ambiguous; the portal reads it as a minimum share of the
expense that the project owner funds itself (``OWN_SHARE_READING``), and says so wherever it applies it.

Pure functions over integers (cents, basis points): the same figures give the same verdict on the draft
page (live), on submission, on the ranking page and at decision time. The amounts come from the call
(``Limits``) because a renewed fund may change them.
"""

from dataclasses import dataclass, field

from sman.money import format_euros, percent

SECTION_FMIN = "SMAN § 4.2.1.1 « Le Fonds Métropolitain pour l'Innovation Numérique (FMIN) »"
SECTION_BATISSEURS = (
    "SMAN § 4.2.1.2 « Le programme d'expérimentation et de généralisation : les Bâtisseurs du numérique »"
)
OWN_SHARE_READING = (
    "Lecture du portail : le SMAN écrit que la Métropole subventionne « au maximum 50 % du projet, dont 20 % de "
    "la dépense du maître d'ouvrage » ; le portail lit cette phrase comme une part minimale de la dépense que le "
    "maître d'ouvrage finance lui-même."
)
# What the SMAN cites (§4.2.1.1: eligible expenses « par exemple » ; §4.2.1.2: the working groups' themes
# « à l'étude »). The other choices are the call's own, and pages label them so.
SMAN_EXPENSE_TYPES = frozenset({"training", "service_development", "change_management", "software"})
SMAN_THEMES = frozenset({"citizen_relations", "mobility", "environment", "digital_inclusion", "participation"})


@dataclass(frozen=True)
class Limits:
    """The amounts of a call's rules, and the words its verdicts use: the programme's name (« FMIN »), the
    source cited next to each rule, who carries a project (« collectivité » for the FMIN, « porteur » for a call
    open to other organisations) and whether payment waits for a Bâtisseurs working group."""

    max_grant_share_bp: int = 5000  # 50 %
    min_own_share_bp: int = 2000  # 20 %
    cap_single_cents: int = 4_000_000  # 40 k€
    cap_joint_cents: int = 6_000_000  # 60 k€
    fund: str = "FMIN"
    section: str = SECTION_FMIN
    carrier: str = "collectivité"
    batisseurs: bool = True

    @classmethod
    def of(cls, call) -> "Limits":
        programme = call.programme
        return cls(
            call.max_grant_share_bp,
            call.min_own_share_bp,
            call.cap_single_cents,
            call.cap_joint_cents,
            fund=programme.short_name,
            section=programme.source or f"Règlement de l'appel « {call.title} »",
            carrier="collectivité" if call.only_collectivities else "porteur",
            batisseurs=call.requires_working_group,
        )


@dataclass(frozen=True)
class Share:
    name: str
    cost_cents: int
    request_cents: int
    confirmed: bool = True
    is_lead: bool = False


@dataclass(frozen=True)
class Figures:
    """What the rules need to know about an application."""

    eligible_cost_cents: int
    own_funds_cents: int
    other_public_cents: int
    private_cents: int
    shares: tuple[Share, ...]
    commits_to_evaluate: bool
    ineligible_cost_cents: int = 0

    @property
    def request_cents(self) -> int:
        return sum(s.request_cents for s in self.shares)

    @property
    def is_joint(self) -> bool:
        return len(self.shares) > 1

    @property
    def financing_cents(self) -> int:
        return self.request_cents + self.own_funds_cents + self.other_public_cents + self.private_cents


@dataclass
class Verdict:
    code: str
    label: str
    section: str
    ok: bool
    detail: str
    blocking: bool = True
    reading: str = ""  # where the rule is the portal's reading of an ambiguous sentence: says so and cites it


@dataclass
class Result:
    verdicts: list[Verdict] = field(default_factory=list)
    capped_amount_cents: int = 0

    @property
    def ok(self) -> bool:
        return all(v.ok for v in self.verdicts if v.blocking)

    @property
    def failures(self) -> list[Verdict]:
        return [v for v in self.verdicts if v.blocking and not v.ok]


def cap_per_collectivity(figures: Figures, limits: Limits) -> int:
    return limits.cap_joint_cents if figures.is_joint else limits.cap_single_cents


def capped_amount(figures: Figures, limits: Limits) -> int:
    """The largest grant the rules allow for this application: its request, within 50 % of the cost and
    each collectivity's cap."""
    cap = cap_per_collectivity(figures, limits)
    by_collectivity = sum(min(s.request_cents, cap) for s in figures.shares)
    by_share = figures.eligible_cost_cents * limits.max_grant_share_bp // 10000
    return max(0, min(figures.request_cents, by_collectivity, by_share))


def check(figures: Figures, limits: Limits = Limits()) -> Result:
    """Every rule with its figures, in the order an applicant reads them."""
    cost = figures.eligible_cost_cents
    request = figures.request_cents
    verdicts = []

    verdicts.append(
        Verdict(
            "budget",
            "Le projet a un budget de dépenses éligibles",
            limits.section,
            cost > 0,
            f"Dépenses éligibles : {format_euros(cost)} HT"
            + (
                f" (hors {format_euros(figures.ineligible_cost_cents)} de dépenses non éligibles)."
                if figures.ineligible_cost_cents
                else "."
            ),
        )
    )
    verdicts.append(
        Verdict(
            "request",
            "Une subvention est demandée",
            limits.section,
            request > 0,
            f"Subvention {limits.fund} demandée : {format_euros(request)}.",
        )
    )
    # FMIN ≤ 50 % of the eligible cost: request / cost ≤ bp / 10000, in integers.
    verdicts.append(
        Verdict(
            "max_share",
            f"La subvention ne dépasse pas {percent(limits.max_grant_share_bp, 10000)} du coût éligible",
            limits.section,
            cost > 0 and request * 10000 <= cost * limits.max_grant_share_bp,
            f"{format_euros(request)} demandés pour {format_euros(cost)} : {percent(request, cost)} "
            f"(maximum {format_euros(cost * limits.max_grant_share_bp // 10000)}).",
        )
    )
    # The project owner funds at least 20 % itself, i.e. public funding ≤ 80 %.
    public = request + figures.other_public_cents
    verdicts.append(
        Verdict(
            "own_share",
            f"Le maître d'ouvrage finance au moins {percent(limits.min_own_share_bp, 10000)} de la dépense",
            limits.section,
            cost > 0 and figures.own_funds_cents * 10000 >= cost * limits.min_own_share_bp,
            f"Fonds propres : {format_euros(figures.own_funds_cents)}, soit {percent(figures.own_funds_cents, cost)} ; "
            f"financements publics ({limits.fund} compris) : {percent(public, cost)}.",
            reading=OWN_SHARE_READING if limits.section == SECTION_FMIN else "",
        )
    )
    cap = cap_per_collectivity(figures, limits)
    over = [s for s in figures.shares if s.request_cents > cap]
    verdicts.append(
        Verdict(
            "cap",
            f"Au plus {format_euros(cap, with_cents=False)} par {limits.carrier}"
            + (" (projet commun)" if figures.is_joint else ""),
            limits.section,
            not over,
            "Dépassement : " + ", ".join(f"{s.name} demande {format_euros(s.request_cents)}" for s in over) + "."
            if over
            else "Demandes : " + ", ".join(f"{s.name} {format_euros(s.request_cents)}" for s in figures.shares) + ".",
        )
    )
    verdicts.append(
        Verdict(
            "balanced",
            "Le plan de financement équilibre les dépenses",
            limits.section,
            figures.financing_cents == cost,
            f"Financements : {format_euros(figures.financing_cents)} ; dépenses éligibles : {format_euros(cost)}"
            + ("." if figures.financing_cents == cost else f" (écart {format_euros(figures.financing_cents - cost)})."),
        )
    )
    if figures.is_joint:
        shares_cost = sum(s.cost_cents for s in figures.shares)
        verdicts.append(
            Verdict(
                "shares",
                f"Les parts des {limits.carrier}s couvrent le coût du projet",
                limits.section,
                shares_cost == cost,
                f"Somme des parts : {format_euros(shares_cost)} ; coût éligible : {format_euros(cost)}.",
            )
        )
        pending = [s.name for s in figures.shares if not s.confirmed]
        verdicts.append(
            Verdict(
                "confirmed",
                "Chaque co-porteur a confirmé sa participation",
                limits.section,
                not pending,
                ("En attente : " + ", ".join(pending) + ".")
                if pending
                else "Toutes les participations sont confirmées.",
            )
        )
    verdicts.append(
        Verdict(
            "evaluation",
            "Engagement à évaluer l'impact et la répliquabilité",
            limits.section,
            figures.commits_to_evaluate,
            "Engagement pris." if figures.commits_to_evaluate else "Cochez l'engagement d'évaluation.",
        )
    )
    if limits.batisseurs:
        verdicts.append(
            Verdict(
                "batisseurs",
                "Adhésion à un groupe de travail des Bâtisseurs du numérique avant le versement",
                SECTION_BATISSEURS,
                True,
                "Condition vérifiée au moment de verser la subvention.",
                blocking=False,
            )
        )
    return Result(verdicts, capped_amount(figures, limits))


def envelope_allows(*, envelope_cents: int, committed_cents: int, amount_cents: int) -> bool:
    """The sum of grants awarded in a call never exceeds its envelope (§4.2.1.1: « enveloppe globale »)."""
    return committed_cents + amount_cents <= envelope_cents
