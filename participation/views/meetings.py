"""Meetings of a process, for everyone: the list, a meeting with its minutes, registration, the iCalendar file."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from sman.feedback import run_service
from sman.ical import CalendarEntry, ical_response
from sman.lists import Listing

from .. import permissions, services
from ..models import Meeting, Process, Registration
from .common import crumbs


def meeting_list(request, slug):
    process = get_object_or_404(Process.objects.published(), slug=slug)
    meetings = Meeting.objects.filter(process=process).order_by("-starts_at")
    listing = Listing(request, meetings, page_size=20)
    return render(
        request,
        "participation/meeting_list.html",
        {**listing.context(), "process": process, "crumbs": crumbs((process.title, process.get_absolute_url()))},
    )


def _meeting(pk) -> Meeting:
    return get_object_or_404(
        Meeting.objects.select_related("process__space__organisation"), pk=pk, process__is_published=True
    )


def meeting_detail(request, pk):
    meeting = _meeting(pk)
    registered = (
        request.user.is_authenticated and Registration.objects.filter(meeting=meeting, user=request.user).exists()
    )
    return render(
        request,
        "participation/meeting_detail.html",
        {
            "meeting": meeting,
            "registered": registered,
            "seats_taken": meeting.registrations.count(),
            "manager": request.user.is_authenticated and permissions.can_manage(request.user, meeting.process.space),
            "crumbs": crumbs((meeting.process.title, meeting.process.get_absolute_url())),
        },
    )


@require_POST
@login_required
def meeting_registration(request, pk):
    meeting = _meeting(pk)
    if request.POST.get("action") == "cancel":
        run_service(request, lambda: services.meeting_unregister(meeting=meeting, user=request.user),
                    "Votre inscription est annulée.")  # fmt: skip
    else:
        run_service(request, lambda: services.meeting_register(meeting=meeting, user=request.user),
                    "Vous êtes inscrit·e à la réunion.")  # fmt: skip
    return redirect(meeting)


def meeting_ical(request, pk):
    """The meeting as an iCalendar file (RFC 5545), for any calendar application."""
    meeting = _meeting(pk)
    entry = CalendarEntry(
        uid=f"participation-meeting-{meeting.pk}",
        title=meeting.title,
        starts_at=meeting.starts_at,
        ends_at=meeting.ends_at,
        location=meeting.address,
        description=meeting.description or meeting.process.title,
        path=meeting.get_absolute_url(),
    )
    return ical_response([entry], name=meeting.title, filename=f"reunion-{meeting.pk}.ics")
