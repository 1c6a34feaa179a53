"""Reads of the marketplace: the lists with their joins, the matching of a need, the public references.

Other apps read the marketplace only through here: ``published_solutions_for_choice()`` (a solution to pick,
e.g. the one an FMIN project experiments) and ``solution_reference(solution_id)`` (its title, page, member and
« adoptée par N collectivités »).
"""

from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import Count, Exists, F, IntegerField, Min, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from sman.models import Organisation, Territory

from . import rules
from .models import (
    Adoption,
    Charter,
    CharterSignature,
    FunnelEvent,
    Match,
    MemberProfile,
    Need,
    Response,
    Solution,
    Theme,
)


# --- Lists --------------------------------------------------------------------------------------------------------
def published_solutions():
    return (
        Solution.objects.published()
        .filter(member__is_active=True)
        .select_related("member")
        .with_adoptions()
        .prefetch_related("challenges")
        .order_by("title", "pk")
    )


def solutions_of_members(member_ids):
    return (
        Solution.objects.filter(member_id__in=member_ids)
        .select_related("member")
        .with_adoptions()
        .order_by("status", "title")
    )


def directory():
    """The listed members (active organisations), with their published solutions and adoptions counted and
    whether they signed the charter in force."""
    charter = Charter.objects.current()
    signed = CharterSignature.objects.filter(charter=charter, organisation_id=OuterRef("organisation_id"))
    return (
        MemberProfile.objects.filter(is_listed=True, organisation__is_active=True)
        .select_related("organisation", "organisation__territory")
        .annotate(
            is_official=Exists(signed),
            solution_count=Count(
                "organisation__marketplace_solutions",
                filter=Q(organisation__marketplace_solutions__status=Solution.Status.PUBLISHED),
                distinct=True,
            ),
            adopting_count=Count("organisation__marketplace_solutions__adoptions__collectivities", distinct=True),
        )
        .order_by("organisation__name")
    )


def public_needs():
    return Need.objects.published().for_list().order_by("-published_at", "-pk")


RANKED = 200  # a search's matches ranked by relevance; past them, the title matches first, then the newest


class NeedSearch:
    """The public needs matching a search text and the list's filters, read from the narrow ``NeedSearchRow``
    rows (never the wide needs): what ``Paginator`` pages through (``count()`` and slices of ``Need`` rows, with
    the list's joins).

    The count is exact. The order is the relevance (``ts_rank``: a word in the title weighs most) among the
    ``RANKED`` first matches in a cheap order — needs with the words in their title first, then the newest —
    followed by the other matches in that cheap order. A search finding up to ``RANKED`` needs is thus ranked
    exactly as before; one finding 8,000 of 10,000 needs (a word nearly every need contains) ranks 200 of them
    instead of all."""

    def __init__(self, text: str, *, challenge=None, theme=None, territory=None, state=None):
        from django.contrib.postgres.search import SearchRank
        from django.db.models import BooleanField, ExpressionWrapper

        from sman.search import search_query

        from .models import NeedSearchRow

        self.query = search_query(text)
        rows = NeedSearchRow.objects.filter(search_vector=self.query)
        if challenge is not None:
            rows = rows.filter(challenge_id=challenge.pk)
        if theme:
            rows = rows.filter(themes__contains=[theme])
        if territory is not None:
            rows = rows.filter(Territory.objects.within_q(territory, "territory"))
        if state:
            rows = rows.filter(state=state)
        self.rows = rows
        self.cheap = rows.annotate(
            in_title=ExpressionWrapper(Q(title_vector=self.query), output_field=BooleanField())
        ).order_by("-in_title", "-published_at", "-need_id")
        self.ranked = NeedSearchRow.objects.annotate(rank=SearchRank(F("search_vector"), self.query)).order_by(
            "-rank", "-published_at", "-need_id"
        )
        self._count = None
        self._ranked_ids = None

    def candidates_sql(self) -> tuple[str, list]:
        """One statement gives the exact count and the RANKED first matches in the cheap order, ranked: the
        matches' small columns kept once (no vector) and counted, their first RANKED sorted, then ranked by
        ``ts_rank`` through the primary key. Rows: (need id, count), best first."""
        cheap, cheap_params = self.cheap.values_list("need_id", "published_at", "in_title").query.sql_with_params()
        cheap = cheap[: cheap.rindex(" ORDER BY ")]
        ranked, ranked_params = self.ranked.values_list("need_id", "published_at", "rank").query.sql_with_params()
        ranked = ranked[: ranked.rindex(" ORDER BY ")]
        return (
            f"WITH m AS MATERIALIZED ({cheap}),"
            " c AS (SELECT m.need_id FROM m"
            f" ORDER BY m.in_title DESC, m.published_at DESC NULLS FIRST, m.need_id DESC LIMIT {RANKED})"
            f" SELECT r.need_id, (SELECT count(*) FROM m) FROM ({ranked}"
            ' WHERE "marketplace_needsearchrow"."need_id" IN (SELECT c.need_id FROM c)) r'
            " ORDER BY r.rank DESC, r.published_at DESC NULLS FIRST, r.need_id DESC",
            [*cheap_params, *ranked_params],
        )

    def _rank(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(*self.candidates_sql())
            candidates = cursor.fetchall()
        self._count = candidates[0][1] if candidates else 0
        self._ranked_ids = [pk for pk, _ in candidates]

    def count(self) -> int:
        if self._count is None:
            self._rank()
        return self._count

    def __len__(self) -> int:
        return self.count()

    def ids(self, start: int, stop: int) -> list[int]:
        """The ids of the matches from position ``start`` to ``stop`` (excluded), in the search's order."""
        ids = []
        if start < RANKED:
            if self._ranked_ids is None:
                self._rank()
            ids = self._ranked_ids[start:stop]
        if stop > RANKED:
            ids += list(self.cheap[max(start, RANKED) : stop].values_list("pk", flat=True))
        return ids

    def __getitem__(self, key):
        if not isinstance(key, slice) or key.step is not None:
            raise TypeError("NeedSearch takes slices without a step")
        start, stop = key.start or 0, key.stop if key.stop is not None else self.count()
        ids = self.ids(start, stop)
        needs = Need.objects.for_list().in_bulk(ids)
        return [needs[pk] for pk in ids if pk in needs]


def search_public_needs(text: str, **filters) -> NeedSearch:
    """The public needs found by ``text`` (French full-text search) and ``filters`` (challenge, theme, territory,
    state), best first: see ``NeedSearch``."""
    return NeedSearch(text, **filters)


def needs_in_review():
    """For the staff: the needs waiting for their review, the oldest request first."""
    return Need.objects.filter(state=Need.State.IN_REVIEW).for_list().order_by("review_requested_at", "pk")


def _count_of(responses):
    rows = responses.filter(need=OuterRef("pk")).order_by().values("need").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(rows, output_field=IntegerField()), 0)


def needs_of_buyers(organisation_ids):
    """The needs a buyer's collectivities lead or joined, drafts included, with their responses counted."""
    return (
        Need.objects.filter(Q(buyer_id__in=organisation_ids) | Q(participants__organisation_id__in=organisation_ids))
        .distinct()
        .for_list()
        .annotate(
            response_count=_count_of(Response.objects.all()),
            unread_count=_count_of(Response.objects.filter(read_at__isnull=True)),
        )
        .order_by("-created_at", "-pk")
    )


def matched_needs_of_members(member_ids):
    """The open needs matched with the user's members, best score first."""
    return (
        Match.objects.filter(member_id__in=member_ids, need__state=Need.State.PUBLISHED)
        .select_related("need", "need__buyer", "solution", "member")
        .order_by("-score", "need__deadline")
    )


def responses_of_members(member_ids):
    return (
        Response.objects.filter(member_id__in=member_ids)
        .select_related("need", "need__buyer", "solution", "member")
        .order_by("-submitted_at")
    )


def responses_for_buyer(need: Need):
    return need.responses.select_related("member", "solution").prefetch_related("documents").order_by("submitted_at")


def visible_questions(need: Need, *, is_buyer: bool, member_ids=()):
    """Answered questions for everybody (equal treatment); the buyers also see those awaiting an answer, a
    member its own."""
    questions = need.questions.order_by("asked_at")
    if is_buyer:
        return questions
    return questions.filter(Q(answered_at__isnull=False) | Q(member_id__in=list(member_ids)))


def participants(need: Need):
    return need.participants.select_related("organisation", "organisation__territory")


def funnel(need: Need) -> list[dict]:
    """For the buyer: each member that reached a step, with the date of each step, furthest first."""
    rows: dict[int, dict] = {}
    for event in FunnelEvent.objects.filter(need=need).select_related("member").order_by("at"):
        row = rows.setdefault(event.member_id, {"member": event.member, "stages": {}})
        row["stages"][event.stage] = event.at
    order = {
        stage: i for i, stage in enumerate(["notified", "viewed", "interested", "answered", "shortlisted", "adopted"])
    }
    return sorted(rows.values(), key=lambda r: (-max(order[s] for s in r["stages"]), r["member"].name))


def funnel_counts(need: Need) -> dict[str, int]:
    return dict(FunnelEvent.objects.filter(need=need).values_list("stage").annotate(n=Count("pk")))


def current_thresholds(day=None):
    from .models import ProcurementThreshold

    return ProcurementThreshold.objects.in_force(day)


# --- Public references ---------------------------------------------------------------------------------------------
def challenge_takers(member_ids=None):
    """« Ils ont relevé le défi »: the responses to needs poorly met elsewhere (the first matching found fewer than
    ``rules.POORLY_MET_MATCHES`` members) that the buyer shortlisted or whose member's solution was adopted, the
    latest first; ``member_ids`` restricts them to some members (a profile page)."""
    responses = Response.objects.filter(
        need__first_match_count__lt=rules.POORLY_MET_MATCHES, member__is_active=True
    ).filter(Q(shortlisted_at__isnull=False) | Q(need__adoption__solution__member=F("member")))
    if member_ids is not None:
        responses = responses.filter(member_id__in=member_ids)
    return responses.select_related("need", "need__buyer", "member", "member__member_profile").order_by(
        "-need__published_at", "-pk"
    )


def adopting_collectivities(solution: Solution):
    """The collectivities that adopted the solution (public reference)."""
    return (
        Organisation.objects.filter(marketplace_adoptions__solution=solution)
        .distinct()
        .select_related("territory")
        .order_by("name")
    )


def adoptions_in(territory: Territory):
    """Adoptions by collectivities of ``territory`` (a commune, an EPT and its communes)."""
    return (
        Adoption.objects.filter(Territory.objects.within_q(territory, field="collectivities__territory"))
        .distinct()
        .select_related("solution", "solution__member", "need")
        .order_by("-adopted_on")
    )


def fmin_projects_led_by(organisation_ids):
    """The funded FMIN projects whose lead collectivity is one of ``organisation_ids`` (fmin's public projects)."""
    from fmin.models import Application

    return Application.objects.funded().filter(lead_id__in=organisation_ids).select_related("lead").order_by("title")


def experiments_of(solution: Solution):
    """The funded FMIN projects that experiment the solution (public: funded projects have a public page)."""
    from .models import SolutionExperiment

    return (
        SolutionExperiment.objects.filter(solution=solution, application__status="funded")
        .select_related("application", "application__lead")
        .order_by("application__title")
    )


def experiments_of_projects(organisation_ids):
    from .models import SolutionExperiment

    return (
        SolutionExperiment.objects.filter(application__lead_id__in=organisation_ids)
        .select_related("application", "solution", "solution__member")
        .order_by("application__title", "solution__title")
    )


def solutions_experimented_by(application):
    """For an FMIN project's page: its links to the published solutions it experiments, each with the solution,
    its member and ``adopting_count`` (the collectivities that adopted the solution)."""
    from .models import SolutionExperiment

    adopters = (
        Adoption.collectivities.through.objects.filter(adoption__solution=OuterRef("solution"))
        .order_by()
        .values("adoption__solution")
        .annotate(n=Count("organisation", distinct=True))
        .values("n")
    )
    return (
        SolutionExperiment.objects.filter(
            application=application, solution__status=Solution.Status.PUBLISHED, solution__member__is_active=True
        )
        .select_related("solution", "solution__member")
        .annotate(adopting_count=Coalesce(Subquery(adopters, output_field=IntegerField()), 0))
        .order_by("solution__title", "pk")
    )


def published_solutions_for_choice():
    """For another app's form: the published solutions, by title."""
    return Solution.objects.published().select_related("member").order_by("title")


def solution_reference(solution_id: int) -> dict | None:
    """What another app shows of a solution: title, page, member and the number of adopting collectivities."""
    solution = published_solutions().filter(pk=solution_id).first()
    if solution is None:
        return None
    return {
        "title": solution.title,
        "url": solution.get_absolute_url(),
        "member": solution.member.name,
        "adopting_count": solution.adopting_count,
    }


# --- Matching -------------------------------------------------------------------------------------------------------
@dataclass
class Found:
    member_id: int
    solution_id: int | None
    score: int
    reasons: list[str] = field(default_factory=list)


def _ept_of(territory: Territory) -> Territory | None:
    if territory.kind == Territory.Kind.EPT:
        return territory
    if territory.kind == Territory.Kind.COMMUNE:
        return territory.parent
    if territory.kind == Territory.Kind.DELEGATED_COMMUNE:
        return territory.parent.parent
    return None  # the Métropole: every member is local


RARE_WORDS = 8  # the need's words the text search looks for: its rarest among the solutions
CANDIDATES = 300  # solutions kept from the text search (best rank first), before the final score


def _need_query(need: Need) -> str | None:
    """An OR query of the need's most telling words, as tsquery text: the lexemes of its title and problem, the
    rarest first among the published solutions and profiles (``LexemeStat``; a word they all contain tells
    nothing), those they never contain last. A solution sharing some of them ranks by how many and how well."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT string_agg(quote_literal(lexeme), ' | ') FROM ("
            " SELECT v.lexeme FROM marketplace_need n, unnest(n.search_vector) AS v(lexeme, positions, weights)"
            " LEFT JOIN marketplace_lexemestat st ON st.word = v.lexeme"
            " WHERE n.id = %s AND ('A' = ANY(v.weights) OR 'B' = ANY(v.weights)) AND length(v.lexeme) > 2"
            " ORDER BY st.documents IS NULL, st.documents, cardinality(v.positions) DESC, v.lexeme LIMIT %s) AS words",
            [need.pk, RARE_WORDS],
        )
        (text,) = cursor.fetchone()
    return text or None


# Everything is read from the narrow ``SolutionFacet`` rows (never the wide sheets): the candidates are the best
# text matches (rank computed only on the facets that contain one of the need's rare words, through the GIN index
# of their small title-and-problem vector) and those of the need's défi (GIN ``&&``) or of a local member sharing
# a theme; each facet joins its member (active, territory) and the charter signature (narrow tables); then the
# full score, the best solution of each member, the best members.
_SOLUTIONS_SQL = """
WITH text_hits AS MATERIALIZED (
  SELECT f.solution_id AS id, f.member_id, f.challenge_ids, f.themes,
    ts_rank(f.text_vector, %(q)s::tsquery, 32) AS text_rank
  FROM marketplace_solutionfacet f
  WHERE %(q)s::tsquery IS NOT NULL AND f.text_vector @@ %(q)s::tsquery
  ORDER BY text_rank DESC, f.solution_id LIMIT %(pool)s
),
local_members AS MATERIALIZED (
  SELECT o.id FROM sman_organisation o WHERE o.territory_id = ANY(%(local)s) AND o.is_active
),
candidates AS (  -- a solution found twice scores the same twice: DISTINCT ON keeps one
  SELECT id, member_id, challenge_ids, themes FROM text_hits
  UNION ALL SELECT f.solution_id, f.member_id, f.challenge_ids, f.themes FROM marketplace_solutionfacet f
        WHERE f.challenge_ids && ARRAY[%(challenge)s]::bigint[]
  UNION ALL SELECT f.solution_id, f.member_id, f.challenge_ids, f.themes
        FROM marketplace_solutionfacet f JOIN local_members m ON m.id = f.member_id
        WHERE f.themes && %(themes)s::varchar[]
),
points AS (
  SELECT c.id, c.member_id, c.themes,
    c.challenge_ids && ARRAY[%(challenge)s]::bigint[] AS challenge_hit,
    o.territory_id = ANY(%(local)s) AS is_local,
    COALESCE(t.text_rank, 0) AS text_rank
  FROM candidates c
  JOIN sman_organisation o ON o.id = c.member_id AND o.is_active
  JOIN marketplace_chartersignature cs ON cs.organisation_id = c.member_id AND cs.charter_id = %(charter)s
  LEFT JOIN text_hits t ON t.id = c.id
),
scored AS (
  SELECT *, CASE WHEN challenge_hit THEN %(w_challenge)s ELSE 0 END + %(w_theme)s * ({theme_points})
    + CASE WHEN is_local THEN %(w_local)s ELSE 0 END + text_rank * %(w_text)s AS score
  FROM points
)
SELECT id, member_id, challenge_hit, themes, is_local, text_rank FROM (
  SELECT DISTINCT ON (member_id) * FROM scored ORDER BY member_id, score DESC, id
) best
ORDER BY score DESC, id
LIMIT %(limit)s
"""


def _theme_points(themes, params: dict) -> str:
    """SQL counting the need's themes a solution has, one containment test per theme (``@>`` on a constant
    array: no sub-select per row); each theme is a query parameter added to ``params``."""
    parts = []
    for i, theme in enumerate(t for t in themes if t in Theme.values):
        params[f"theme{i}"] = [theme]
        parts.append(f"(themes @> %(theme{i})s::varchar[])::int")
    return " + ".join(parts) or "0"


_MEMBERS_SQL = """
SELECT p.organisation_id,
  (o.territory_id = ANY(%(local)s)) AS is_local,
  EXISTS (SELECT 1 FROM marketplace_memberprofile_areas a
          WHERE a.memberprofile_id = p.id AND a.territory_id = ANY(%(served)s)) AS serves,
  ts_rank(p.search_vector, %(q)s::tsquery, 32) AS text_rank
FROM marketplace_memberprofile p
JOIN sman_organisation o ON o.id = p.organisation_id AND o.is_active
JOIN marketplace_chartersignature cs ON cs.organisation_id = p.organisation_id AND cs.charter_id = %(charter)s
WHERE p.is_listed AND %(q)s::tsquery IS NOT NULL AND p.search_vector @@ %(q)s::tsquery
ORDER BY text_rank DESC, p.organisation_id
LIMIT %(limit)s
"""


def _text_points(rank: float) -> int:
    # ts_rank with normalisation 32 lies in [0, 1[; a third of it already says many words are shared.
    return min(rules.SCORE_TEXT_MAX, round(rank * 3 * rules.SCORE_TEXT_MAX))


def match_need(need: Need, *, limit: int = rules.MATCH_LIMIT) -> list[Found]:
    """The members (with their best solution) that fit the need, best first, with the reasons: a défi in common,
    themes in common, a member established in the need's territory (EPT), words in common (French full-text
    search, ``fr_unaccent``), or — for a member without a fitting solution — its profile's words and the
    territories it serves. Only official members (charter in force signed) are proposed."""
    charter = Charter.objects.current()
    if charter is None:
        return []
    ept = _ept_of(need.territory)
    local = list(Territory.objects.within(ept).values_list("pk", flat=True)) if ept else []
    served = [need.territory_id] + ([ept.pk] if ept else [])
    params = {
        "pool": CANDIDATES,
        "challenge": need.challenge_id or 0,
        "themes": list(need.themes),
        "local": local,
        "served": served,
        "q": _need_query(need),
        "charter": charter.pk,
        "limit": limit,
        "w_challenge": rules.SCORE_CHALLENGE,
        "w_theme": rules.SCORE_THEME,
        "w_local": rules.SCORE_TERRITORY,
        "w_text": rules.SCORE_TEXT_MAX * 3,
    }
    found: dict[int, Found] = {}
    challenge_label = f"défi {need.challenge.number} en commun ({need.challenge.short_title})" if need.challenge else ""
    local_label = f"implanté dans le territoire {ept}" if ept else ""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit = off")  # a matching is short: compiling it would cost more than it saves
        cursor.execute(_SOLUTIONS_SQL.replace("{theme_points}", _theme_points(need.themes, params)), params)
        for solution_id, member_id, challenge_hit, themes, is_local, text_rank in cursor.fetchall():
            reasons, score = [], 0
            common_themes = [t for t in need.themes if t in themes]
            if challenge_hit:
                score += rules.SCORE_CHALLENGE
                reasons.append(challenge_label)
            for theme in common_themes:
                score += rules.SCORE_THEME
                reasons.append(f"thème commun : {Theme(theme).label}" if theme in Theme.values else "thème commun")
            if is_local and local_label:
                score += rules.SCORE_TERRITORY
                reasons.append(local_label)
            if text_rank:
                score += _text_points(text_rank)
                reasons.append("mots en commun avec le besoin")
            found[member_id] = Found(member_id, solution_id, score, reasons)
        cursor.execute(_MEMBERS_SQL, params)
        for member_id, is_local, serves, text_rank in cursor.fetchall():
            reasons = ["profil : mots en commun avec le besoin"]
            score = _text_points(text_rank)
            if is_local and local_label:
                score += rules.SCORE_TERRITORY
                reasons.append(local_label)
            elif serves:
                score += rules.SCORE_TERRITORY
                reasons.append(f"intervient sur {need.territory}")
            if member_id not in found or found[member_id].score < score:
                found[member_id] = Found(member_id, None, score, reasons)
    return sorted(found.values(), key=lambda f: (-f.score, f.member_id))[:limit]


def needs_per_semester(until=None) -> list[dict]:
    """For the COPIL: per semester (oldest first), the needs posted (published), answered (their first response)
    and adopted (their outcome), each counted in the semester of that date; ``until`` (a date) leaves out what
    happened after it (a report's date)."""
    from collections import defaultdict

    rows: dict[str, dict] = defaultdict(lambda: {"posted": 0, "answered": 0, "adopted": 0})
    for published_at, first_response, decided_at, outcome in (
        Need.objects.published()
        .annotate(first_response=Min("responses__submitted_at"))
        .values_list("published_at", "first_response", "decided_at", "outcome")
    ):
        for stage, moment in (
            ("posted", published_at),
            ("answered", first_response),
            ("adopted", decided_at if outcome == Need.Outcome.ADOPTED else None),
        ):
            if moment is None:
                continue
            day = timezone.localtime(moment).date()
            if until is None or day <= until:
                rows[rules.semester_of(day)][stage] += 1
    return [{"semester": s, "label": rules.semester_label(s), **rows[s]} for s in sorted(rows)]


# --- Events « Métropole d'intelligences » ---------------------------------------------------------------------------
def events():
    """The community's events with their seated and waiting counts, the next first, then the past ones."""
    from .models import CommunityEvent, EventRegistration

    return (
        CommunityEvent.objects.select_related("territory")
        .annotate(
            seated=Count("registrations", filter=Q(registrations__status=EventRegistration.Status.REGISTERED)),
            waiting=Count("registrations", filter=Q(registrations__status=EventRegistration.Status.WAITLISTED)),
        )
        .order_by("-starts_at", "pk")
    )


def event_registrations(event):
    from .models import EventRegistration

    return (
        EventRegistration.objects.filter(event=event)
        .exclude(status=EventRegistration.Status.CANCELLED)
        .select_related("user", "organisation")
        .order_by("status", "registered_at", "pk")
    )
