"""Meetings of a process, for everyone: the list, a meeting with its minutes, registration, the iCalendar file."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST
from icalendar import Calendar, Event

from sman.feedback import run_service
from sman.lists import Listing

from .. import services
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
    calendar = Calendar()
    calendar.add("prodid", "-//Métropole du Grand Paris//Participation//FR")
    calendar.add("version", "2.0")
    event = Event()
    event.add("uid", f"participation-meeting-{meeting.pk}@{request.get_host()}")
    event.add("summary", meeting.title)
    event.add("dtstart", meeting.starts_at)
    event.add("dtend", meeting.ends_at)
    event.add("dtstamp", meeting.starts_at)
    if meeting.address:
        event.add("location", meeting.address)
    event.add("description", meeting.description or meeting.process.title)
    event.add("url", request.build_absolute_uri(meeting.get_absolute_url()))
    calendar.add_component(event)
    response = HttpResponse(calendar.to_ical(), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="reunion-{meeting.pk}.ics"'
    return response
