"""Writes of the participation platform: keyword-only, atomic, each with its permission check.

Votes are never lost nor doubled: a ballot is unique per (budget, voter) by a constraint; ``ballot_cast``
inserts it with ``ON CONFLICT DO NOTHING`` then locks it (``SELECT … FOR UPDATE``) before replacing its
choices, so two concurrent casts of one voter end with one ballot holding the last choice, and counting
is a plain aggregate over the choices (selectors.budget_tally).
"""

from collections.abc import Iterable
from datetime import date, timedelta

from django.contrib.gis.geos import Point
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Max, Q
from django.urls import reverse
from django.utils import timezone

from sman.emails import send_email_on_commit
from sman.models import Membership, Organisation, Territory, User
from sman.notifications import notify
from sman.permissions import is_member, is_metropole_staff
from sman.richtext import clean_html
from sman.search import refresh_search_vector, weighted_vector

from . import permissions, rules
from .models import (
    Ballot,
    BallotChoice,
    Budget,
    BudgetProject,
    Comment,
    Component,
    Meeting,
    Milestone,
    ModerationCase,
    Phase,
    Process,
    Proposal,
    Question,
    Registration,
    Report,
    Residence,
    ResidenceProof,
    Result,
    Space,
    SpaceBlock,
    SpaceMember,
    Support,
    Survey,
    SurveyResponse,
)

MODULE = "participation"
MAX_COMMENT_DEPTH = 4
PROPOSAL_VECTOR = (("title", "A"), ("category", "B"), ("body", "C"))
PROCESS_VECTOR = (("title", "A"), ("summary", "B"), ("description", "C"))


# --- Checks shared by every citizen's action --------------------------------------------------------------
def _require_participant(user, space: Space) -> None:
    if not user.is_authenticated:
        raise PermissionDenied("Connectez-vous pour participer.")
    verified, blocked = permissions.standing(user, space)
    if not verified:
        raise ValidationError("Confirmez d'abord votre adresse électronique : le lien vous a été envoyé par courriel.")
    if blocked:
        raise ValidationError("La modération de cet espace a suspendu votre participation.")


def _require_component(process: Process, component: str, message: str) -> None:
    if not process.has_component(component):
        raise ValidationError(message)


def _require_manager(user, space: Space) -> None:
    if not permissions.can_manage(user, space):
        raise PermissionDenied("Seuls les administrateurs de cet espace peuvent faire cela.")


def _require_moderator(user, space: Space) -> None:
    if not permissions.can_moderate(user, space):
        raise PermissionDenied("Seuls les modérateurs de cet espace peuvent faire cela.")


def _point_in_scope(point: Point, territory_ids: Iterable[int]) -> bool:
    """Whether ``point`` lies within one of the territories' outlines (PostGIS ST_Covers, GiST index)."""
    return Territory.objects.filter(pk__in=list(territory_ids), geometry__covers=point).exists()


# --- Spaces -----------------------------------------------------------------------------------------------
@transaction.atomic
def space_create(*, organisation: Organisation, slug: str, presentation: str = "", by: User) -> Space:
    """Opens a volunteer collectivity's space (Métropole staff)."""
    if not is_metropole_staff(by):
        raise PermissionDenied("Seule l'équipe de la Métropole ouvre un espace.")
    if organisation.kind not in (Organisation.Kind.COLLECTIVITY, Organisation.Kind.METROPOLE):
        raise ValidationError({"organisation": "Un espace de participation appartient à une collectivité."})
    space = Space(organisation=organisation, slug=slug, presentation=clean_html(presentation))
    space.full_clean()
    space.save()
    return space


@transaction.atomic
def space_member_set(*, space: Space, user: User, role: str, by: User) -> SpaceMember:
    """Makes an agent of the space's collectivity its administrator or moderator."""
    _require_manager(by, space)
    if not is_member(user, space.organisation):
        raise ValidationError(f"{user} n'est pas agent de {space.organisation}.")
    member, _ = SpaceMember.objects.update_or_create(space=space, user=user, defaults={"role": role})
    permissions.forget(user)
    return member


@transaction.atomic
def user_block(*, space: Space, user: User, reason: str, by: User) -> SpaceBlock:
    _require_moderator(by, space)
    if not reason.strip():
        raise ValidationError({"reason": "Donnez le motif du blocage : il est conservé."})
    if permissions.can_moderate(user, space):
        raise ValidationError("Un modérateur de l'espace ne peut pas être bloqué.")
    block, _ = SpaceBlock.objects.get_or_create(space=space, user=user, defaults={"reason": reason, "blocked_by": by})
    return block


@transaction.atomic
def user_unblock(*, space: Space, user: User, by: User) -> None:
    _require_moderator(by, space)
    SpaceBlock.objects.filter(space=space, user=user).delete()


# --- Processes --------------------------------------------------------------------------------------------
def refresh_process_search(pk: int) -> None:
    refresh_search_vector(Process.objects.filter(pk=pk), weighted_vector(*PROCESS_VECTOR))


@transaction.atomic
def process_create(
    *,
    space: Space,
    by: User,
    title: str,
    slug: str,
    summary: str,
    description: str = "",
    territories: Iterable[Territory],
    categories: Iterable[str] = (),
    supports_per_user: int = 10,
    support_threshold: int = 50,
    phases: Iterable[tuple[str, date, date, Iterable[str]]] = (),
) -> Process:
    """A process of the space, within the collectivity's territory (the Métropole's space: anywhere)."""
    _require_manager(by, space)
    territories = list(territories)
    if not territories:
        raise ValidationError({"territories": "Choisissez le périmètre de la démarche."})
    home = space.organisation.territory
    allowed = set(Territory.objects.within(home).values_list("pk", flat=True))
    if any(t.pk not in allowed for t in territories):
        raise ValidationError({"territories": f"Le périmètre doit rester dans le territoire de {space.organisation}."})
    process = Process(
        space=space,
        title=title,
        slug=slug,
        summary=summary,
        description=clean_html(description),
        categories=[c.strip() for c in categories if c.strip()],
        supports_per_user=supports_per_user,
        support_threshold=support_threshold,
        created_by=by,
    )
    process.full_clean()
    process.save()
    process.territories.set(territories)
    for kind, starts_on, ends_on, components in phases:
        phase = Phase(process=process, kind=kind, starts_on=starts_on, ends_on=ends_on, components=list(components))
        phase.full_clean(exclude=["process"])
        phase.save()
    refresh_process_search(process.pk)
    return process


# --- Proposals --------------------------------------------------------------------------------------------
def refresh_proposal_search(pk: int) -> None:
    refresh_search_vector(Proposal.objects.filter(pk=pk), weighted_vector(*PROPOSAL_VECTOR))


@transaction.atomic
def proposal_create(
    *, process: Process, author: User, title: str, body: str, category: str = "", location: Point | None = None
) -> Proposal:
    """A citizen's proposal, during a phase that takes proposals; its place must lie within the scope."""
    _require_participant(author, process.space)
    _require_component(process, Component.PROPOSALS, "Cette démarche ne reçoit pas de propositions en ce moment.")
    if process.categories and category not in process.categories:
        raise ValidationError({"category": "Choisissez une des catégories de la démarche."})
    if location is not None and not _point_in_scope(location, process.territories.values_list("pk", flat=True)):
        raise ValidationError({"location": "Ce lieu est hors du périmètre de la démarche."})
    proposal = Proposal(
        process=process, author=author, title=title.strip(), body=body.strip(), category=category, location=location
    )
    proposal.full_clean()
    proposal.save()
    refresh_proposal_search(proposal.pk)
    return proposal


@transaction.atomic
def proposal_answer(
    *, proposal: Proposal, by: User, answer: str, text: str, estimated_cost_cents: int | None = None
) -> Proposal:
    """The collectivity's answer. An accepted proposal gets an estimated cost and becomes a followed result;
    a rejected one gets its reason. The author is notified through the portal's digest."""
    proposal = Proposal.objects.select_for_update().select_related("process__space").get(pk=proposal.pk)
    _require_manager(by, proposal.process.space)
    if answer not in Proposal.Answer.values or answer == Proposal.Answer.NONE:
        raise ValidationError({"answer": "Choisissez une réponse."})
    if answer == Proposal.Answer.REJECTED and not text.strip():
        raise ValidationError({"text": "Expliquez pourquoi la proposition n'est pas retenue."})
    if answer == Proposal.Answer.ACCEPTED and estimated_cost_cents is None:
        raise ValidationError({"estimated_cost": "Donnez le coût estimé de la proposition retenue."})
    proposal.answer = answer
    proposal.answer_text = text.strip()
    proposal.estimated_cost_cents = estimated_cost_cents if answer == Proposal.Answer.ACCEPTED else None
    proposal.answered_at = timezone.now()
    proposal.answered_by = by
    proposal.save()
    if answer == Proposal.Answer.ACCEPTED:
        Result.objects.get_or_create(
            proposal=proposal,
            defaults={"process": proposal.process, "title": proposal.title, "budget_cents": estimated_cost_cents},
        )
    if proposal.author_id:
        notify(
            user=proposal.author,
            module=MODULE,
            key=f"participation-answer-{proposal.pk}-{answer}",
            subject=f"Réponse à votre proposition « {proposal.title} » : {proposal.get_answer_display()}",
            body=proposal.answer_text or "La collectivité étudie votre proposition.",
            url=proposal.get_absolute_url(),
        )
    return proposal


def _lock_participant(user: User) -> None:
    """Serialises one person's supports (the per-process limit), never other people's."""
    User.objects.select_for_update().filter(pk=user.pk).values_list("pk", flat=True).first()


@transaction.atomic
def proposal_support(*, proposal: Proposal, user: User) -> Support:
    """Supports a proposal, within the process's limit of supports per person; supporting twice is a no-op."""
    process = proposal.process
    _require_participant(user, process.space)
    _require_component(process, Component.SUPPORTS, "Les soutiens ne sont pas ouverts dans cette phase.")
    if proposal.hidden:
        raise ValidationError("Cette proposition est masquée par la modération.")
    _lock_participant(user)
    existing = Support.objects.filter(proposal=proposal, user=user).first()
    if existing:
        return existing
    used = Support.objects.filter(proposal__process=process, user=user).count()
    if used >= process.supports_per_user:
        raise ValidationError(
            f"Vous avez déjà soutenu {used} propositions, le maximum pour cette démarche : retirez un soutien "
            "pour en donner un autre."
        )
    support = Support.objects.create(proposal=proposal, user=user)
    Proposal.objects.filter(pk=proposal.pk).update(support_count=F("support_count") + 1)
    count = Proposal.objects.filter(pk=proposal.pk).values_list("support_count", flat=True).get()
    if count == process.support_threshold:
        _notify_threshold(proposal, process)
    return support


def _notify_threshold(proposal: Proposal, process: Process) -> None:
    """The space's administrators learn, in their digest, that a proposal reached the threshold of supports."""
    admins = User.objects.filter(
        Q(participation_roles__space=process.space, participation_roles__role=SpaceMember.Role.ADMIN)
        | Q(memberships__organisation=process.space.organisation, memberships__role=Membership.Role.ADMIN)
    ).distinct()
    for admin in admins:
        notify(
            user=admin, module=MODULE, key=f"participation-threshold-{proposal.pk}",
            subject=f"« {proposal.title} » a atteint {process.support_threshold} soutiens : elle attend votre réponse",
            url=reverse("participation:answer", args=[proposal.pk]),
        )  # fmt: skip


@transaction.atomic
def proposal_unsupport(*, proposal: Proposal, user: User) -> None:
    _require_component(proposal.process, Component.SUPPORTS, "Les soutiens ne sont pas ouverts dans cette phase.")
    _lock_participant(user)
    deleted, _ = Support.objects.filter(proposal=proposal, user=user).delete()
    if deleted:
        Proposal.objects.filter(pk=proposal.pk).update(support_count=F("support_count") - 1)


# --- Comments ---------------------------------------------------------------------------------------------
@transaction.atomic
def comment_create(*, proposal: Proposal, author: User, body: str, parent: Comment | None = None) -> Comment:
    """A comment, or a reply; the person answered (and the proposal's author) are notified in their digest."""
    process = proposal.process
    _require_participant(author, process.space)
    _require_component(process, Component.COMMENTS, "Les commentaires sont fermés dans cette phase.")
    if not body.strip():
        raise ValidationError({"body": "Écrivez votre commentaire."})
    if parent is not None and parent.proposal_id != proposal.pk:
        raise ValidationError("Ce commentaire répond à une autre proposition.")
    if parent is not None and parent.hidden:
        raise ValidationError("On ne répond pas à un commentaire masqué.")
    depth = min(parent.depth + 1, MAX_COMMENT_DEPTH) if parent else 0
    comment = Comment.objects.create(proposal=proposal, author=author, body=body.strip(), parent=parent, depth=depth)
    notified = set()
    if parent is not None and parent.author_id and parent.author_id != author.pk:
        notify(
            user=parent.author,
            module=MODULE,
            key=f"participation-reply-{comment.pk}",
            subject=f"Réponse à votre commentaire sur « {proposal.title} »",
            body=comment.body[:500],
            url=comment.get_absolute_url(),
        )
        notified.add(parent.author_id)
    if proposal.author_id and proposal.author_id != author.pk and proposal.author_id not in notified:
        notify(
            user=proposal.author,
            module=MODULE,
            key=f"participation-comment-{comment.pk}",
            subject=f"Nouveau commentaire sur votre proposition « {proposal.title} »",
            body=comment.body[:500],
            url=comment.get_absolute_url(),
        )
    return comment


# --- Reports and moderation -------------------------------------------------------------------------------
def _set_hidden(case: ModerationCase, hidden: bool) -> None:
    model = Proposal if case.proposal_id else Comment
    model.objects.filter(pk=case.proposal_id or case.comment_id).update(hidden=hidden)


@transaction.atomic
def report_create(
    *, user: User, reason: str, details: str = "", proposal: Proposal | None = None, comment: Comment | None = None
) -> Report:
    """A report on a proposal or a comment. At the space's threshold of reports the contribution is hidden,
    pending the moderators' review. Who reported is never shown publicly."""
    if (proposal is None) == (comment is None):
        raise ValueError("report one proposal or one comment")
    space = (proposal or comment.proposal).process.space
    _require_participant(user, space)
    if reason not in Report.Reason.values:
        raise ValidationError({"reason": "Choisissez un motif."})
    target = {"proposal": proposal} if proposal else {"comment": comment}
    ModerationCase.objects.get_or_create(**target, defaults={"space": space})
    case = ModerationCase.objects.select_for_update().get(**target)
    if case.reports.filter(reporter=user).exists():
        raise ValidationError("Vous avez déjà signalé cette contribution : la modération l'examinera.")
    report = Report.objects.create(case=case, reporter=user, reason=reason, details=details.strip())
    case.report_count += 1
    if case.state == ModerationCase.State.KEPT and case.report_count >= 2 * space.hide_after_reports:
        case.state = ModerationCase.State.OPEN  # kept once, reported again and again: back in the queue
    if case.state == ModerationCase.State.OPEN and case.report_count >= space.hide_after_reports:
        case.auto_hidden = True
        _set_hidden(case, True)
    case.save()
    return report


@transaction.atomic
def moderation_decide(*, case_ids: Iterable[int], by: User, hide: bool, reason: str) -> int:
    """Moderators' decision on several cases at once (the queue's bulk decision): hide or keep, with the
    reason shown in the public log. A case of a space the person does not moderate refuses the whole batch."""
    if not reason.strip():
        raise ValidationError({"reason": "Donnez le motif de la décision : il est publié dans le journal."})
    cases = list(ModerationCase.objects.select_for_update().select_related("space").filter(pk__in=list(case_ids)))
    if not cases:
        raise ValidationError("Choisissez au moins une contribution.")
    for case in cases:
        _require_moderator(by, case.space)
    now = timezone.now()
    for case in cases:
        case.state = ModerationCase.State.HIDDEN if hide else ModerationCase.State.KEPT
        case.reason = reason.strip()
        case.decided_by = by
        case.decided_at = now
        case.save()
        _set_hidden(case, hide)
    return len(cases)


# --- Participatory budgets --------------------------------------------------------------------------------
def _choose(
    budget: Budget, project_ids: Iterable[int], known: Iterable[BudgetProject] | None = None
) -> tuple[list[BudgetProject], rules.BallotCheck]:
    """The chosen projects, checked against the budget's rule; ``known``: the budget's projects when the caller
    has just read them (the vote page), which spares reading them again."""
    ids = {int(pk) for pk in project_ids}
    if known is not None:
        projects = [p for p in known if p.pk in ids and p.budget_id == budget.pk]
    else:
        projects = list(BudgetProject.objects.filter(budget=budget, pk__in=ids))
    if len(projects) != len(ids):
        raise ValidationError("Un des projets choisis n'appartient pas à ce budget.")
    check = rules.check_ballot(
        rule=budget.rule,
        costs=[p.cost_cents for p in projects],
        amount_cents=budget.amount_cents,
        max_projects=budget.max_projects,
        min_share_percent=budget.min_share_percent,
    )
    if not check.ok:
        raise ValidationError(check.message)
    return projects, check


def _store_choices(ballot: Ballot, projects: list[BudgetProject]) -> None:
    BallotChoice.objects.filter(ballot=ballot).delete()
    BallotChoice.objects.bulk_create([BallotChoice(ballot=ballot, project=p) for p in projects])


@transaction.atomic
def ballot_cast(
    *,
    budget: Budget,
    voter: User,
    project_ids: Iterable[int],
    address: str = "",
    point: Point | None = None,
    now=None,
    projects: Iterable[BudgetProject] | None = None,
) -> Ballot:
    """Casts or changes the voter's one ballot while the vote is open, after checking the budget's rule and,
    for a residents-only budget, that the declared address lies within the commune's outline (PostGIS)."""
    now = now or timezone.now()
    _require_participant(voter, budget.process.space)
    if now < budget.vote_opens_at:
        raise ValidationError("Le vote n'est pas encore ouvert.")
    if now >= budget.vote_closes_at:
        raise ValidationError("Le vote est clos : les bulletins ne peuvent plus être modifiés.")
    projects, _ = _choose(budget, project_ids, known=projects)
    if budget.residents_only:
        if point is None:
            residence = Residence.objects.filter(user=voter).first()
            point, address = (residence.point, residence.address) if residence else (None, "")
        if point is None:
            raise ValidationError({"address": "Ce vote est réservé aux habitants : indiquez votre adresse."})
        if not _point_in_scope(point, [budget.territory_id]):
            raise ValidationError({"address": f"Cette adresse n'est pas dans la commune : {budget.territory}."})
        if budget.proof_required:
            _require_accepted_proof(voter, budget)
    ballot_id, changes = _ballot_upsert(
        budget=budget, voter=voter, address=address if budget.residents_only else "",
        point=point if budget.residents_only else None,
    )  # fmt: skip
    _replace_choices(ballot_id, [p.pk for p in projects])
    return Ballot(pk=ballot_id, budget=budget, voter=voter, changes=changes, declared_address=address)


def _replace_choices(ballot_id: int, project_ids: list[int]) -> None:
    """The ballot's choices become exactly ``project_ids``, in one statement (a vote's latency is its round
    trips): the choices no longer wanted deleted, the new ones inserted. It runs after ``_ballot_upsert`` has
    locked the ballot, so its snapshot sees the choices a concurrent cast of the same voter committed."""
    table = BallotChoice._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH dropped AS (
                DELETE FROM {table} WHERE ballot_id = %(ballot)s AND NOT (project_id = ANY(%(projects)s))
            )
            INSERT INTO {table} (ballot_id, project_id)
            SELECT %(ballot)s, unnest(%(projects)s::bigint[])
            ON CONFLICT (ballot_id, project_id) DO NOTHING
            """,  # noqa: S608 — the table name is the model's, the values are parameters
            {"ballot": ballot_id, "projects": project_ids},
        )


def _ballot_upsert(*, budget: Budget, voter: User, address: str, point: Point | None) -> tuple[int, int]:
    """The voter's one ballot, inserted or, when it exists, locked and counted as changed: one statement
    (``INSERT … ON CONFLICT DO UPDATE`` takes the row lock as ``SELECT … FOR UPDATE`` would), so two concurrent
    casts of one person meet on the unique constraint and the second waits for the first to commit."""
    table = Ballot._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {table} (budget_id, voter_id, is_paper, paper_reference, declared_address, declared_point,
                                 created_at, updated_at, changes)
            VALUES (%s, %s, false, '', %s, ST_GeomFromEWKB(%s), now(), now(), 0)
            ON CONFLICT (budget_id, voter_id) WHERE voter_id IS NOT NULL DO UPDATE
               SET changes = {table}.changes + 1, updated_at = now(),
                   declared_address = EXCLUDED.declared_address, declared_point = EXCLUDED.declared_point
            RETURNING id, changes
            """,  # noqa: S608 — the table name is the model's, the values are parameters
            [budget.pk, voter.pk, address, point.ewkb if point is not None else None],
        )
        return cursor.fetchone()


@transaction.atomic
def ballot_withdraw(*, budget: Budget, voter: User) -> None:
    if not budget.is_open():
        raise ValidationError("Le vote est clos : les bulletins ne peuvent plus être modifiés.")
    Ballot.objects.filter(budget=budget, voter=voter).delete()


@transaction.atomic
def paper_ballot_enter(*, budget: Budget, by: User, reference: str, project_ids: Iterable[int]) -> Ballot:
    """A paper ballot entered by an agent of the space, once per ballot number, until the vote closes."""
    _require_manager(by, budget.process.space)
    if not reference.strip():
        raise ValidationError({"reference": "Saisissez le numéro du bulletin papier."})
    if timezone.now() > budget.vote_closes_at + timedelta(days=7):
        raise ValidationError("Les bulletins papier se saisissent au plus tard une semaine après la clôture.")
    projects, _ = _choose(budget, project_ids)
    try:
        with transaction.atomic():
            ballot = Ballot.objects.create(
                budget=budget, is_paper=True, paper_reference=reference.strip(), entered_by=by
            )
    except IntegrityError:
        raise ValidationError({"reference": "Ce bulletin papier est déjà saisi."}) from None
    _store_choices(ballot, projects)
    return ballot


@transaction.atomic
def budget_select_winners(*, budget: Budget, by: User) -> list[BudgetProject]:
    """After the vote: the winning projects (rules.winners), each followed as a result."""
    from .selectors import budget_tally

    _require_manager(by, budget.process.space)
    budget = Budget.objects.select_for_update().get(pk=budget.pk)
    if not budget.is_closed:
        raise ValidationError("Le vote n'est pas clos.")
    tally = budget_tally(budget)
    chosen = set(
        rules.winners(
            rule=budget.rule,
            amount_cents=budget.amount_cents,
            projects=[(row["project"].pk, row["project"].cost_cents, row["votes"]) for row in tally["rows"]],
        )
    )
    BudgetProject.objects.filter(budget=budget).update(selected=False)
    BudgetProject.objects.filter(budget=budget, pk__in=chosen).update(selected=True)
    winners = list(BudgetProject.objects.filter(pk__in=chosen))
    for project in winners:
        Result.objects.get_or_create(
            project=project,
            defaults={
                "process": budget.process,
                "title": project.title,
                "description": project.description,
                "budget_cents": project.cost_cents,
            },
        )
    return winners


# --- Results ----------------------------------------------------------------------------------------------
@transaction.atomic
def result_update(
    *,
    result: Result,
    by: User,
    status: str,
    progress: int,
    description: str | None = None,
    delivered_on: date | None = None,
) -> Result:
    result = Result.objects.select_for_update().select_related("process__space").get(pk=result.pk)
    _require_manager(by, result.process.space)
    if status == Result.Status.DELIVERED:
        progress, delivered_on = 100, delivered_on or timezone.localdate()
    result.status, result.progress, result.delivered_on = status, progress, delivered_on
    if description is not None:
        result.description = description.strip()
    result.updated_at = timezone.now()
    result.full_clean()
    result.save()
    return result


@transaction.atomic
def milestone_add(
    *, result: Result, by: User, title: str, planned_on: date | None = None, done_on: date | None = None
) -> Milestone:
    _require_manager(by, result.process.space)
    if not title.strip():
        raise ValidationError({"title": "Nommez l'étape."})
    return Milestone.objects.create(result=result, title=title.strip(), planned_on=planned_on, done_on=done_on)


# --- Residence and personal data (GDPR) -------------------------------------------------------------------
@transaction.atomic
def residence_declare(*, user: User, commune: Territory, address: str = "", point: Point | None = None) -> Residence:
    """The citizen's declared address: the processes near them, and the residents-only votes."""
    if commune.kind != Territory.Kind.COMMUNE:
        raise ValidationError({"commune": "Choisissez une commune."})
    if point is not None and not _point_in_scope(point, [commune.pk]):
        raise ValidationError({"address": f"Cette position n'est pas dans la commune : {commune}."})
    residence, _ = Residence.objects.update_or_create(
        user=user, defaults={"commune": commune, "address": address.strip(), "point": point}
    )
    return residence


def participant_export(user: User) -> dict:
    """Everything the platform keeps about a participant (GDPR right of access), as JSON-ready data."""
    residence = Residence.objects.filter(user=user).first()
    return {
        "compte": {"adresse_electronique": user.email, "nom": user.get_full_name()},
        "adresse_declaree": (
            {
                "commune": residence.commune.name,
                "adresse": residence.address,
                "position": list(residence.point.coords) if residence.point else None,
            }
            if residence
            else None
        ),
        "propositions": [
            {
                "id": p.pk,
                "demarche": p.process.title,
                "titre": p.title,
                "description": p.body,
                "categorie": p.category,
                "deposee_le": p.created_at.isoformat(),
            }
            for p in Proposal.objects.filter(author=user).select_related("process")
        ],
        "soutiens": [
            {"proposition": s.proposal.title, "le": s.created_at.isoformat()}
            for s in Support.objects.filter(user=user).select_related("proposal")
        ],
        "commentaires": [
            {"proposition": c.proposal.title, "commentaire": c.body, "le": c.created_at.isoformat()}
            for c in Comment.objects.filter(author=user).select_related("proposal")
        ],
        "bulletins": [
            {
                "budget": b.budget.title,
                "projets": sorted(p.title for p in b.projects.all()),
                "adresse_declaree": b.declared_address,
                "modifie_le": b.updated_at.isoformat(),
            }
            for b in Ballot.objects.filter(voter=user).select_related("budget").prefetch_related("projects")
        ],
        "signalements": Report.objects.filter(reporter=user).count(),
        "questionnaires": [
            {"questionnaire": r.survey.title, "reponses": r.answers, "le": r.created_at.isoformat()}
            for r in SurveyResponse.objects.filter(respondent=user).select_related("survey")
        ],
        "inscriptions": [
            {"reunion": r.meeting.title, "le": r.meeting.starts_at.isoformat()}
            for r in Registration.objects.filter(user=user).select_related("meeting")
        ],
        "justificatifs_de_domicile": [
            {
                "espace": p.space.name,
                "commune": p.commune.name,
                "adresse": p.address,
                "fichier": p.file.name.rsplit("/", 1)[-1],
                "etat": p.get_status_display(),
                "motif_du_refus": p.reason,
                "depose_le": p.created_at.isoformat(),
                "examine_le": p.reviewed_at.isoformat() if p.reviewed_at else None,
            }
            for p in ResidenceProof.objects.filter(user=user).select_related("space__organisation", "commune")
        ],
    }


@transaction.atomic
def participant_erase(*, user: User) -> dict:
    """Erases a participant's personal data (GDPR right to erasure). Ballots of closed votes stay counted,
    detached from the person (anonymous); a ballot of a vote still open is withdrawn (it is not counted yet,
    and a detached one could be doubled by a new vote). Supports likewise; proposals and comments stay,
    anonymous (« participant anonyme »)."""
    now = timezone.now()
    ballots = Ballot.objects.filter(voter=user)
    _, deleted = ballots.filter(budget__vote_closes_at__gt=now).delete()
    counts = {
        "ballots_withdrawn": deleted.get(Ballot._meta.label, 0),
        "ballots_kept": ballots.update(voter=None, declared_address="", declared_point=None),
        "proposals": Proposal.objects.filter(author=user).update(author=None),
        "comments": Comment.objects.filter(author=user).update(author=None),
        "reports": Report.objects.filter(reporter=user).update(reporter=None),
    }
    supports = list(Support.objects.filter(user=user).select_related("proposal__process"))
    for support in supports:
        if support.proposal.process.has_component(Component.SUPPORTS):  # still open: withdrawn
            Proposal.objects.filter(pk=support.proposal_id).update(support_count=F("support_count") - 1)
    # A closed process's supports stay in its proposals' counters, without the rows that name the person.
    counts["supports"], _ = Support.objects.filter(user=user).delete()
    counts["registrations"], _ = Registration.objects.filter(user=user).delete()
    counts["survey_responses"] = SurveyResponse.objects.filter(respondent=user).update(respondent=None)
    Residence.objects.filter(user=user).delete()
    proofs = list(ResidenceProof.objects.filter(user=user))
    for proof in proofs:
        _delete_file_on_commit(proof.file)
    counts["residence_proofs"], _ = ResidenceProof.objects.filter(user=user).delete()
    SpaceBlock.objects.filter(user=user).delete()
    return counts


# --- Meetings ---------------------------------------------------------------------------------------------
@transaction.atomic
def meeting_register(*, meeting: Meeting, user: User) -> Registration:
    """Registers a citizen, within the meeting's capacity (the meeting's row is locked: never one seat too many)."""
    meeting = Meeting.objects.select_for_update().select_related("process__space").get(pk=meeting.pk)
    _require_participant(user, meeting.process.space)
    if not meeting.registration_required:
        raise ValidationError("Cette réunion est ouverte à tous, sans inscription.")
    if meeting.starts_at <= timezone.now():
        raise ValidationError("La réunion a déjà commencé.")
    existing = Registration.objects.filter(meeting=meeting, user=user).first()
    if existing:
        return existing
    if meeting.capacity is not None and meeting.registrations.count() >= meeting.capacity:
        raise ValidationError("La réunion est complète.")
    return Registration.objects.create(meeting=meeting, user=user)


@transaction.atomic
def meeting_unregister(*, meeting: Meeting, user: User) -> None:
    Registration.objects.filter(meeting=meeting, user=user).delete()


# --- Surveys ----------------------------------------------------------------------------------------------
@transaction.atomic
def survey_answer(*, survey: Survey, user: User, answers: dict) -> SurveyResponse:
    """A citizen's one response (``answers``: question id → value, already typed by the form)."""
    _require_participant(user, survey.process.space)
    if not survey.is_open:
        raise ValidationError("Ce questionnaire est clos.")
    try:
        with transaction.atomic():
            return SurveyResponse.objects.create(
                survey=survey, respondent=user, answers={str(k): v for k, v in answers.items()}
            )
    except IntegrityError:
        raise ValidationError("Vous avez déjà répondu à ce questionnaire.") from None


# --- Front office of a space: budgets, projects, meetings, surveys ----------------------------------------
BUDGET_FROZEN_ONCE_OPEN = (
    "territory_id", "amount_cents", "rule", "max_projects", "min_share_percent", "residents_only",
    "proof_required", "vote_opens_at",
)  # fmt: skip


def _commune_in_scope(process: Process, commune: Territory) -> bool:
    scope = set(process.territories.values_list("pk", flat=True))
    return bool(scope & set(Territory.objects.ancestors_of(commune).values_list("pk", flat=True)))


@transaction.atomic
def budget_save(
    *,
    process: Process,
    by: User,
    budget: Budget | None = None,
    title: str,
    territory: Territory,
    district: str = "",
    amount_cents: int,
    rule: str,
    max_projects: int | None = None,
    min_share_percent: int = 0,
    residents_only: bool = False,
    proof_required: bool = False,
    vote_opens_at,
    vote_closes_at,
) -> Budget:
    """Creates or changes a participatory budget of the process. Once its vote has opened, only its title, its
    district and its closing time (not after the close) change: the rule the voters saw stays the rule."""
    _require_manager(by, process.space)
    if territory.kind != Territory.Kind.COMMUNE or not _commune_in_scope(process, territory):
        raise ValidationError({"territory": "Choisissez une commune du périmètre de la démarche."})
    if proof_required and not residents_only:
        raise ValidationError(
            {"proof_required": "Un justificatif ne se demande que pour un vote réservé aux habitants."}
        )
    if budget is not None:
        budget = Budget.objects.select_for_update().get(pk=budget.pk, process=process)
        before = {field: getattr(budget, field) for field in BUDGET_FROZEN_ONCE_OPEN}
        was_open, was_closed = budget.vote_opens_at <= timezone.now(), budget.is_closed
    else:
        budget, before, was_open, was_closed = Budget(process=process), {}, False, False
    budget.title, budget.territory, budget.district = title.strip(), territory, district.strip()
    budget.amount_cents, budget.rule, budget.min_share_percent = amount_cents, rule, min_share_percent or 0
    budget.max_projects = max_projects if rule == Budget.Rule.APPROVAL else None
    budget.residents_only, budget.proof_required = residents_only, proof_required
    budget.vote_opens_at, budget.vote_closes_at = vote_opens_at, vote_closes_at
    if was_closed:
        raise ValidationError("Le vote est clos : ce budget ne change plus.")
    if was_open and any(getattr(budget, field) != value for field, value in before.items()):
        raise ValidationError(
            "Le vote est ouvert : seuls l'intitulé, le quartier et la date de clôture peuvent encore changer."
        )
    if was_open and budget.vote_closes_at <= timezone.now():
        raise ValidationError({"vote_closes_at": "La clôture d'un vote ouvert se fixe dans le futur."})
    if rule == Budget.Rule.APPROVAL and not max_projects:
        raise ValidationError({"max_projects": "Le vote par approbation fixe un nombre maximal de projets."})
    budget.full_clean()
    budget.save()
    return budget


def _require_projects_editable(budget: Budget) -> None:
    if budget.vote_opens_at <= timezone.now():
        raise ValidationError("Le vote est ouvert : la liste des projets et leurs coûts ne changent plus.")


@transaction.atomic
def budget_project_save(
    *,
    budget: Budget,
    by: User,
    project: BudgetProject | None = None,
    title: str,
    description: str = "",
    cost_cents: int,
    proposal: Proposal | None = None,
) -> BudgetProject:
    """Adds or changes a project submitted to the vote, until the vote opens (then only its wording changes)."""
    budget = Budget.objects.select_for_update().select_related("process__space").get(pk=budget.pk)
    _require_manager(by, budget.process.space)
    if proposal is not None and proposal.process_id != budget.process_id:
        raise ValidationError({"proposal": "Cette proposition n'appartient pas à la démarche du budget."})
    if project is None:
        _require_projects_editable(budget)
        project = BudgetProject(budget=budget)
    elif project.budget_id != budget.pk:
        raise ValidationError("Ce projet n'appartient pas à ce budget.")
    elif cost_cents != project.cost_cents or (proposal and proposal.pk) != project.proposal_id:
        _require_projects_editable(budget)
    if cost_cents > budget.amount_cents:
        raise ValidationError({"cost_cents": "Le coût dépasse le montant du budget."})
    project.title, project.description = title.strip(), description.strip()
    project.cost_cents, project.proposal = cost_cents, proposal
    project.full_clean()
    project.save()
    return project


@transaction.atomic
def budget_project_delete(*, project: BudgetProject, by: User) -> None:
    budget = Budget.objects.select_for_update().select_related("process__space").get(pk=project.budget_id)
    _require_manager(by, budget.process.space)
    _require_projects_editable(budget)
    project.delete()


@transaction.atomic
def meeting_save(
    *,
    process: Process,
    by: User,
    meeting: Meeting | None = None,
    title: str,
    description: str = "",
    starts_at,
    ends_at,
    address: str = "",
    location: Point | None = None,
    online_url: str = "",
    registration_required: bool = False,
    capacity: int | None = None,
    minutes: str = "",
) -> Meeting:
    """Creates or changes a meeting (its minutes are published afterwards on the same form)."""
    _require_manager(by, process.space)
    if meeting is None:
        meeting = Meeting(process=process)
    else:
        meeting = Meeting.objects.select_for_update().get(pk=meeting.pk, process=process)
        registered = meeting.registrations.count()
        if registration_required and capacity is not None and capacity < registered:
            raise ValidationError(
                {"capacity": f"{registered} personnes sont déjà inscrites : gardez au moins autant de places."}
            )
    if not address.strip() and not online_url:
        raise ValidationError({"address": "Indiquez le lieu de la réunion, ou son lien en ligne."})
    if location is not None and not _point_in_scope(location, process.territories.values_list("pk", flat=True)):
        raise ValidationError({"latitude": "Le lieu indiqué sur la carte n'est pas dans le périmètre de la démarche."})
    meeting.title, meeting.description = title.strip(), description.strip()
    meeting.starts_at, meeting.ends_at = starts_at, ends_at
    meeting.address, meeting.location, meeting.online_url = address.strip(), location, online_url
    meeting.registration_required = registration_required
    meeting.capacity = capacity if registration_required else None
    meeting.minutes = minutes.strip()
    if meeting.ends_at <= meeting.starts_at:
        raise ValidationError({"ends_at": "La fin de la réunion suit son début."})
    meeting.full_clean()
    meeting.save()
    return meeting


@transaction.atomic
def survey_save(
    *,
    process: Process,
    by: User,
    survey: Survey | None = None,
    title: str,
    introduction: str = "",
    is_open: bool = True,
) -> Survey:
    _require_manager(by, process.space)
    survey = Survey(process=process) if survey is None else Survey.objects.get(pk=survey.pk, process=process)
    survey.title, survey.introduction, survey.is_open = title.strip(), introduction.strip(), is_open
    survey.full_clean()
    survey.save()
    return survey


def _require_no_responses(survey: Survey) -> None:
    if SurveyResponse.objects.filter(survey=survey).exists():
        raise ValidationError("Des réponses sont déjà reçues : les questions ne changent plus.")


@transaction.atomic
def question_add(
    *, survey: Survey, by: User, text: str, kind: str, choices: list[str] | None = None, required: bool = True
) -> Question:
    survey = Survey.objects.select_for_update().select_related("process__space").get(pk=survey.pk)
    _require_manager(by, survey.process.space)
    _require_no_responses(survey)
    choices = [c.strip() for c in (choices or []) if c.strip()]
    if kind in (Question.Kind.SINGLE, Question.Kind.MULTIPLE) and len(choices) < 2:
        raise ValidationError({"choices": "Proposez au moins deux choix, un par ligne."})
    if kind not in (Question.Kind.SINGLE, Question.Kind.MULTIPLE):
        choices = []
    position = (survey.questions.aggregate(top=Max("position"))["top"] or 0) + 1
    question = Question(
        survey=survey, position=position, text=text.strip(), kind=kind, choices=choices, required=required
    )
    question.full_clean()
    question.save()
    return question


@transaction.atomic
def question_delete(*, question: Question, by: User) -> None:
    survey = Survey.objects.select_for_update().select_related("process__space").get(pk=question.survey_id)
    _require_manager(by, survey.process.space)
    _require_no_responses(survey)
    question.delete()


# --- Images ------------------------------------------------------------------------------------------------
@transaction.atomic
def proposal_image_set(*, proposal: Proposal, user: User, image, alt: str) -> Proposal:
    """The proposal's image (checked by the model's ImageValidator), with the text that describes it."""
    proposal = Proposal.objects.select_for_update().select_related("process__space").get(pk=proposal.pk)
    if proposal.author_id != user.pk and not permissions.can_manage(user, proposal.process.space):
        raise PermissionDenied("Seul l'auteur de la proposition change son image.")
    if image and not alt.strip():
        raise ValidationError(
            {"image_alt": "Décrivez l'image en quelques mots : ce texte la remplace pour qui ne la voit pas."}
        )
    old = proposal.image if proposal.image else None
    proposal.image_alt = alt.strip() if image else ""
    if image:
        proposal.image = image
    else:
        proposal.image = ""
    proposal.full_clean(exclude=["search_vector"])
    proposal.save(update_fields=["image", "image_alt"])
    if old and old.name != proposal.image.name:
        _delete_file_on_commit(old)
    return proposal


@transaction.atomic
def space_update(*, space: Space, by: User, presentation: str, logo=None, remove_logo: bool = False) -> Space:
    """The space's presentation and logo (its administrators); the logo's text alternative is the space's name."""
    space = Space.objects.select_for_update().select_related("organisation").get(pk=space.pk)
    _require_manager(by, space)
    old = space.logo if space.logo else None
    space.presentation = clean_html(presentation)
    if logo:
        space.logo = logo
    elif remove_logo:
        space.logo = ""
    space.full_clean()
    space.save()
    if old and old.name != (space.logo.name if space.logo else ""):
        _delete_file_on_commit(old)
    return space


def _delete_file_on_commit(file) -> None:
    storage, name = file.storage, file.name
    if name:
        transaction.on_commit(lambda: storage.delete(name))


# --- Proofs of residence ----------------------------------------------------------------------------------
def _require_accepted_proof(voter: User, budget: Budget) -> None:
    proof = ResidenceProof.objects.filter(space_id=budget.process.space_id, user=voter).first()
    if proof is None:
        raise ValidationError({"address": "Ce vote demande un justificatif de domicile : déposez-le d'abord."})
    if proof.status == ResidenceProof.Status.PENDING:
        raise ValidationError(
            "Votre justificatif de domicile est en cours d'examen : vous pourrez voter une fois accepté."
        )
    if proof.status == ResidenceProof.Status.REFUSED:
        raise ValidationError(f"Votre justificatif de domicile a été refusé ({proof.reason}) : déposez-en un autre.")
    if proof.commune_id != budget.territory_id:
        raise ValidationError(
            {"address": f"Votre justificatif accepté concerne {proof.commune}, pas {budget.territory}."}
        )


@transaction.atomic
def proof_submit(*, user: User, budget: Budget, address: str, file) -> ResidenceProof:
    """A citizen's proof of residence for a budget that asks for one; a refused (or pending) proof is replaced,
    an accepted one stays."""
    space = budget.process.space
    _require_participant(user, space)
    if not budget.proof_required:
        raise ValidationError("Ce vote ne demande pas de justificatif.")
    if budget.is_closed:
        raise ValidationError("Le vote est clos.")
    if not address.strip():
        raise ValidationError({"address": "Indiquez l'adresse qui figure sur le justificatif."})
    proof = ResidenceProof.objects.select_for_update().filter(space=space, user=user).first()
    if proof and proof.status == ResidenceProof.Status.ACCEPTED and proof.commune_id == budget.territory_id:
        raise ValidationError("Votre justificatif est déjà accepté : vous pouvez voter.")
    old = proof.file if proof and proof.file else None
    proof = proof or ResidenceProof(space=space, user=user)
    proof.commune_id, proof.address, proof.file = budget.territory_id, address.strip(), file
    proof.status, proof.reason, proof.reviewed_by, proof.reviewed_at = ResidenceProof.Status.PENDING, "", None, None
    proof.created_at = timezone.now()
    proof.full_clean()
    proof.save()
    if old and old.name != proof.file.name:
        _delete_file_on_commit(old)
    return proof


@transaction.atomic
def proof_review(*, proof: ResidenceProof, by: User, accept: bool, reason: str = "") -> ResidenceProof:
    """The space's administrators accept or refuse (with a reason) a pending proof; the citizen is told by e-mail."""
    proof = (
        ResidenceProof.objects.select_for_update()
        .select_related("space__organisation", "user", "commune")
        .get(pk=proof.pk)
    )
    _require_manager(by, proof.space)
    if proof.status != ResidenceProof.Status.PENDING:
        raise ValidationError("Ce justificatif est déjà examiné.")
    if not accept and not reason.strip():
        raise ValidationError({"reason": "Donnez le motif du refus : la personne le reçoit."})
    proof.status = ResidenceProof.Status.ACCEPTED if accept else ResidenceProof.Status.REFUSED
    proof.reason = "" if accept else reason.strip()
    proof.reviewed_by, proof.reviewed_at = by, timezone.now()
    proof.save()
    send_email_on_commit(
        name="participation_proof_reviewed", context={"proof": proof}, to=[proof.user.email] if proof.user.email else []
    )
    return proof
