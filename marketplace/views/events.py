"""Events « Métropole d'intelligences » of the community: the list and page for everyone, registration and
cancellation for people acting for a member, creation and attendance for staff, an iCal file per event."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from sman.feedback import form_service, run_service
from sman.ical import CalendarEntry, ical_response
from sman.lists import Listing
from sman.permissions import is_metropole_staff, staff_required

from .. import permissions, selectors, services
from ..forms import EventForm, OrganisationForm
from ..models import CommunityEvent, EventRegistration
from .common import crumbs

EVENTS = ("Événements", "/adopte-une-innovation/evenements/")


def event_list(request):
    listing = Listing(request, selectors.events(), page_size=20)
    return render(
        request,
        "marketplace/event_list.html",
        {**listing.context(), "is_staff": is_metropole_staff(request.user), "crumbs": crumbs()},
    )


def event_detail(request, pk):
    event = get_object_or_404(selectors.events(), pk=pk)
    user = request.user
    own = None
    if user.is_authenticated:
        own = (
            EventRegistration.objects.filter(event=event, user=user)
            .exclude(status=EventRegistration.Status.CANCELLED)
            .first()
        )
    members = permissions.members_of(user)
    return render(
        request,
        "marketplace/event_detail.html",
        {
            "event": event,
            "own": own,
            "is_open": event.starts_at > timezone.now(),
            "member_form": OrganisationForm(organisations=members) if members.exists() else None,
            "is_staff": is_metropole_staff(user),
            "crumbs": crumbs(EVENTS),
        },
    )


@login_required
@require_POST
def event_register(request, pk):
    event = get_object_or_404(CommunityEvent, pk=pk)
    form = OrganisationForm(request.POST, organisations=permissions.members_of(request.user))
    if not form.is_valid():
        raise PermissionDenied
    done = {}

    def call():
        done["registration"] = services.event_register(
            user=request.user, event=event, organisation=form.cleaned_data["organisation"]
        )

    if run_service(request, call):
        waiting = done["registration"].status == EventRegistration.Status.WAITLISTED
        messages.success(
            request,
            "L'événement est complet : vous êtes sur la liste d'attente, prévenu si une place se libère."
            if waiting
            else "Vous êtes inscrit. Ajoutez l'événement à votre agenda avec le fichier iCal.",
        )
    return redirect(event.get_absolute_url())


@login_required
def event_cancel(request, pk):
    """Cancelling asks for a confirmation (GET shows it)."""
    event = get_object_or_404(CommunityEvent, pk=pk)
    if request.method == "POST":
        run_service(
            request, lambda: services.event_cancel(user=request.user, event=event), "Votre inscription est annulée."
        )
        return redirect(event.get_absolute_url())
    return render(
        request,
        "sman/confirm.html",
        {
            "title": f"Annuler votre inscription à « {event.title} » ?",
            "text": "Votre place ira à la première personne de la liste d'attente.",
            "submit": "Annuler mon inscription",
            "cancel": event.get_absolute_url(),
            "crumbs": crumbs(EVENTS),
        },
    )


def event_ical(request, pk):
    event = get_object_or_404(CommunityEvent, pk=pk)
    entry = CalendarEntry(
        uid=f"marketplace-event-{event.pk}",
        title=event.title,
        starts_at=event.starts_at,
        ends_at=event.ends_at,
        location=event.place,
        description=event.description,
        path=event.get_absolute_url(),
    )
    return ical_response([entry], name=event.title, filename=f"metropole-intelligences-{event.pk}.ics")


@staff_required
def event_create(request):
    form = EventForm(request.POST or None)
    created = {}

    def call():
        created["event"] = services.event_save(user=request.user, fields=form.cleaned_data)

    if request.method == "POST" and form.is_valid() and form_service(request, form, call, "Événement créé."):
        return redirect(created["event"].get_absolute_url())
    return render(
        request,
        "sman/form_page.html",
        {
            "form": form,
            "title": "Créer un événement « Métropole d'intelligences »",
            "submit": "Créer l'événement",
            "crumbs": crumbs(EVENTS),
        },
    )


@staff_required
def event_attendance(request, pk):
    event = get_object_or_404(CommunityEvent, pk=pk)
    registrations = selectors.event_registrations(event).filter(status=EventRegistration.Status.REGISTERED)
    if request.method == "POST":
        ids = [int(v) for v in request.POST.getlist("present") if v.isdigit()]
        if run_service(
            request,
            lambda: services.event_attendance(user=request.user, event=event, present_ids=ids),
            "Présences enregistrées.",
        ):
            return redirect(event.get_absolute_url())
    return render(
        request,
        "marketplace/event_attendance.html",
        {
            "event": event,
            "registrations": registrations,
            "crumbs": crumbs(EVENTS, (event.title, event.get_absolute_url())),
        },
    )
