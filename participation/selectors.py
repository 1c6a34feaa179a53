"""Reads of the participation platform, with the joins each page needs (fixed number of queries per list)."""

from django.contrib.postgres.search import TrigramSimilarity
from django.db.models import CharField, Count, OuterRef, Prefetch, Q, Subquery, Sum, Value
from django.utils import timezone

from sman.models import Territory
from sman.search import rank_search, search_query

from .models import (
    Ballot,
    BallotChoice,
    Budget,
    BudgetProject,
    Comment,
    Milestone,
    ModerationCase,
    Phase,
    Process,
    Proposal,
    Residence,
    Result,
    Space,
    Support,
)


def spaces():
    return Space.objects.filter(is_active=True).select_related("organisation__territory")


def processes():
    """Published processes with their space, scope and phases (prefetched)."""
    return Process.objects.published().for_list()


def residence_of(user) -> Residence | None:
    if not user.is_authenticated:
        return None
    return Residence.objects.filter(user=user).select_related("commune").first()


def processes_near(commune: Territory):
    return processes().near(commune)


def process_detail(slug: str) -> Process:
    return (
        Process.objects.published()
        .select_related("space__organisation")
        .prefetch_related("territories", "phases", "budgets", "surveys")
        .get(slug=slug)
    )


def proposals(process: Process | None = None, *, text: str = ""):
    qs = Proposal.objects.visible().for_list()
    if process is not None:
        qs = qs.filter(process=process)
    if text.strip():
        return rank_search(qs, text)
    return qs


def similar_proposals(process: Process, text: str, *, limit: int = 5) -> list[Proposal]:
    """Proposals of the process close to ``text`` (a title being typed): French full text (stemming,
    unaccent) or trigram similarity of the titles (the ``%`` operator, which keeps the trigram index)."""
    text = text.strip()
    if len(text) < 3:
        return []
    return list(
        Proposal.objects.visible()
        .filter(process=process)
        .filter(Q(search_vector=search_query(text)) | Q(title__trigram_similar=text))
        .annotate(similarity=TrigramSimilarity("title", text))
        .order_by("-similarity", "-support_count")
        .only("pk", "title", "support_count", "answer")[:limit]
    )


def proposal_detail_qs():
    return Proposal.objects.select_related("author", "result", "answered_by")


def supported_ids(user, process: Process) -> set[int]:
    if not user.is_authenticated:
        return set()
    return set(Support.objects.filter(user=user, proposal__process=process).values_list("proposal_id", flat=True))


def comment_thread(proposal: Proposal) -> list[Comment]:
    """The comments in reading order (each reply after its parent), from one query."""
    comments = list(Comment.objects.filter(proposal=proposal).select_related("author").order_by("created_at", "pk"))
    children: dict[int | None, list[Comment]] = {}
    for comment in comments:
        children.setdefault(comment.parent_id, []).append(comment)
    ordered = []

    def walk(parent_id):
        for comment in children.get(parent_id, []):
            ordered.append(comment)
            walk(comment.pk)

    walk(None)
    return ordered


def budget_detail(pk: int) -> Budget:
    return (
        Budget.objects.select_related("process__space__organisation", "territory")
        .defer("territory__geometry")  # a commune's outline: not needed to vote
        .get(pk=pk, process__is_published=True)
    )


def budget_projects(budget: Budget):
    return BudgetProject.objects.filter(budget=budget).order_by("title")


def ballot_of(user, budget: Budget) -> Ballot | None:
    if not user.is_authenticated:
        return None
    return Ballot.objects.filter(budget=budget, voter=user).prefetch_related("choices").order_by().first()


def budget_tally(budget: Budget) -> dict:
    """The exact count: votes per project (an aggregate over the ballots' choices), ballots, paper ballots."""
    projects = list(
        BudgetProject.objects.filter(budget=budget)
        .annotate(votes=Count("choices"))
        .order_by("-votes", "cost_cents", "pk")
    )
    figures = Ballot.objects.filter(budget=budget).aggregate(
        ballots=Count("pk"), paper=Count("pk", filter=Q(is_paper=True))
    )
    return {
        "rows": [{"project": p, "votes": p.votes} for p in projects],
        "ballots": figures["ballots"],
        "paper": figures["paper"],
        "choices": sum(p.votes for p in projects),
    }


def results(process: Process | None = None):
    qs = Result.objects.select_related("process__space__organisation", "proposal", "project").prefetch_related(
        Prefetch("milestones", queryset=Milestone.objects.order_by("planned_on", "pk"))
    )
    return qs.filter(process=process) if process is not None else qs.filter(process__is_published=True)


def moderation_queue(space_ids: set[int] | None):
    """Open cases (reported, pending review) of the spaces the person moderates (None: all)."""
    qs = ModerationCase.objects.filter(state=ModerationCase.State.OPEN).select_related(
        "space__organisation", "proposal__process", "comment__proposal"
    )
    if space_ids is not None:
        qs = qs.filter(space_id__in=space_ids)
    return qs.order_by("-report_count", "opened_at")


def moderation_log():
    """The public log: what was hidden, when and why; never who reported nor who decided."""
    return (
        ModerationCase.objects.filter(state=ModerationCase.State.HIDDEN)
        .select_related("space__organisation", "proposal__process", "comment__proposal")
        .only(
            "pk",
            "state",
            "reason",
            "decided_at",
            "opened_at",
            "report_count",
            "space__slug",
            "space__organisation__name",
            "proposal__title",
            "proposal__process__title",
            "proposal__process__slug",
            "comment__body",
            "comment__proposal__title",
            "comment__proposal_id",
        )
        .order_by("-decided_at")
    )


def proposals_to_answer(space_ids: set[int] | None):
    qs = Proposal.objects.visible().filter(answer__in=["", Proposal.Answer.EVALUATING])
    if space_ids is not None:
        qs = qs.filter(process__space_id__in=space_ids)
    return qs


def current_phases(process_ids):
    today = timezone.localdate()
    return Phase.objects.filter(process_id__in=process_ids, starts_on__lte=today, ends_on__gte=today)


# --- Figures per territory (indicators, territory panel, metropolitan view) ------------------------------
def process_scopes():
    """(territory id, process id) of every published process's scope."""
    return Process.territories.through.objects.filter(process__is_published=True).values_list(
        "territory_id", "process_id"
    )


def process_facts(until=None) -> dict[int, dict]:
    """Per published process: proposals, ballots, results delivered, and the ids of its participants (people who
    proposed, supported, commented or voted). Two queries: the counts in one UNION ALL, the people in another."""
    until = until or timezone.localdate()
    facts: dict[int, dict] = {}

    def of(pk):
        return facts.setdefault(pk, {"proposals": 0, "ballots": 0, "delivered": 0, "participants": set()})

    def tagged(qs, tag: str, process: str):
        return qs.order_by().values_list(Value(tag, output_field=CharField()), process).annotate(n=Count("pk"))

    counts = tagged(
        Proposal.objects.filter(process__is_published=True, created_at__date__lte=until), "proposals", "process_id"
    ).union(
        tagged(Ballot.objects.filter(budget__process__is_published=True, created_at__date__lte=until), "ballots",
               "budget__process_id"),
        tagged(Result.objects.filter(status=Result.Status.DELIVERED, delivered_on__lte=until), "delivered",
               "process_id"),
        all=True,
    )  # fmt: skip
    for tag, pk, count in counts:
        of(pk)[tag] = count
    people = (
        Proposal.objects.filter(author__isnull=False).order_by().values_list("process_id", "author_id")
        .union(
            Support.objects.order_by().values_list("proposal__process_id", "user_id"),
            Comment.objects.filter(author__isnull=False).order_by().values_list("proposal__process_id", "author_id"),
            Ballot.objects.filter(voter__isnull=False).order_by().values_list("budget__process_id", "voter_id"),
        )
    )  # fmt: skip
    for pk, user_id in people:
        of(pk)["participants"].add(user_id)
    return facts


def territory_processes(territory: Territory):
    """Published processes whose scope lies within ``territory``."""
    return processes().filter(Territory.objects.within_q(territory, field="territories")).distinct()


def open_data_processes():
    """Every public process with its figures, for the open-data export (no personal data)."""
    return (
        Process.objects.published()
        .select_related("space__organisation")
        .prefetch_related("territories", "phases")
        .annotate(
            proposal_count=Count("proposals", filter=Q(proposals__hidden=False), distinct=True),
            accepted_count=Count("proposals", filter=Q(proposals__answer=Proposal.Answer.ACCEPTED), distinct=True),
            result_count=Count("results", distinct=True),
            delivered_count=Count("results", filter=Q(results__status=Result.Status.DELIVERED), distinct=True),
            budget_cents=Subquery(
                Budget.objects.filter(process=OuterRef("pk"))
                .order_by()
                .values("process")
                .annotate(total=Sum("amount_cents"))
                .values("total")
            ),
        )
        .order_by("-created_at")
    )


def voted_choices(budget: Budget):
    return BallotChoice.objects.filter(ballot__budget=budget)


def proof_of(user, budget: Budget):
    """The user's proof of residence for the budget's space, if any (the vote page says where it stands)."""
    from .models import ResidenceProof

    if not user.is_authenticated:
        return None
    return ResidenceProof.objects.filter(space_id=budget.process.space_id, user=user).first()


def address_candidates(process: Process, text: str, *, limit: int = 6) -> list[dict]:
    """Addresses matching ``text`` within the process's scope, each with its position: the portal's address
    search (the fibre map's buildings, from the BAN addresses of the operators' files), the points checked
    within the scope's outlines in PostGIS. [{"label", "latitude", "longitude"}]."""
    from django.db.models import Exists, OuterRef

    from ftth.models import Building
    from ftth.selectors import search_addresses

    found = search_addresses(text, limit=limit * 2).buildings
    if not found:
        return []
    scope = Territory.objects.filter(pk__in=process.territories.values("pk"), geometry__covers=OuterRef("location"))
    points = dict(
        Building.objects.filter(pk__in=[b.pk for b in found]).filter(Exists(scope)).values_list("pk", "location")
    )
    candidates = []
    for building in found:
        point = points.get(building.pk)
        if point is None:
            continue
        number = f"{building.number}{(' ' + building.number_suffix) if building.number_suffix else ''}"
        street = " ".join(x for x in (building.street_type, building.street_name) if x)
        label = f"{number} {street}, {building.commune.name}".strip()
        candidates.append({"label": label, "latitude": round(point.y, 6), "longitude": round(point.x, 6)})
        if len(candidates) == limit:
            break
    return candidates
