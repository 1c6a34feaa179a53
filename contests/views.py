"""Pages of prizes and contests, by audience: everyone (list, contest page), candidates (enter, « Mes
candidatures », withdraw), jurors (declaration, ranking, scoring) and staff (steps, results)."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from sman.feedback import form_service, run_service
from sman.files import private_file_response
from sman.lists import Listing
from sman.permissions import is_metropole_staff, organisations_of, staff_required

from . import permissions, selectors, services
from .filters import ContestFilter
from .forms import DeclarationForm, EntryForm, EvaluationForm, ResultsForm
from .models import Contest, Entry

CRUMBS = [("Prix et concours", "/prix-et-concours/")]


def crumbs(*extra):
    return CRUMBS + list(extra)


def _contest(request, slug) -> Contest:
    contest = selectors.contest_for_page(slug)
    if contest is None:
        raise Http404
    if contest.status == Contest.Status.DRAFT and not is_metropole_staff(request.user):
        raise Http404
    return contest


def _entry(request, pk) -> Entry:
    entry = get_object_or_404(
        Entry.objects.select_related("contest", "organisation", "user", "solution", "resource", "prize"), pk=pk
    )
    if not request.user.is_authenticated:
        raise PermissionDenied
    if not permissions.can_view_entry(request.user, entry):
        raise PermissionDenied
    return entry


# --- Everyone ---------------------------------------------------------------------------------------------------
def contest_list(request):
    listing = Listing(request, selectors.public_contests(), filterset_class=ContestFilter, page_size=20)
    return render(request, "contests/list.html", {**listing.context(), "crumbs": CRUMBS})


def contest_detail(request, slug):
    contest = _contest(request, slug)
    user = request.user
    published = contest.status == Contest.Status.PUBLISHED
    return render(
        request,
        "contests/detail.html",
        {
            "contest": contest,
            "winners": selectors.winners(contest) if published else [],
            "entry_count": contest.entries.active().count(),
            "may_enter": permissions.may_enter(user, contest),
            "is_juror": permissions.juror_of(user, contest) is not None,
            "is_staff": is_metropole_staff(user),
            "crumbs": CRUMBS,
        },
    )


# --- Candidates -------------------------------------------------------------------------------------------------
@login_required
def enter(request, slug):
    contest = _contest(request, slug)
    user = request.user
    if not contest.accepts_entries:
        raise PermissionDenied
    if contest.is_prize:
        org_ids = permissions.candidate_organisation_ids(user, contest)
        if not org_ids:
            raise PermissionDenied
        kwargs = {
            "organisations": organisations_of(user).filter(id__in=org_ids).order_by("name"),
            "solutions": selectors.solutions_for_entry(org_ids),
        }
    else:
        kwargs = {"resources": selectors.resources_for_entry(user)}
    form = EntryForm(request.POST or None, request.FILES or None, contest=contest, **kwargs)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        subject = data["subject_object"]

        def call():
            services.entry_submit(
                user=user,
                contest=contest,
                organisation=data.get("organisation"),
                solution=subject if contest.is_prize else None,
                resource=None if contest.is_prize else subject,
                title=data["title"],
                pitch=data["pitch"],
                document=data.get("document"),
            )

        if form_service(request, form, call, "Candidature déposée : vous la retrouvez dans « Mes candidatures »."):
            return redirect("contests:my_entries")
    return render(
        request,
        "contests/enter.html",
        {
            "contest": contest,
            "form": form,
            "title": f"Candidater : {contest.title}",
            "crumbs": crumbs((contest.title, contest.get_absolute_url())),
        },
    )


@login_required
def my_entries(request):
    listing = Listing(request, selectors.entries_of(request.user), page_size=20)
    return render(request, "contests/my_entries.html", {**listing.context(), "crumbs": CRUMBS})


@login_required
def entry_detail(request, pk):
    entry = _entry(request, pk)
    return render(
        request,
        "contests/entry_detail.html",
        {
            "entry": entry,
            "contest": entry.contest,
            "is_candidate": permissions.is_candidate(request.user, entry),
            "crumbs": crumbs((entry.contest.title, entry.contest.get_absolute_url())),
        },
    )


@login_required
def entry_document(request, pk):
    entry = _entry(request, pk)
    if not entry.document:
        raise Http404
    return private_file_response(entry.document, filename=entry.document.name)


@login_required
def withdraw(request, pk):
    entry = _entry(request, pk)
    if not permissions.is_candidate(request.user, entry):
        raise PermissionDenied
    if request.method == "POST":
        run_service(
            request,
            lambda: services.entry_withdraw(user=request.user, entry=entry),
            "Candidature retirée. Vous pouvez candidater de nouveau tant que l'appel est ouvert.",
        )
        return redirect("contests:my_entries")
    return render(
        request,
        "sman/confirm.html",
        {
            "title": "Retirer la candidature",
            "text": f"La candidature « {entry.title} » ne sera plus examinée par le jury.",
            "submit": "Retirer la candidature",
            "cancel": reverse("contests:my_entries"),
            "crumbs": CRUMBS,
        },
    )


# --- Jury -------------------------------------------------------------------------------------------------------
def _jury_contest(request, slug) -> Contest:
    if not request.user.is_authenticated:
        raise PermissionDenied
    contest = _contest(request, slug)
    if not permissions.can_see_jury_page(request.user, contest):
        raise PermissionDenied
    return contest


@login_required
def jury(request, slug):
    contest = _jury_contest(request, slug)
    juror = permissions.juror_of(request.user, contest)
    return render(
        request,
        "contests/jury.html",
        {
            "contest": contest,
            "juror": juror,
            "rows": selectors.ranking(contest, juror=juror),
            "jurors": contest.jurors.select_related("user"),
            "criteria": contest.criteria.all(),
            "is_staff": is_metropole_staff(request.user),
            "crumbs": crumbs((contest.title, contest.get_absolute_url())),
        },
    )


@login_required
def declare(request, slug):
    contest = _contest(request, slug)
    juror = permissions.juror_of(request.user, contest)
    if juror is None:
        raise PermissionDenied
    entries = contest.entries.active().select_related("organisation", "user")
    initial = {"declaration": juror.declaration, "recusals": list(juror.recusals.all())}
    form = DeclarationForm(request.POST or None, entries=entries, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data

        def call():
            services.juror_declare(
                user=request.user, juror=juror, declaration=data["declaration"], recusals=data["recusals"]
            )

        if form_service(request, form, call, "Déclaration d'intérêts enregistrée."):
            return redirect("contests:jury", contest.slug)
    return render(
        request,
        "sman/form_page.html",
        {
            "form": form,
            "title": "Déclaration d'intérêts",
            "intro": "Vous ne noterez aucune candidature d'une organisation pour laquelle vous agissez, ni celles que "
            "vous cochez ci-dessous.",
            "submit": "Signer la déclaration",
            "crumbs": crumbs(
                (contest.title, contest.get_absolute_url()), ("Jury", reverse("contests:jury", args=[slug]))
            ),
        },
    )


@login_required
def evaluate(request, pk):
    entry = _entry(request, pk)
    contest = entry.contest
    juror = permissions.juror_of(request.user, contest)
    if juror is None:
        raise PermissionDenied
    if juror.declared_at is None:
        return redirect("contests:declare", contest.slug)
    if contest.status != Contest.Status.JUDGING or entry.is_withdrawn or permissions.is_conflicted(juror, entry):
        raise PermissionDenied
    criteria = list(contest.criteria.all())
    evaluation = entry.evaluations.filter(juror=juror).prefetch_related("scores").first()
    initial = {}
    if evaluation is not None:
        initial = {f"criterion_{s.criterion_id}": s.value for s in evaluation.scores.all()}
        initial["comment"] = evaluation.comment
    form = EvaluationForm(request.POST or None, criteria=criteria, initial=initial)
    if request.method == "POST" and form.is_valid():

        def call():
            services.evaluation_save(
                user=request.user, entry=entry, values=form.values(), comment=form.cleaned_data["comment"]
            )

        if form_service(request, form, call, f"Évaluation de « {entry.title} » enregistrée."):
            return redirect("contests:jury", contest.slug)
    return render(
        request,
        "contests/evaluate.html",
        {
            "entry": entry,
            "contest": contest,
            "form": form,
            "evaluation": evaluation,
            "title": f"Évaluer « {entry.title} »",
            "crumbs": crumbs(
                (contest.title, contest.get_absolute_url()), ("Jury", reverse("contests:jury", args=[contest.slug]))
            ),
        },
    )


# --- Staff ------------------------------------------------------------------------------------------------------
@staff_required
@require_POST
def transition(request, slug):
    contest = _contest(request, slug)
    to = request.POST.get("to", "")
    run_service(
        request,
        lambda: services.contest_transition(user=request.user, contest=contest, to=to),
        "État du concours mis à jour.",
    )
    return redirect(contest.get_absolute_url())


@staff_required
def publish(request, slug):
    contest = _contest(request, slug)
    if contest.status != Contest.Status.JUDGING:
        raise PermissionDenied
    rows = selectors.ranking(contest)
    form = ResultsForm(request.POST or None, contest=contest, entries=[r.entry for r in rows])
    if request.method == "POST" and form.is_valid():

        def call():
            services.results_publish(user=request.user, contest=contest, winners=form.cleaned_data["winners"])

        if form_service(request, form, call, "Résultats publiés : les candidats en sont informés."):
            return redirect(contest.get_absolute_url())
    return render(
        request,
        "contests/publish.html",
        {
            "contest": contest,
            "form": form,
            "rows": rows,
            "title": f"Publier les résultats : {contest.title}",
            "crumbs": crumbs((contest.title, contest.get_absolute_url())),
        },
    )
