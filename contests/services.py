"""Every write of prizes and contests: keyword-only, atomic, validating before saving; transitions lock the
contest row, scores lock the entry row (two jurors saving at once both land, a juror saving twice keeps one
evaluation)."""

from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from sman.notifications import notify
from sman.permissions import is_metropole_staff
from sman.richtext import clean_html

from . import permissions
from .models import MAX_SCORE, Contest, Criterion, Entry, Evaluation, Juror, Prize, Score

MODULE = "contests"
TRANSITIONS = {
    Contest.Status.DRAFT: (Contest.Status.OPEN,),
    Contest.Status.OPEN: (Contest.Status.JUDGING,),
    Contest.Status.JUDGING: (Contest.Status.PUBLISHED,),
}


def _staff(user) -> None:
    if not is_metropole_staff(user):
        raise PermissionDenied


def _unique_slug(title: str) -> str:
    base = slugify(title)[:100] or "concours"
    slug, n = base, 1
    while Contest.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


@transaction.atomic
def contest_save(*, user, contest: Contest | None = None, fields: dict) -> Contest:
    """Creates or edits a contest (staff); the call and the rules are sanitised rich text."""
    _staff(user)
    if contest is None:
        contest = Contest(created_by=user)
    elif contest.pk:
        contest = Contest.objects.select_for_update().get(pk=contest.pk)
    for name, value in fields.items():
        setattr(contest, name, value)
    contest.call_text = clean_html(contest.call_text)
    contest.rules = clean_html(contest.rules)
    if not contest.slug:
        contest.slug = _unique_slug(contest.title)
    contest.full_clean()
    contest.save()
    return contest


@transaction.atomic
def contest_create(*, user, fields: dict, prizes=(), criteria=()) -> Contest:
    """A draft contest with its prizes ``(label, amount in cents or None)`` and criteria ``(label, weight)``."""
    contest = contest_save(user=user, fields=fields)
    for position, (label, cents) in enumerate(prizes):
        Prize.objects.create(contest=contest, label=label, amount_cents=cents, position=position)
    for position, (label, weight) in enumerate(criteria):
        Criterion.objects.create(contest=contest, label=label, weight=weight, position=position)
    return contest


@transaction.atomic
def contest_transition(*, user, contest: Contest, to: str) -> Contest:
    """Opens the call (draft → open) or closes it for the jury (open → judging); the results are published by
    ``results_publish``."""
    _staff(user)
    contest = Contest.objects.select_for_update().get(pk=contest.pk)
    if to not in TRANSITIONS.get(contest.status, ()) or to == Contest.Status.PUBLISHED:
        raise ValidationError(f"Ce concours est « {contest.get_status_display()} » : cette étape n'est pas possible.")
    if to == Contest.Status.OPEN and (not contest.prizes.exists() or not contest.criteria.exists()):
        raise ValidationError("Avant d'ouvrir l'appel, indiquez au moins un prix et un critère d'évaluation.")
    contest.status = to
    contest.save(update_fields=["status"])
    if to == Contest.Status.JUDGING:
        url = reverse("contests:jury", args=[contest.slug])
        for juror in contest.jurors.select_related("user"):
            notify(
                user=juror.user,
                module=MODULE,
                subject=f"« {contest.title} » : les candidatures sont à évaluer",
                body=f"Le jury délibère jusqu'au {contest.jury_deadline:%d/%m/%Y}.",
                url=url,
                key=f"contest-{contest.pk}-judging",
            )
    return contest


@transaction.atomic
def juror_add(*, user, contest: Contest, juror_user) -> Juror:
    _staff(user)
    juror, _ = Juror.objects.get_or_create(contest=contest, user=juror_user)
    return juror


@transaction.atomic
def juror_declare(*, user, juror: Juror, declaration: str, recusals=()) -> Juror:
    """The juror's declaration of interests: the entries they will not score, in their own words."""
    juror = Juror.objects.select_for_update().get(pk=juror.pk)
    if juror.user_id != user.pk:
        raise PermissionDenied
    recusals = list(recusals)
    if any(entry.contest_id != juror.contest_id for entry in recusals):
        raise ValidationError("Choisissez des candidatures de ce concours.")
    juror.declaration = declaration.strip()
    juror.declared_at = timezone.now()
    juror.save(update_fields=["declaration", "declared_at"])
    juror.recusals.set(recusals)
    return juror


@transaction.atomic
def entry_submit(
    *, user, contest: Contest, title: str, pitch: str, organisation=None, solution=None, resource=None, document=None
) -> Entry:
    """Enters ``contest``: for a prize, on behalf of an official member organisation with one of its solutions;
    for a resource contest, with one of the user's published resources. Entering again after withdrawing
    reopens the entry; entering twice is refused."""
    contest = Contest.objects.select_for_update().get(pk=contest.pk)
    if not contest.accepts_entries:
        raise ValidationError("Les candidatures à ce concours ne sont pas ouvertes.")
    if contest.is_prize:
        if organisation is None or organisation.pk not in permissions.candidate_organisation_ids(user, contest):
            raise ValidationError(
                "Seules les organisations membres de Grand Paris Métropole Tech ayant signé la charte en vigueur "
                "peuvent candidater à ce prix."
            )
        if solution is None or solution.member_id != organisation.pk:
            raise ValidationError("Choisissez une solution de votre organisation.")
        resource = None
    else:
        if not user.is_authenticated:
            raise PermissionDenied
        if resource is None or resource.author_id != user.pk or resource.current_version_id is None:
            raise ValidationError("Choisissez l'une de vos ressources publiées.")
        organisation, solution = None, None
    existing = Entry.objects.select_for_update().filter(contest=contest, organisation=organisation)
    existing = existing.filter(user=user) if organisation is None else existing
    entry = existing.first()
    if entry is not None and not entry.is_withdrawn:
        raise ValidationError("Cette candidature existe déjà : une seule candidature par candidat.")
    if entry is None:
        entry = Entry(contest=contest, organisation=organisation)
    entry.user = user
    entry.title, entry.pitch = title.strip(), pitch.strip()
    entry.solution, entry.resource = solution, resource
    if document:
        entry.document = document
    entry.territory_id = (organisation.territory_id if organisation else None) or (
        resource.organisation.territory_id if resource is not None and resource.organisation_id else None
    )
    entry.withdrawn_at = None
    entry.submitted_at = timezone.now()
    # A document kept from before was checked when uploaded (checking it again would open the stored file).
    entry.full_clean(exclude=None if document else ["document"], validate_constraints=False)
    try:
        with transaction.atomic():
            entry.save()
    except IntegrityError as exc:  # a second tab of the same candidate, at the same instant
        raise ValidationError("Cette candidature existe déjà : une seule candidature par candidat.") from exc
    return entry


@transaction.atomic
def entry_withdraw(*, user, entry: Entry) -> Entry:
    entry = Entry.objects.select_for_update().select_related("contest").get(pk=entry.pk)
    if not permissions.is_candidate(user, entry):
        raise PermissionDenied
    if entry.contest.status != Contest.Status.OPEN:
        raise ValidationError("Une candidature ne peut être retirée que pendant l'appel.")
    if entry.withdrawn_at is None:
        entry.withdrawn_at = timezone.now()
        entry.save(update_fields=["withdrawn_at"])
    return entry


def weighted_total(values: dict[int, int], criteria) -> Decimal:
    """The weighted mean of the scores, on 10: Σ score × weight / Σ weight."""
    weights = sum(c.weight for c in criteria)
    total = sum(Decimal(values[c.pk]) * c.weight for c in criteria)
    return (total / weights).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@transaction.atomic
def evaluation_save(*, user, entry: Entry, values: dict[int, int], comment: str = "") -> Evaluation:
    """A juror's scores of an entry (every criterion, 0 to 10) and comment, created or replaced. The entry's
    row is locked so that two saves of the same juror end in one evaluation and two jurors both land."""
    entry = Entry.objects.select_for_update().select_related("contest").get(pk=entry.pk)
    contest = entry.contest
    juror = permissions.juror_of(user, contest)
    if juror is None:
        raise PermissionDenied
    if contest.status != Contest.Status.JUDGING:
        raise ValidationError("Le jury ne note que pendant la délibération.")
    if entry.is_withdrawn:
        raise ValidationError("Cette candidature a été retirée.")
    if juror.declared_at is None:
        raise ValidationError("Signez d'abord votre déclaration d'intérêts.")
    if permissions.is_conflicted(juror, entry):
        raise ValidationError("Vous êtes en conflit d'intérêts avec ce candidat : vous ne pouvez pas le noter.")
    criteria = list(contest.criteria.all())
    missing = [c.label for c in criteria if c.pk not in values]
    if missing:
        raise ValidationError(f"Notez chaque critère (manque : {', '.join(missing)}).")
    if any(not 0 <= values[c.pk] <= MAX_SCORE for c in criteria):
        raise ValidationError(f"Chaque note va de 0 à {MAX_SCORE}.")
    total = weighted_total(values, criteria)
    evaluation, created = Evaluation.objects.get_or_create(
        juror=juror, entry=entry, defaults={"comment": comment.strip(), "total": total}
    )
    if not created:
        evaluation.comment, evaluation.total = comment.strip(), total
        evaluation.save(update_fields=["comment", "total", "updated_at"])
        evaluation.scores.all().delete()
    Score.objects.bulk_create(Score(evaluation=evaluation, criterion=c, value=values[c.pk]) for c in criteria)
    return evaluation


@transaction.atomic
def results_publish(*, user, contest: Contest, winners: dict[int, Entry]) -> Contest:
    """Publishes the winners (``{prize id: entry}``, one entry per prize) and tells every candidate."""
    _staff(user)
    contest = Contest.objects.select_for_update().get(pk=contest.pk)
    if contest.status != Contest.Status.JUDGING:
        raise ValidationError("Les résultats se publient à la fin de la délibération du jury.")
    prizes = {p.pk: p for p in contest.prizes.all()}
    if not winners or set(winners) - set(prizes):
        raise ValidationError("Attribuez au moins un prix de ce concours.")
    chosen = [entry.pk for entry in winners.values()]
    if len(set(chosen)) != len(chosen):
        raise ValidationError("Une candidature ne reçoit qu'un prix.")
    entries = {e.pk: e for e in contest.entries.active().select_for_update().filter(pk__in=chosen)}
    if len(entries) != len(chosen):
        raise ValidationError("Choisissez les lauréats parmi les candidatures maintenues de ce concours.")
    for prize_id, entry in winners.items():
        row = entries[entry.pk]
        row.prize = prizes[prize_id]
        row.save(update_fields=["prize"])
    contest.status = Contest.Status.PUBLISHED
    contest.results_published_at = timezone.now()
    contest.save(update_fields=["status", "results_published_at"])
    url = contest.get_absolute_url()
    for entry in contest.entries.active().select_related("user", "prize"):
        if entry.prize_id:
            subject = f"« {contest.title} » : votre candidature est lauréate du {entry.prize.label}"
        else:
            subject = f"« {contest.title} » : les résultats sont publiés"
        notify(user=entry.user, module=MODULE, subject=subject, url=url, key=f"contest-{contest.pk}-results")
    return contest
