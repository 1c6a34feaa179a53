"""Contributors' pages: contribute, their resources, the working copy and its review, attachments, the edits
others suggested."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from sman.feedback import form_service, run_service
from sman.lists import Listing

from .. import permissions, selectors, services
from ..forms import (
    AttachmentForm,
    CommentForm,
    DecideSuggestionForm,
    PublishForm,
    RefuseForm,
    ResourceForm,
)
from ..models import EditSuggestion, Resource
from .common import crumbs, detail_crumbs, resource_for

MINE = ("Mes ressources", "/ressources/mes-ressources/")


@login_required
def contribute(request):
    if not permissions.can_contribute(request.user):
        raise PermissionDenied
    organisations = permissions.contributing_organisations(request.user)
    initial = {}
    if request.GET.get("appel", "").isdigit():
        initial["call"] = request.GET["appel"]
    form = ResourceForm(request.POST or None, organisations=organisations, initial=initial, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        created = {}

        def create():
            created["resource"] = services.resource_create(user=request.user, **data)

        if form_service(request, form, create, "Brouillon enregistré : ajoutez des pièces jointes, puis proposez-le."):
            return redirect("resources:review", created["resource"].slug)
    return render(
        request,
        "resources/contribute.html",
        {"form": form, "title": "Proposer une ressource", "crumbs": crumbs(MINE)},
    )


@login_required
def my_resources(request):
    listing = Listing(request, selectors.resources_of(request.user), page_size=20)
    return render(
        request,
        "resources/my_resources.html",
        {**listing.context(), "can_contribute": permissions.can_contribute(request.user), "crumbs": crumbs()},
    )


@login_required
def edit(request, slug):
    resource = resource_for(request, slug, working_copy=True)
    if not permissions.can_edit(request.user, resource):
        raise PermissionDenied
    form = ResourceForm(
        request.POST or None,
        instance=resource,
        with_organisation=False,
        user=request.user,
        initial={"challenges": resource.challenges.all(), "territories": resource.territories.all()},
    )
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in form.fields}
        if form_service(
            request,
            form,
            lambda: services.resource_update(resource=resource, user=request.user, **data),
            "Modifications enregistrées. Proposez la ressource quand elle est prête."
            if not resource.is_public
            else "Modifications enregistrées : la version publiée reste en ligne jusqu'à la relecture de la nouvelle.",
        ):
            return redirect("resources:review", resource.slug)
        resource.refresh_from_db()
    return render(
        request,
        "resources/contribute.html",
        {"form": form, "resource": resource, "title": f"Modifier « {resource.title} »",
         "crumbs": crumbs(MINE)},
    )  # fmt: skip


@login_required
def review(request, slug):
    """The working copy with its review: the conversation, the attachments, what the author or the moderator
    may do now."""
    resource = resource_for(request, slug, working_copy=True)
    user = request.user
    form = CommentForm(request.POST or None)
    if (
        request.method == "POST"
        and form.is_valid()
        and form_service(
            request,
            form,
            lambda: services.comment_add(resource=resource, user=user, **form.cleaned_data),
            "Message envoyé.",
        )
    ):
        return redirect("resources:review", slug)
    is_author = permissions.is_author(user, resource)
    return render(
        request,
        "resources/review.html",
        {
            "resource": resource,
            "comments": resource.comments.select_related("author"),
            "attachments": resource.attachments.all(),
            "comment_form": form,
            "attachment_form": AttachmentForm(),
            "publish_form": PublishForm(),
            "refuse_form": RefuseForm(),
            "is_author": is_author,
            "can_edit": permissions.can_edit(user, resource),
            "can_submit": is_author and resource.state in (Resource.State.DRAFT, Resource.State.REFUSED),
            "can_moderate": permissions.can_moderate(user) and not is_author,
            "crumbs": crumbs(MINE) if is_author else crumbs(("Modération", reverse("resources:moderation"))),
        },
    )


@login_required
@require_POST
def submit(request, slug):
    resource = resource_for(request, slug, working_copy=True)
    if not permissions.is_author(request.user, resource):
        raise PermissionDenied
    run_service(
        request,
        lambda: services.resource_submit(resource=resource, user=request.user),
        "Ressource proposée : un modérateur la relit, vous serez prévenu de sa décision.",
    )
    return redirect("resources:review", slug)


@login_required
@require_POST
def attachment_add(request, slug):
    resource = resource_for(request, slug, working_copy=True)
    if not permissions.is_author(request.user, resource):
        raise PermissionDenied
    form = AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, form.errors["file"][0])
    else:
        run_service(
            request,
            lambda: services.attachment_add(resource=resource, user=request.user, file=form.cleaned_data["file"]),
            f"Pièce jointe « {form.cleaned_data['file'].name} » ajoutée.",
        )
    return redirect("resources:review", slug)


@login_required
def suggestions(request, slug):
    resource = resource_for(request, slug)
    if not permissions.can_decide_suggestion(request.user, resource):
        raise PermissionDenied
    rows = resource.suggestions.select_related("proposed_by", "decided_by")
    return render(
        request,
        "resources/suggestions.html",
        {
            "resource": resource,
            "pending": [s for s in rows if s.state == EditSuggestion.State.PENDING],
            "decided": [s for s in rows if s.state != EditSuggestion.State.PENDING],
            "form": DecideSuggestionForm(),
            "crumbs": detail_crumbs(resource),
        },
    )


@login_required
@require_POST
def suggestion_decide(request, pk):
    suggestion = get_object_or_404(EditSuggestion.objects.select_related("resource"), pk=pk)
    resource = suggestion.resource
    if not permissions.can_decide_suggestion(request.user, resource):
        raise PermissionDenied
    form = DecideSuggestionForm(request.POST)
    form.is_valid()
    accept = request.POST.get("decision") == "accept"
    run_service(
        request,
        lambda: services.suggestion_decide(
            suggestion=suggestion, user=request.user, accept=accept, note=form.cleaned_data.get("note", "")
        ),
        "Suggestion acceptée : elle entre dans la prochaine version, à proposer à la relecture."
        if accept
        else "Suggestion déclinée.",
    )
    return redirect("resources:suggestions", resource.slug)
