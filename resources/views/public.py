"""Resource pages for everyone: search with facets, a resource and its history, attachments, suggested edits,
« utilisée par N collectivités », calls for contributions, saved searches."""

from functools import cached_property

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from sman.feedback import form_service, run_service
from sman.files import private_file_response
from sman.lists import PAGE_PARAM, Listing

from .. import permissions, selectors, services
from ..forms import SavedSearchForm, SuggestionForm, UseForm
from ..models import LICENCE_URLS, CallForContributions, ResourceVersion, SavedSearch
from .common import CRUMBS, crumbs, detail_crumbs, resource_for

PAGE_SIZE = 20


class SearchListing(Listing):
    """The search's list, whose number of results is the sum of its kinds' facet counts: the facets' one
    statement counts them, the paginator does not scan the matches a second time."""

    def __init__(self, *args, count: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.count = count

    @cached_property
    def page_obj(self) -> Page:
        paginator = Paginator(self.rows, self.page_size)
        paginator.count = self.count  # a cached_property of Paginator, set before it is read
        return paginator.get_page(self.request.GET.get(PAGE_PARAM))


def home(request):
    """The search: French full text, facets with their counts, sort by relevance or date."""
    params = selectors.SearchParams.from_query(request.GET)
    found = selectors.run_search(params, page_size=PAGE_SIZE)
    facets, total = found.facets, found.count
    listing = SearchListing(request, found.results, page_size=PAGE_SIZE, count=total)
    page = listing.page_obj
    if params.q and page.number == 1 and not total:
        services.search_miss_record(text=params.q)
    facet_groups = [
        {"name": name, "label": label, "values": values}
        for name, values in facets.items()
        if values
        for label in [selectors.FACET_LABELS[name]]
    ]
    return render(
        request,
        "resources/home.html",
        {
            **listing.context(),
            "params": params,
            "facet_groups": facet_groups,
            "sort_relevance": params.as_query(tri=""),
            "sort_date": params.as_query(tri="date"),
            "calls": CallForContributions.objects.filter(is_published=True, deadline__gte=timezone.localdate())[:3],
            "can_contribute": permissions.can_contribute(request.user),
            "save_form": SavedSearchForm(initial={"query": params.as_query(), "name": params.q[:120]}),
        },
    )


def _facet_url(params, name, value):
    return "?" + params.as_query(**{name: value})


def detail(request, slug):
    resource = resource_for(request, slug)
    if not resource.is_public:  # the author or a moderator: the working copy is on the review page
        return redirect("resources:review", slug)
    services.view_record(resource=resource)
    version = resource.current_version
    collectivities = permissions.collectivities_of(request.user) if request.user.is_authenticated else None
    return render(
        request,
        "resources/detail.html",
        {
            "resource": resource,
            "version": version,
            "versions": resource.versions.select_related("published_by").order_by("-number"),
            "attachments": resource.attachments.filter(published=True),
            "uses": resource.uses.select_related("organisation"),
            "similar": selectors.similar(resource),
            "licence_url": LICENCE_URLS.get(resource.licence, ""),
            "can_suggest": permissions.can_suggest(request.user, resource),
            "is_author": permissions.is_author(request.user, resource),
            "can_moderate": permissions.can_moderate(request.user),
            "use_form": UseForm(collectivities=collectivities)
            if collectivities is not None and collectivities.exists()
            else None,
            "crumbs": CRUMBS,
        },
    )


def version_detail(request, slug, number):
    resource = resource_for(request, slug)
    version = get_object_or_404(
        ResourceVersion.objects.select_related("published_by"), resource=resource, number=number
    )
    return render(
        request,
        "resources/version_detail.html",
        {
            "resource": resource,
            "version": version,
            "version_label": f"Version {version.number}",
            "crumbs": detail_crumbs(resource),
        },
    )


def attachment_download(request, slug, pk):
    resource = resource_for(request, slug)
    attachment = get_object_or_404(resource.attachments, pk=pk)
    if not attachment.published and not permissions.can_view_working_copy(request.user, resource):
        raise Http404("Pièce jointe introuvable.")
    if attachment.published:
        services.download_record(resource=resource)
    return private_file_response(attachment.file, filename=attachment.name, checksum=attachment.checksum)


@login_required
def suggest(request, slug):
    resource = resource_for(request, slug)
    if not permissions.can_suggest(request.user, resource):
        raise PermissionDenied
    form = SuggestionForm(request.POST or None, initial={"field": "summary", "text": resource.current_version.summary})
    if (
        request.method == "POST"
        and form.is_valid()
        and form_service(
            request,
            form,
            lambda: services.suggestion_create(resource=resource, user=request.user, **form.cleaned_data),
            "Merci : votre proposition est transmise à l'auteur de la ressource.",
        )
    ):
        return redirect(resource.get_absolute_url())
    return render(
        request, "resources/suggest.html", {"resource": resource, "form": form, "crumbs": detail_crumbs(resource)}
    )


@login_required
@require_POST
def use_mark(request, slug):
    resource = resource_for(request, slug)
    if not permissions.can_mark_used(request.user, resource):
        raise PermissionDenied
    form = UseForm(request.POST, collectivities=permissions.collectivities_of(request.user))
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, errors[0])
        return redirect(resource.get_absolute_url() + "#utilisee")
    run_service(
        request,
        lambda: services.use_mark(resource=resource, user=request.user, **form.cleaned_data),
        f"Merci : {form.cleaned_data['organisation']} figure parmi les collectivités qui l'utilisent.",
    )
    return redirect(resource.get_absolute_url() + "#utilisee")


def calls(request):
    today = timezone.localdate()
    rows = CallForContributions.objects.filter(is_published=True)
    return render(
        request,
        "resources/calls.html",
        {
            "open_calls": rows.filter(deadline__gte=today),
            "past_calls": rows.filter(deadline__lt=today).order_by("-deadline")[:10],
            "can_contribute": permissions.can_contribute(request.user),
            "crumbs": CRUMBS,
        },
    )


@login_required
def saved_searches(request):
    form = SavedSearchForm(request.POST or None)
    if (
        request.method == "POST"
        and form.is_valid()
        and form_service(
            request,
            form,
            lambda: services.saved_search_create(user=request.user, **form.cleaned_data),
            "Recherche enregistrée : les nouvelles ressources qui y répondent arriveront dans vos notifications.",
        )
    ):
        return redirect("resources:saved_searches")
    return render(
        request,
        "resources/saved_searches.html",
        {
            "searches": SavedSearch.objects.filter(user=request.user),
            "form": form,
            "crumbs": crumbs(),
        },
    )


@login_required
@require_POST
def saved_search_delete(request, pk):
    search = get_object_or_404(SavedSearch, pk=pk, user=request.user)
    services.saved_search_delete(search=search, user=request.user)
    messages.success(request, f"La recherche « {search.name} » est supprimée.")
    return redirect(reverse("resources:saved_searches"))
