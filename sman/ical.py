"""iCalendar (RFC 5545) files of the portal's events (exploration days, meetings…), one way for every module.

Written by the ``icalendar`` package (line folding, escaping, UTC times). Each entry has a UID stable across
downloads (``<module>-<kind>-<pk>@<host>``), so a calendar application updates an event instead of adding it
twice; ``ical_response`` serves the file as an attachment.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.http import HttpResponse
from django.utils import timezone
from icalendar import Calendar
from icalendar import Event as VEvent

PRODID = "-//Métropole du Grand Paris//Métropole d'intelligences//FR"


@dataclass(frozen=True)
class CalendarEntry:
    uid: str  # unique in the portal, e.g. "explorateurs-event-12"
    title: str
    starts_at: datetime
    ends_at: datetime
    location: str = ""
    description: str = ""
    path: str = ""  # the event's page on the portal


def calendar_bytes(entries: Iterable[CalendarEntry], *, name: str) -> bytes:
    host = settings.SITE_URL.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0] or "localhost"
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    now = timezone.now().astimezone(UTC)
    for entry in entries:
        item = VEvent()
        item.add("uid", f"{entry.uid}@{host}")
        item.add("dtstamp", now)
        item.add("dtstart", entry.starts_at.astimezone(UTC))
        item.add("dtend", entry.ends_at.astimezone(UTC))
        item.add("summary", entry.title)
        if entry.location:
            item.add("location", entry.location)
        if entry.description:
            item.add("description", entry.description)
        if entry.path:
            item.add("url", f"{settings.SITE_URL}{entry.path}")
        cal.add_component(item)
    return cal.to_ical()


def ical_response(entries: Iterable[CalendarEntry], *, name: str, filename: str) -> HttpResponse:
    response = HttpResponse(calendar_bytes(entries, name=name), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
