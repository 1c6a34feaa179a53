"""Support requests: the collectivities' pages, the pôle's (staff triage, the assigned expert's work)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from sman.feedback import form_service, run_service
from sman.files import private_file_response
from sman.lists import Listing
from sman.models import Organisation
from sman.permissions import is_metropole_staff, organisations_of

from .. import permissions, selectors, services
from ..filters import RequestFilter
from ..forms import CloseForm, DocumentForm, MessageForm, QualifyForm, RequestForm
from ..models import EngineeringRequest, RequestDocument
from .common import REQUEST_CRUMBS


def _visible_request(request, pk) -> EngineeringRequest:
    found = selectors.request_detail(pk)
    if found is None:
        raise Http404("Cette demande n'existe pas.")
    if not permissions.can_see_request(request.user, found):
        raise PermissionDenied
    return found


@login_required
def request_list(request):
    user = request.user
    staff, expert = is_metropole_staff(user), permissions.is_expert(user)
    ids = permissions.collectivity_ids_of(user)
    if not (staff or expert or ids):
        raise PermissionDenied
    qs = selectors.requests_for(user, staff=staff, collectivity_ids=ids, expert=expert)
    listing = Listing(request, qs.order_by("-created_at"), filterset_class=RequestFilter, page_size=25)
    return render(
        request,
        "engineering/request_list.html",
        {**listing.context(), "staff": staff, "can_request": bool(ids), "crumbs": REQUEST_CRUMBS[:1]},
    )


@login_required
def request_create(request):
    ids = permissions.collectivity_ids_of(request.user)
    if not ids:
        raise PermissionDenied
    from fmin import selectors as fmin_selectors

    collectivities = organisations_of(request.user, kind=Organisation.Kind.COLLECTIVITY, active=True)
    form = RequestForm(
        request.POST or None,
        request.FILES or None,
        collectivities=collectivities,
        applications=fmin_selectors.applications_for_collectivities(ids),
        initial={"kind": request.GET.get("nature", "")},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        created = []
        if form_service(
            request,
            form,
            lambda: created.append(
                services.request_submit(
                    user=request.user,
                    organisation=data["organisation"],
                    title=data["title"],
                    description=data["description"],
                    kind=data["kind"],
                    stage=data["stage"],
                    fmin_application=data["fmin_application"],
                    documents=data["documents"],
                )  # fmt: skip
            ),
            "Votre demande est envoyée au pôle d'ingénierie : l'équipe la qualifie et vous répond ici.",
        ):
            return redirect(created[0].get_absolute_url())
    return render(request, "engineering/request_form.html", {"form": form, "crumbs": REQUEST_CRUMBS})


@login_required
def request_detail(request, pk):
    found = _visible_request(request, pk)
    user = request.user
    message_form = MessageForm(request.POST or None)
    if (
        request.method == "POST"
        and message_form.is_valid()
        and form_service(
            request,
            message_form,
            lambda: services.message_post(request=found, user=user, body=message_form.cleaned_data["body"]),
            "Votre message est envoyé.",
        )
    ):
        return redirect(found.get_absolute_url() + "#messages")
    work = permissions.can_work_on(user, found)
    return render(
        request,
        "engineering/request_detail.html",
        {
            "req": found,
            "message_form": message_form,
            "document_form": DocumentForm(),
            "qualify_form": (
                QualifyForm(experts=permissions.experts())
                if permissions.can_triage(user) and found.status == EngineeringRequest.Status.RECEIVED
                else None
            ),
            "can_work": work,
            "is_requester": permissions.is_requester(user, found),
            "close_form": CloseForm() if permissions.is_requester(user, found) else None,
            "crumbs": REQUEST_CRUMBS,
        },
    )


@login_required
@require_POST
def request_qualify(request, pk):
    found = _visible_request(request, pk)
    if not permissions.can_triage(request.user):
        raise PermissionDenied
    form = QualifyForm(request.POST, experts=permissions.experts())
    if form.is_valid():
        run_service(
            request,
            lambda: services.request_qualify(
                request=found,
                user=request.user,
                service=form.cleaned_data["service"],
                expert=form.cleaned_data["expert"],
            ),  # fmt: skip
            "La demande est qualifiée et confiée à l'expert.",
        )
    else:
        from django.contrib import messages

        messages.error(request, "Choisissez un service et un expert.")
    return redirect(found.get_absolute_url())


@login_required
@require_POST
def request_start(request, pk):
    found = _visible_request(request, pk)
    if not permissions.can_work_on(request.user, found):
        raise PermissionDenied
    run_service(request, lambda: services.request_start(request=found, user=request.user), "La demande est en cours.")
    return redirect(found.get_absolute_url())


@login_required
@require_POST
def document_add(request, pk):
    found = _visible_request(request, pk)
    deliverable = request.POST.get("livrable") == "1"
    if deliverable and not permissions.can_work_on(request.user, found):
        raise PermissionDenied
    form = DocumentForm(request.POST, request.FILES)
    if form.is_valid():
        run_service(
            request,
            lambda: services.document_add(
                request=found, user=request.user, file=form.cleaned_data["file"], deliverable=deliverable
            ),
            "Le livrable est déposé." if deliverable else "Le document est déposé.",
        )
    else:
        from django.contrib import messages

        messages.error(request, form.errors["file"][0])
    return redirect(found.get_absolute_url() + "#documents")


@login_required
@require_POST
def request_deliver(request, pk):
    found = _visible_request(request, pk)
    if not permissions.can_work_on(request.user, found):
        raise PermissionDenied
    run_service(
        request,
        lambda: services.request_deliver(request=found, user=request.user),
        "La demande est livrée : la collectivité est prévenue.",
    )
    return redirect(found.get_absolute_url())


@login_required
def request_close(request, pk):
    found = _visible_request(request, pk)
    if not permissions.is_requester(request.user, found):
        raise PermissionDenied
    form = CloseForm(request.POST or None)
    if (
        request.method == "POST"
        and form.is_valid()
        and form_service(
            request,
            form,
            lambda: services.request_close(
                request=found,
                user=request.user,
                satisfaction=form.cleaned_data["satisfaction"],
                comment=form.cleaned_data["comment"],
            ),  # fmt: skip
            "Merci : la demande est close et votre avis est transmis au pôle.",
        )
    ):
        return redirect(found.get_absolute_url())
    return render(request, "engineering/request_close.html", {"req": found, "form": form, "crumbs": REQUEST_CRUMBS})


@login_required
def document_download(request, pk, document):
    found = _visible_request(request, pk)
    doc = get_object_or_404(RequestDocument, pk=document, request=found)
    return private_file_response(doc.file, filename=doc.name)


@login_required
@require_POST
def deliverable_publish(request, pk, document):
    """The pôle sends a deliverable to the resource centre as a draft of its own, then reviews it there."""
    found = _visible_request(request, pk)
    doc = get_object_or_404(RequestDocument, pk=document, request=found)
    if not permissions.can_work_on(request.user, found):
        raise PermissionDenied
    try:
        resource = services.deliverable_to_resource_centre(document=doc, user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(found.get_absolute_url() + "#documents")
    messages.success(request, "Le livrable est un brouillon du centre de ressources : relisez-le, puis proposez-le.")
    return redirect("resources:edit", slug=resource.slug)
