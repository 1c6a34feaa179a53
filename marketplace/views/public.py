"""Pages for everyone: the marketplace's home, published needs, solutions, the members' directory, the charter."""

from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from sman.files import private_file_response
from sman.lists import Listing
from sman.permissions import is_metropole_staff

from .. import permissions, rules, selectors, services
from ..filters import MemberFilter, NeedFilter, SolutionFilter
from ..forms import JoinForm, OrganisationForm, QuestionForm
from ..models import Charter, Need, Response, Solution, SolutionDocument
from .common import CRUMBS, crumbs, need_for


def home(request):
    return render(
        request,
        "marketplace/home.html",
        {
            "needs": selectors.public_needs().filter(state=Need.State.PUBLISHED)[:5],
            "solutions": selectors.published_solutions()[:5],
            "challenge_takers": selectors.challenge_takers()[:6],
            "poorly_met": rules.POORLY_MET_MATCHES,
            "thresholds": selectors.current_thresholds(),
            "member_count": selectors.directory().filter(is_official=True).count(),
            "is_buyer": permissions.is_buyer(request.user),
            "is_member": permissions.is_member_agent(request.user),
        },
    )


def need_list(request):
    listing = Listing(request, selectors.public_needs(), filterset_class=NeedFilter, page_size=20)
    return render(request, "marketplace/need_list.html", {**listing.context(), "crumbs": CRUMBS})


def need_detail(request, pk):
    need = need_for(request, pk)
    user = request.user
    services.need_viewed(user=user, need=need)
    is_buyer = permissions.is_need_buyer(user, need)
    member_ids = permissions.member_ids_of(user)
    official = permissions.official_member_ids_of(user)
    own_responses = Response.objects.filter(need=need, member_id__in=member_ids).select_related("member")
    buyers = permissions.buyers_of(user).exclude(id__in=permissions.need_buyer_ids(need))
    return render(
        request,
        "marketplace/need_detail.html",
        {
            "need": need,
            "participants": selectors.participants(need),
            "questions": selectors.visible_questions(need, is_buyer=is_buyer, member_ids=member_ids),
            "is_buyer": is_buyer,
            "is_owner": permissions.is_need_owner(user, need),
            "is_staff": is_metropole_staff(user),
            "is_member": bool(member_ids),
            "can_respond": bool(official) and need.is_open,
            "needs_signature": bool(member_ids) and not official,
            "own_responses": own_responses,
            "question_form": QuestionForm(auto_id="question_%s"),
            "member_form": OrganisationForm(organisations=permissions.members_of(user).filter(id__in=official)),
            "ask_form": OrganisationForm(
                organisations=permissions.members_of(user).filter(id__in=official), auto_id="ask_%s"
            ),
            "join_form": JoinForm(buyers=buyers) if buyers.exists() and need.state == Need.State.PUBLISHED else None,
            "thresholds": selectors.current_thresholds(),
            "adoption": getattr(need, "adoption", None) if need.outcome == Need.Outcome.ADOPTED else None,
            "crumbs": crumbs(("Besoins", reverse("marketplace:need_list"))),
        },
    )


def solution_list(request):
    listing = Listing(request, selectors.published_solutions(), filterset_class=SolutionFilter, page_size=20)
    return render(request, "marketplace/solution_list.html", {**listing.context(), "crumbs": CRUMBS})


def solution_detail(request, pk):
    solution = get_object_or_404(
        Solution.objects.select_related("member").with_adoptions().prefetch_related("challenges", "documents"), pk=pk
    )
    if not permissions.can_view_solution(request.user, solution):
        raise Http404
    return render(
        request,
        "marketplace/solution_detail.html",
        {
            "solution": solution,
            "adopters": selectors.adopting_collectivities(solution),
            "experiments": selectors.experiments_of(solution),
            "can_edit": permissions.can_edit_solution(request.user, solution),
            "crumbs": crumbs(("Solutions", reverse("marketplace:solution_list"))),
        },
    )


def solution_document(request, pk, document_pk):
    document = get_object_or_404(SolutionDocument.objects.select_related("solution"), pk=document_pk, solution_id=pk)
    if not permissions.can_view_solution(request.user, document.solution):
        raise Http404
    return private_file_response(document.file, filename=document.file.name)


def member_list(request):
    listing = Listing(request, selectors.directory(), filterset_class=MemberFilter, page_size=24)
    return render(request, "marketplace/member_list.html", {**listing.context(), "crumbs": CRUMBS})


def member_detail(request, slug):
    profile = get_object_or_404(selectors.directory(), organisation__slug=slug)
    solutions = selectors.published_solutions().filter(member=profile.organisation)
    return render(
        request,
        "marketplace/member_detail.html",
        {
            "profile": profile,
            "solutions": solutions,
            "areas": profile.areas.all(),
            "challenges_taken": selectors.challenge_takers([profile.organisation_id])[:20],
            "poorly_met": rules.POORLY_MET_MATCHES,
            "crumbs": crumbs(("Annuaire des membres", reverse("marketplace:member_list"))),
        },
    )


def charter(request):
    current = Charter.objects.current()
    if current is None:
        raise Http404("Aucune charte n'est en vigueur.")
    members = permissions.members_of(request.user)
    signed = permissions.signed_member_ids(set(members.values_list("id", flat=True)))
    return render(
        request,
        "marketplace/charter.html",
        {
            "charter": current,
            "to_sign": members.exclude(id__in=signed),
            "signed": members.filter(id__in=signed),
            "crumbs": CRUMBS,
        },
    )
