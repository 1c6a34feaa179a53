"""Writes of the marketplace: each checks who may do it, runs in a transaction, and is safe when two people do
the same thing at once (row locks on the need, unique constraints turned into French messages, funnel events
inserted once whatever the number of calls)."""

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from sman.emails import send_email_on_commit
from sman.models import Organisation, User
from sman.notifications import notify
from sman.permissions import is_metropole_staff
from sman.search import refresh_search_vector, weighted_vector

from . import permissions, rules, selectors
from .models import (
    Adoption,
    Charter,
    CharterSignature,
    CommunityEvent,
    EventRegistration,
    FunnelEvent,
    FunnelStage,
    Match,
    MemberProfile,
    Need,
    NeedParticipant,
    Question,
    Response,
    ResponseDocument,
    ReviewSetting,
    Solution,
    SolutionDocument,
    SolutionExperiment,
)

NEED_FIELDS = (
    "title",
    "problem",
    "context",
    "expected_outcome",
    "challenge",
    "themes",
    "territory",
    "budget_band",
    "deadline",
    "contact_name",
    "contact_email",
    "procedure",
    "quantity_unit",
)
SOLUTION_FIELDS = (
    "title",
    "problem",
    "audience",
    "description",
    "price_model",
    "price_note",
    "references",
    "accessibility",
    "accessibility_note",
    "gdpr_note",
    "hosting",
    "hosting_note",
    "themes",
)
PROFILE_FIELDS = ("category", "siren", "activity", "references", "is_listed")


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def _lock_need(need: Need) -> Need:
    return Need.objects.select_for_update().get(pk=need.pk)


# --- Search vectors (sman/search.py: the portal's one French full-text search) -------------------------------------
def refresh_need_vectors(queryset) -> None:
    refresh_search_vector(
        queryset, weighted_vector(("title", "A"), ("problem", "B"), ("expected_outcome", "C"), ("context", "D"))
    )


def refresh_solution_vectors(queryset) -> None:
    refresh_search_vector(
        queryset, weighted_vector(("title", "A"), ("problem", "B"), ("audience", "C"), ("description", "C"))
    )


_FACETS_DELETE = """
DELETE FROM marketplace_solutionfacet f WHERE (%(all)s OR f.solution_id = ANY(%(ids)s)) AND NOT EXISTS (
  SELECT 1 FROM marketplace_solution s WHERE s.id = f.solution_id AND s.status = 'published')
"""
_FACETS_UPSERT = """
INSERT INTO marketplace_solutionfacet (solution_id, member_id, challenge_ids, themes, text_vector)
SELECT s.id, s.member_id,
  ARRAY(SELECT sc.challenge_id FROM marketplace_solution_challenges sc WHERE sc.solution_id = s.id ORDER BY 1),
  s.themes,
  setweight(to_tsvector(%(config)s::regconfig, COALESCE(s.title, '')), 'A')
    || setweight(to_tsvector(%(config)s::regconfig, COALESCE(s.problem, '')), 'B')
FROM marketplace_solution s WHERE s.status = 'published' AND (%(all)s OR s.id = ANY(%(ids)s))
ON CONFLICT (solution_id) DO UPDATE SET member_id = EXCLUDED.member_id, challenge_ids = EXCLUDED.challenge_ids,
  themes = EXCLUDED.themes, text_vector = EXCLUDED.text_vector
"""


def refresh_solution_facets(solution_ids=None) -> None:
    """Rewrites the matching's narrow rows (``SolutionFacet``) of the given solutions (all when None): one row per
    published sheet, none for a draft or an archived one. Two statements, whatever the number of sheets."""
    from django.db import connection

    from sman.search import SEARCH_CONFIG

    params = {"all": solution_ids is None, "ids": list(solution_ids or []), "config": SEARCH_CONFIG}
    with connection.cursor() as cursor:
        cursor.execute(_FACETS_DELETE, params)
        cursor.execute(_FACETS_UPSERT, params)


_NEED_SEARCH_DELETE = """
DELETE FROM marketplace_needsearchrow r WHERE (%(all)s OR r.need_id = ANY(%(ids)s)) AND NOT EXISTS (
  SELECT 1 FROM marketplace_need n WHERE n.id = r.need_id AND NOT n.state = ANY(%(private)s))
"""
_NEED_SEARCH_UPSERT = """
INSERT INTO marketplace_needsearchrow (need_id, state, published_at, challenge_id, themes, territory_id,
  search_vector, title_vector)
SELECT n.id, n.state, n.published_at, n.challenge_id, n.themes, n.territory_id, n.search_vector,
  to_tsvector(%(config)s::regconfig, COALESCE(n.title, ''))
FROM marketplace_need n WHERE NOT n.state = ANY(%(private)s) AND (%(all)s OR n.id = ANY(%(ids)s))
ON CONFLICT (need_id) DO UPDATE SET state = EXCLUDED.state, published_at = EXCLUDED.published_at,
  challenge_id = EXCLUDED.challenge_id, themes = EXCLUDED.themes, territory_id = EXCLUDED.territory_id,
  search_vector = EXCLUDED.search_vector, title_vector = EXCLUDED.title_vector
"""


def refresh_need_search(need_ids=None) -> None:
    """Rewrites the needs search's narrow rows (``NeedSearchRow``) of the given needs (all when None) from the
    needs as saved (their search vector refreshed first): one row per public need, none for a draft or a need
    in review. Two statements, whatever the number of needs."""
    from django.db import connection

    from sman.search import SEARCH_CONFIG

    params = {
        "all": need_ids is None,
        "ids": list(need_ids or []),
        "private": [str(state) for state in Need.PRIVATE_STATES],
        "config": SEARCH_CONFIG,
    }
    with connection.cursor() as cursor:
        cursor.execute(_NEED_SEARCH_DELETE, params)
        cursor.execute(_NEED_SEARCH_UPSERT, params)


def refresh_profile_vectors(queryset) -> None:
    refresh_search_vector(queryset, weighted_vector(("activity", "B"), ("references", "C")))


# --- Charter ----------------------------------------------------------------------------------------------------------
@transaction.atomic
def charter_publish(*, user: User, title: str, body: str, summary_of_changes: str = "") -> Charter:
    """A new version of the charter, in force at once: every member is asked to sign it again."""
    _require(is_metropole_staff(user))
    Charter.objects.select_for_update().all().exists()  # serialise two publications (version numbers)
    version = (Charter.objects.aggregate(v=Max("version"))["v"] or 0) + 1
    charter = Charter(
        version=version, title=title, body=body, summary_of_changes=summary_of_changes, published_at=timezone.now()
    )
    charter.full_clean()
    charter.save()
    return charter


def charter_sign(*, user: User, organisation: Organisation) -> CharterSignature:
    """Signs the charter in force for ``organisation`` (a digital actor the user acts for). Signing twice is
    harmless: the first signature stays."""
    _require(organisation.id in permissions.member_ids_of(user))
    charter = Charter.objects.current()
    if charter is None:
        raise ValidationError("Aucune charte n'est en vigueur pour l'instant.")
    signature, _ = CharterSignature.objects.get_or_create(
        charter=charter, organisation=organisation, defaults={"signed_by": user}
    )
    return signature


# --- Member profile -----------------------------------------------------------------------------------------------
@transaction.atomic
def profile_save(*, user: User, organisation: Organisation, fields: dict, areas) -> MemberProfile:
    _require(organisation.id in permissions.member_ids_of(user) or is_metropole_staff(user))
    profile = MemberProfile.objects.select_for_update().filter(organisation=organisation).first()
    profile = profile or MemberProfile(organisation=organisation)
    for name in PROFILE_FIELDS:
        if name in fields:
            setattr(profile, name, fields[name])
    profile.full_clean()
    try:
        with transaction.atomic():
            profile.save()
    except IntegrityError:  # two organisations registering the same SIREN at once
        raise ValidationError({"siren": "Une autre organisation de l'annuaire a déjà ce numéro SIREN."}) from None
    profile.areas.set(areas)
    refresh_profile_vectors(MemberProfile.objects.filter(pk=profile.pk))
    return profile


# --- Solutions ------------------------------------------------------------------------------------------------------
@transaction.atomic
def solution_save(
    *, user: User, member: Organisation, fields: dict, challenges, solution: Solution | None = None
) -> Solution:
    _require(member.id in permissions.member_ids_of(user))
    if solution is None:
        solution = Solution(member=member)
    else:
        solution = Solution.objects.select_for_update().get(pk=solution.pk)
        _require(solution.member_id == member.id)
    for name in SOLUTION_FIELDS:
        if name in fields:
            setattr(solution, name, fields[name])
    solution.full_clean()
    solution.save()
    solution.challenges.set(challenges)
    refresh_solution_vectors(Solution.objects.filter(pk=solution.pk))
    refresh_solution_facets([solution.pk])
    return solution


@transaction.atomic
def solution_set_status(*, user: User, solution: Solution, status: str) -> Solution:
    """Publishes, archives or takes a sheet back to draft. Publishing asks the charter in force to be signed."""
    solution = Solution.objects.select_for_update().get(pk=solution.pk)
    _require(permissions.can_edit_solution(user, solution))
    if status == Solution.Status.PUBLISHED and not permissions.signed_member_ids({solution.member_id}):
        raise ValidationError("Signez la charte de participation en vigueur avant de publier une solution.")
    solution.status = status
    solution.save(update_fields=["status", "updated_at"])
    refresh_solution_facets([solution.pk])
    return solution


def solution_document_add(*, user: User, solution: Solution, title: str, file) -> SolutionDocument:
    _require(permissions.can_edit_solution(user, solution))
    document = SolutionDocument(solution=solution, title=title, file=file, uploaded_by=user)
    document.full_clean()  # DocumentValidator: extension, size, content
    document.save()
    return document


# --- Needs ------------------------------------------------------------------------------------------------------------
@transaction.atomic
def need_create(*, user: User, buyer: Organisation, fields: dict, quantity: int = 1) -> Need:
    _require(buyer.id in permissions.buyer_ids_of(user))
    need = Need(buyer=buyer, created_by=user, **{k: v for k, v in fields.items() if k in NEED_FIELDS})
    need.full_clean()
    need.save()
    NeedParticipant.objects.create(need=need, organisation=buyer, quantity=quantity, is_lead=True, joined_by=user)
    refresh_need_vectors(Need.objects.filter(pk=need.pk))
    refresh_need_search([need.pk])
    return need


@transaction.atomic
def need_update(*, user: User, need: Need, fields: dict, quantity: int | None = None) -> Need:
    need = _lock_need(need)
    _require(permissions.is_need_owner(user, need))
    if need.state == Need.State.IN_REVIEW:
        raise ValidationError("Ce besoin est en relecture : attendez la décision de l'équipe de la Métropole.")
    if need.state not in (Need.State.DRAFT, Need.State.PUBLISHED):
        raise ValidationError("Un besoin clos ne se modifie plus.")
    for name in NEED_FIELDS:
        if name in fields:
            setattr(need, name, fields[name])
    need.full_clean()
    need.save()
    if quantity is not None:
        NeedParticipant.objects.filter(need=need, is_lead=True).update(quantity=quantity)
    refresh_need_vectors(Need.objects.filter(pk=need.pk))
    refresh_need_search([need.pk])
    if need.state == Need.State.PUBLISHED:  # matched again once committed: only newly matched members are notified
        _match_on_commit(need)
    return need


def _match_on_commit(need: Need) -> None:
    from . import tasks

    transaction.on_commit(lambda: tasks.match_need.delay(need.pk))


def _publish(need: Need) -> None:
    """Publishes the locked need; the matching runs in the worker once the publication is committed."""
    if need.deadline < timezone.localdate():
        raise ValidationError({"deadline": "La date limite des réponses est passée : choisissez-en une autre."})
    need.state, need.published_at, need.review_note = Need.State.PUBLISHED, timezone.now(), ""
    need.save(update_fields=["state", "published_at", "reviewed_by", "review_note"])
    refresh_need_search([need.pk])
    _match_on_commit(need)


def _buyer_emails(need: Need) -> list[str]:
    return sorted({e for e in (need.created_by.email, need.contact_email) if e})


@transaction.atomic
def need_publish(*, user: User, need: Need) -> Need:
    """Publishes a draft — or, when staff read needs first (``ReviewSetting``), sends it « en relecture »: the
    Métropole's staff are told in their digest and publish it or send it back (``need_review_publish``,
    ``need_send_back``)."""
    need = _lock_need(need)
    _require(permissions.is_need_owner(user, need))
    if need.state == Need.State.IN_REVIEW:
        raise ValidationError("Ce besoin est déjà en relecture.")
    if need.state != Need.State.DRAFT:
        raise ValidationError("Ce besoin est déjà publié.")
    if ReviewSetting.review_required() and not is_metropole_staff(user):
        if need.deadline < timezone.localdate():
            raise ValidationError({"deadline": "La date limite des réponses est passée : choisissez-en une autre."})
        need.state, need.review_requested_at, need.review_note = Need.State.IN_REVIEW, timezone.now(), ""
        need.save(update_fields=["state", "review_requested_at", "review_note"])
        for staff in User.objects.filter(is_active=True, is_staff=True):
            notify(
                user=staff,
                module="marketplace",
                subject=f"Besoin à relire : « {need.title} »",
                body=f"{need.buyer.name} demande la publication de ce besoin.",
                url=need.get_absolute_url(),
                key=f"marketplace-need-{need.pk}-review-{need.review_requested_at:%Y%m%d%H%M%S%f}",
            )
        return need
    _publish(need)
    return need


@transaction.atomic
def need_review_publish(*, user: User, need: Need) -> Need:
    """Staff publish a need they read. Two staff members deciding at once: the row lock lets one decide, the
    other is told the need is no longer in review."""
    _require(is_metropole_staff(user))
    need = Need.objects.select_for_update(of=("self",)).select_related("created_by", "buyer").get(pk=need.pk)
    if need.state != Need.State.IN_REVIEW:
        raise ValidationError("Ce besoin n'est plus en relecture.")
    need.reviewed_by = user
    _publish(need)
    send_email_on_commit(name="marketplace_need_published", context={"need": need}, to=_buyer_emails(need))
    return need


@transaction.atomic
def need_send_back(*, user: User, need: Need, reason: str) -> Need:
    """Staff send a need in review back to its collectivity, as a draft, with the reason (e-mailed)."""
    _require(is_metropole_staff(user))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Indiquez à la collectivité ce qu'elle doit reprendre."})
    need = Need.objects.select_for_update(of=("self",)).select_related("created_by", "buyer").get(pk=need.pk)
    if need.state != Need.State.IN_REVIEW:
        raise ValidationError("Ce besoin n'est plus en relecture.")
    need.state, need.reviewed_by, need.review_note = Need.State.DRAFT, user, reason
    need.full_clean()
    need.save(update_fields=["state", "reviewed_by", "review_note"])
    refresh_need_search([need.pk])
    send_email_on_commit(name="marketplace_need_sent_back", context={"need": need}, to=_buyer_emails(need))
    return need


@transaction.atomic
def need_close(*, user: User, need: Need) -> Need:
    need = _lock_need(need)
    _require(permissions.is_need_owner(user, need) or is_metropole_staff(user))
    if need.state != Need.State.PUBLISHED:
        raise ValidationError("Seul un besoin publié peut être clos.")
    need.state = Need.State.CLOSED
    need.closed_at = timezone.now()
    need.save(update_fields=["state", "closed_at"])
    refresh_need_search([need.pk])
    return need


@transaction.atomic
def need_decide(
    *,
    user: User,
    need: Need,
    outcome: str,
    note: str = "",
    response: Response | None = None,
    adopted_on: date | None = None,
) -> Need:
    """Records the need's outcome. « Solution adoptée » names the response whose solution is adopted: every
    collectivity of the purchasing group adopts it, the member's funnel reaches « adopté » and a follow-up is
    due six months later."""
    need = _lock_need(need)
    _require(permissions.is_need_owner(user, need))
    if need.state not in (Need.State.PUBLISHED, Need.State.CLOSED):
        raise ValidationError("L'issue d'un besoin se donne une fois qu'il est publié, et une seule fois.")
    if outcome not in Need.Outcome.values:
        raise ValidationError("Issue inconnue.")
    if outcome == Need.Outcome.ADOPTED:
        if response is None or response.need_id != need.pk or response.solution_id is None:
            raise ValidationError({"response": "Choisissez la réponse dont la solution est adoptée."})
        adopted_on = adopted_on or timezone.localdate()
        adoption = Adoption.objects.create(
            need=need,
            solution_id=response.solution_id,
            adopted_on=adopted_on,
            recorded_by=user,
            follow_up_due_on=rules.follow_up_due(adopted_on),
        )
        adoption.collectivities.set(permissions.need_buyer_ids(need))
        funnel_record(need=need, member_id=response.member_id, stage=FunnelStage.ADOPTED)
    now = timezone.now()
    need.closed_at = need.closed_at or now
    need.state, need.outcome, need.outcome_note, need.decided_at = Need.State.DECIDED, outcome, note, now
    need.full_clean()
    need.save(update_fields=["state", "outcome", "outcome_note", "decided_at", "closed_at"])
    refresh_need_search([need.pk])
    return need


@transaction.atomic
def need_join(*, user: User, need: Need, organisation: Organisation, quantity: int) -> NeedParticipant:
    """Another collectivity joins a published need (the purchasing group) with its own quantity. Two agents of
    the same collectivity joining at once: one row, the other is told."""
    _require(organisation.id in permissions.buyer_ids_of(user))
    need = _lock_need(need)
    if need.state != Need.State.PUBLISHED:
        raise ValidationError("Ce besoin n'accepte plus de nouvelles collectivités.")
    if quantity < 1:
        raise ValidationError({"quantity": "Indiquez une quantité d'au moins 1."})
    try:
        with transaction.atomic():
            return NeedParticipant.objects.create(
                need=need, organisation=organisation, quantity=quantity, joined_by=user
            )
    except IntegrityError:
        raise ValidationError("Votre collectivité participe déjà à ce besoin.") from None


@transaction.atomic
def participation_update(*, user: User, participant: NeedParticipant, quantity: int) -> NeedParticipant:
    _require(participant.organisation_id in permissions.buyer_ids_of(user))
    need = _lock_need(participant.need)
    if need.state != Need.State.PUBLISHED:
        raise ValidationError("Les quantités ne se modifient plus une fois le besoin clos.")
    if quantity < 1:
        raise ValidationError({"quantity": "Indiquez une quantité d'au moins 1."})
    participant.quantity = quantity
    participant.save(update_fields=["quantity"])
    return participant


# --- Funnel ---------------------------------------------------------------------------------------------------------
def funnel_record(*, need: Need, member_id: int, stage: str, at=None) -> None:
    """Records that the member reached ``stage`` on the need: the first date stays, later calls change nothing
    (INSERT … ON CONFLICT DO NOTHING, safe under concurrency)."""
    FunnelEvent.objects.bulk_create(
        [FunnelEvent(need=need, member_id=member_id, stage=stage, at=at or timezone.now())], ignore_conflicts=True
    )


def need_viewed(*, user: User, need: Need) -> None:
    """A member agent opened a published need: « a consulté » for each of their digital actors."""
    if need.state in Need.PRIVATE_STATES:
        return
    events = [FunnelEvent(need=need, member_id=m, stage=FunnelStage.VIEWED) for m in permissions.member_ids_of(user)]
    if events:
        FunnelEvent.objects.bulk_create(events, ignore_conflicts=True)


def interest_mark(*, user: User, need: Need, member: Organisation) -> None:
    _require(member.id in permissions.official_member_ids_of(user))
    need = Need.objects.get(pk=need.pk)
    if not need.is_open:
        raise ValidationError("Ce besoin n'est plus ouvert.")
    funnel_record(need=need, member_id=member.id, stage=FunnelStage.INTERESTED)


# --- Responses --------------------------------------------------------------------------------------------------------
@transaction.atomic
def response_submit(
    *,
    user: User,
    need: Need,
    member: Organisation,
    proposal: str,
    price_cents: int | None = None,
    price_note: str = "",
    solution: Solution | None = None,
) -> Response:
    """One response per member and need (a unique constraint): a second one, even sent at the same instant, is
    refused with a French message."""
    _require(member.id in permissions.official_member_ids_of(user))
    need = Need.objects.select_for_update(of=("self",)).get(pk=need.pk)  # the deadline and state, stable
    if not need.is_open:
        raise ValidationError("Ce besoin n'accepte plus de réponses.")
    if solution is not None and solution.member_id != member.id:
        raise PermissionDenied
    response = Response(
        need=need,
        member=member,
        solution=solution,
        proposal=proposal,
        price_cents=price_cents,
        price_note=price_note,
        submitted_by=user,
    )
    response.full_clean(validate_unique=False, validate_constraints=False)
    try:
        with transaction.atomic():
            response.save()
    except IntegrityError:
        raise ValidationError("Votre organisation a déjà répondu à ce besoin : modifiez sa réponse.") from None
    funnel_record(need=need, member_id=member.id, stage=FunnelStage.INTERESTED)
    funnel_record(need=need, member_id=member.id, stage=FunnelStage.ANSWERED)
    return response


@transaction.atomic
def response_update(
    *, user: User, response: Response, proposal: str, price_cents, price_note: str, solution
) -> Response:
    response = Response.objects.select_for_update().select_related("need").get(pk=response.pk)
    _require(response.member_id in permissions.member_ids_of(user))
    if not response.need.is_open:
        raise ValidationError("Ce besoin n'accepte plus de modifications des réponses.")
    if solution is not None and solution.member_id != response.member_id:
        raise PermissionDenied
    response.proposal, response.price_cents, response.price_note, response.solution = (
        proposal,
        price_cents,
        price_note,
        solution,
    )
    response.full_clean(validate_unique=False, validate_constraints=False)
    response.save()
    return response


def response_document_add(*, user: User, response: Response, title: str, file) -> ResponseDocument:
    _require(response.member_id in permissions.member_ids_of(user))
    document = ResponseDocument(response=response, title=title, file=file)
    document.full_clean()
    document.save()
    return document


@transaction.atomic
def response_shortlist(*, user: User, response: Response) -> Response:
    response = Response.objects.select_for_update().select_related("need").get(pk=response.pk)
    _require(permissions.is_need_owner(user, response.need))
    if response.shortlisted_at is None:
        response.shortlisted_at = timezone.now()
        response.save(update_fields=["shortlisted_at"])
    funnel_record(need=response.need, member_id=response.member_id, stage=FunnelStage.SHORTLISTED)
    return response


def responses_mark_read(*, user: User, need: Need) -> int:
    """The buyers opened the responses: those not read yet are marked read (« Mon espace » stops counting them)."""
    if not permissions.is_need_buyer(user, need):
        return 0
    return Response.objects.filter(need=need, read_at__isnull=True).update(read_at=timezone.now())


# --- Questions --------------------------------------------------------------------------------------------------------
def question_ask(*, user: User, need: Need, member: Organisation, text: str) -> Question:
    _require(member.id in permissions.official_member_ids_of(user))
    need = Need.objects.get(pk=need.pk)  # its state now, not the caller's copy
    if not need.is_open:
        raise ValidationError("Ce besoin n'accepte plus de questions.")
    question = Question(need=need, member=member, asked_by=user, text=text)
    question.full_clean()
    question.save()
    funnel_record(need=need, member_id=member.id, stage=FunnelStage.INTERESTED)
    return question


@transaction.atomic
def question_answer(*, user: User, question: Question, answer: str) -> Question:
    """The answer is shown to everybody with the question (never who asked it)."""
    question = Question.objects.select_for_update().select_related("need").get(pk=question.pk)
    _require(permissions.is_need_owner(user, question.need))
    if not answer.strip():
        raise ValidationError({"answer": "Écrivez la réponse."})
    question.answer, question.answered_by, question.answered_at = answer.strip(), user, timezone.now()
    question.full_clean()
    question.save()
    return question


# --- Matching ---------------------------------------------------------------------------------------------------------
@transaction.atomic
def need_match(*, need: Need) -> list[Match]:
    """Ranks the solutions and members for a published need (selectors.match_need), keeps the ranking with its
    reasons, and notifies each matched member once (``notify``: its key makes a second call a no-op, in each
    person's digest as they prefer)."""
    need = (
        Need.objects.select_for_update(of=("self",)).select_related("territory", "challenge", "buyer").get(pk=need.pk)
    )
    if need.state != Need.State.PUBLISHED:
        return []
    found = selectors.match_need(need)
    Match.objects.filter(need=need).delete()
    matches = Match.objects.bulk_create(
        Match(need=need, member_id=m.member_id, solution_id=m.solution_id, score=m.score, reasons=m.reasons)
        for m in found
    )
    need.matched_at = timezone.now()
    if need.first_match_count is None:  # what the community offered when the need was published (public credit)
        need.first_match_count = len(found)
    need.save(update_fields=["matched_at", "first_match_count"])
    member_ids = [m.member_id for m in found]
    FunnelEvent.objects.bulk_create(
        [FunnelEvent(need=need, member_id=m, stage=FunnelStage.NOTIFIED) for m in member_ids], ignore_conflicts=True
    )
    url = need.get_absolute_url()
    for user in User.objects.filter(is_active=True, memberships__organisation_id__in=member_ids).distinct():
        notify(
            user=user,
            module="marketplace",
            subject=f"Un besoin pour vous : « {need.title} »",
            body=f"{need.buyer.name} cherche une solution (réponses jusqu'au {need.deadline:%d/%m/%Y}).",
            url=url,
            key=f"marketplace-need-{need.pk}-match",
        )
    return matches


def lexeme_stats_refresh() -> int:
    """Recounts the documents of each lexeme of the published solutions (their facets' title and problem
    vector, what the matching searches) and listed profiles (one statement)."""
    from django.db import connection

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM marketplace_lexemestat")
        cursor.execute(
            "INSERT INTO marketplace_lexemestat (word, documents) SELECT word, ndoc FROM ts_stat("
            "'SELECT text_vector FROM marketplace_solutionfacet WHERE text_vector IS NOT NULL"
            " UNION ALL SELECT search_vector FROM marketplace_memberprofile"
            " WHERE is_listed AND search_vector IS NOT NULL')"
            " WHERE length(word) <= 200"
        )
        return cursor.rowcount


# --- Follow-up --------------------------------------------------------------------------------------------------------
@transaction.atomic
def adoption_follow_up(*, user: User, adoption: Adoption, still_in_use: str, note: str = "") -> Adoption:
    adoption = Adoption.objects.select_for_update().select_related("need").get(pk=adoption.pk)
    _require(permissions.is_need_buyer(user, adoption.need))
    if still_in_use not in Adoption.StillInUse.values:
        raise ValidationError({"still_in_use": "Choisissez une réponse."})
    adoption.still_in_use, adoption.follow_up_note, adoption.followed_up_at = still_in_use, note, timezone.now()
    adoption.save(update_fields=["still_in_use", "follow_up_note", "followed_up_at"])
    return adoption


def follow_ups_ask(*, today: date | None = None) -> int:
    """Asks the buyers of each adoption due for its six-month follow-up (once per adoption and person)."""
    today = today or timezone.localdate()
    due = Adoption.objects.filter(follow_up_due_on__lte=today, followed_up_at__isnull=True).select_related(
        "need", "solution"
    )
    count = 0
    for adoption in due:
        users = User.objects.filter(
            is_active=True, memberships__organisation__in=adoption.collectivities.all()
        ).distinct()
        for user in users:
            notify(
                user=user,
                module="marketplace",
                subject=f"« {adoption.solution.title} » est-elle toujours utilisée ?",
                body="Six mois après son adoption, dites-nous en une question si la solution sert toujours.",
                url=adoption.need.get_absolute_url(),
                key=f"marketplace-adoption-{adoption.pk}-follow-up",
            )
            count += 1
    return count


# --- Resource centre --------------------------------------------------------------------------------------------------
def adoption_to_case_study(*, user: User, adoption: Adoption):
    """An adoption becomes a draft « retour d'expérience » of the resource centre, written by the buyer's agent
    from what the need and the solution say; they review it there, then submit it to the moderators. Calling
    twice returns the same draft (``source_app``/``source_id``)."""
    from django.utils.html import escape, linebreaks

    from resources import services as resources

    adoption = Adoption.objects.select_related(
        "need", "need__buyer", "need__territory", "need__challenge", "solution", "solution__member"
    ).get(pk=adoption.pk)
    need, solution = adoption.need, adoption.solution
    _require(permissions.is_need_buyer(user, need))
    collectivities = ", ".join(adoption.collectivities.order_by("name").values_list("name", flat=True))
    parts = [
        ("Le besoin", need.problem),
        ("Le contexte", need.context),
        ("Le résultat attendu", need.expected_outcome),
        (f"La solution adoptée : {solution.title} ({solution.member.name})", solution.problem),
        ("Le suivi à six mois", adoption.follow_up_note),
    ]
    body = "".join(f"<h2>{escape(title)}</h2>{linebreaks(text, autoescape=True)}" for title, text in parts if text)
    return resources.draft_from_module(
        kind="feedback",
        title=f"{solution.title} adoptée par {need.buyer.name}",
        summary=f"« {need.title} » : la solution « {solution.title} » de {solution.member.name} a été adoptée le "
        f"{adoption.adopted_on:%d/%m/%Y} par {collectivities}, après un besoin publié sur J'adopte une innovation.",
        body=body,
        author=user,
        organisation=need.buyer,
        source_app="marketplace.adoption",
        source_id=adoption.pk,
        themes=list(need.themes),
        challenges=[need.challenge] if need.challenge_id else (),
        territories=[need.territory],
    )


# --- FMIN projects experimenting a solution -----------------------------------------------------------------------
def experiment_link(*, user: User, application, solution: Solution) -> SolutionExperiment:
    """The lead collectivity of a funded FMIN project says which published solution it experiments. Linking twice
    (even at once) keeps one link."""
    from fmin.models import Application

    _require(application.lead_id in permissions.buyer_ids_of(user))
    if application.status != Application.Status.FUNDED:
        raise ValidationError({"application": "Seul un projet financé par le FMIN peut être lié à une solution."})
    if not selectors.published_solutions_for_choice().filter(pk=solution.pk).exists():
        raise ValidationError({"solution": "Choisissez une solution publiée."})
    link, _ = SolutionExperiment.objects.get_or_create(
        solution=solution, application=application, defaults={"linked_by": user}
    )
    return link


@transaction.atomic
def experiment_unlink(*, user: User, link: SolutionExperiment) -> None:
    """The lead collectivity of the FMIN project removes its link to a solution (a mistake, an experiment that
    turned to another solution). Removing it twice, even at once, removes it once."""
    _require(link.application.lead_id in permissions.buyer_ids_of(user))
    SolutionExperiment.objects.filter(pk=link.pk).delete()


# --- Events « Métropole d'intelligences » ---------------------------------------------------------------------------
EVENT_FIELDS = ("title", "description", "starts_at", "ends_at", "place", "territory", "seats")


@transaction.atomic
def event_save(*, user: User, fields: dict, event: CommunityEvent | None = None) -> CommunityEvent:
    """Staff create or edit an event. Fewer seats than people already seated is refused (nobody is unseated)."""
    _require(is_metropole_staff(user))
    if event is None:
        event = CommunityEvent(created_by=user)
    else:
        event = CommunityEvent.objects.select_for_update().get(pk=event.pk)
    for name in EVENT_FIELDS:
        if name in fields:
            setattr(event, name, fields[name])
    if event.pk and event.seats is not None and event.seats < _seated(event).count():
        raise ValidationError({"seats": "Plus de personnes sont déjà inscrites : gardez au moins autant de places."})
    event.full_clean()
    event.save()
    return event


def _seated(event: CommunityEvent):
    return EventRegistration.objects.filter(event=event, status=EventRegistration.Status.REGISTERED)


@transaction.atomic
def event_register(*, user: User, event: CommunityEvent, organisation: Organisation) -> EventRegistration:
    """A person acting for a member registers: seated while seats remain, else on the waiting list. The event's
    row lock makes two people asking for the last seat at once get one seat and one waiting-list place."""
    _require(organisation.id in permissions.member_ids_of(user))
    event = CommunityEvent.objects.select_for_update().get(pk=event.pk)
    if event.starts_at <= timezone.now():
        raise ValidationError("Cet événement a commencé : les inscriptions sont closes.")
    registration = EventRegistration.objects.filter(event=event, user=user).first()
    if registration and registration.status != EventRegistration.Status.CANCELLED:
        raise ValidationError("Vous êtes déjà inscrit à cet événement.")
    full = _seated(event).count() >= event.seats
    status = EventRegistration.Status.WAITLISTED if full else EventRegistration.Status.REGISTERED
    registration = registration or EventRegistration(event=event, user=user)
    registration.organisation, registration.status, registration.registered_at = organisation, status, timezone.now()
    registration.save()
    return registration


@transaction.atomic
def event_cancel(*, user: User, event: CommunityEvent) -> EventRegistration | None:
    """A person cancels; a freed seat goes to the first person of the waiting list, who is told (``notify``).
    Returns the registration promoted, if any."""
    event = CommunityEvent.objects.select_for_update().get(pk=event.pk)
    registration = EventRegistration.objects.filter(event=event, user=user).exclude(
        status=EventRegistration.Status.CANCELLED
    )
    registration = registration.first()
    if registration is None:
        raise ValidationError("Vous n'êtes pas inscrit à cet événement.")
    was_seated = registration.status == EventRegistration.Status.REGISTERED
    registration.status = EventRegistration.Status.CANCELLED
    registration.save(update_fields=["status"])
    if not was_seated or event.starts_at <= timezone.now():
        return None
    first = (
        EventRegistration.objects.filter(event=event, status=EventRegistration.Status.WAITLISTED)
        .order_by("registered_at", "pk")
        .first()
    )
    if first is None:
        return None
    first.status = EventRegistration.Status.REGISTERED
    first.save(update_fields=["status"])
    notify(
        user=first.user,
        module="marketplace",
        subject=f"Une place s'est libérée : « {event.title} »",
        body=f"Vous êtes inscrit à l'événement du {timezone.localtime(event.starts_at):%d/%m/%Y à %H:%M}.",
        url=event.get_absolute_url(),
        key=f"marketplace-event-{event.pk}-seat-{first.pk}",
    )
    return first


@transaction.atomic
def event_attendance(*, user: User, event: CommunityEvent, present_ids) -> int:
    """Staff take attendance once the event has started: the seated people listed are present, the others
    absent; taking it again corrects it. Returns the number present."""
    _require(is_metropole_staff(user))
    event = CommunityEvent.objects.select_for_update().get(pk=event.pk)
    if event.starts_at > timezone.now():
        raise ValidationError("Les présences se relèvent une fois l'événement commencé.")
    seated = _seated(event)
    present = seated.filter(pk__in=list(present_ids)).update(attended=True)
    seated.exclude(pk__in=list(present_ids)).update(attended=False)
    event.attendance_taken_at = timezone.now()
    event.save(update_fields=["attendance_taken_at"])
    return present
