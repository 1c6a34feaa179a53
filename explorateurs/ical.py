"""iCalendar (RFC 5545) export of exploration days and expeditions, written by the ``icalendar`` package (line
folding, escaping, UTC times): one VCALENDAR with a VEVENT per event, a stable UID per event so that a calendar
application updates it rather than duplicating it."""

from collections.abc import Iterable
from datetime import UTC

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar
from icalendar import Event as VEvent

PRODID = "-//Métropole du Grand Paris//Métropole d'intelligences//FR"


def calendar(events: Iterable, *, name: str) -> bytes:
    host = settings.SITE_URL.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0] or "localhost"
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    now = timezone.now().astimezone(UTC)
    for event in events:
        item = VEvent()
        item.add("uid", f"explorateurs-event-{event.pk}@{host}")
        item.add("dtstamp", now)
        item.add("dtstart", event.starts_at.astimezone(UTC))
        item.add("dtend", event.ends_at.astimezone(UTC))
        item.add("summary", f"{event.get_kind_display().capitalize()} — {event.title}")
        item.add("location", ", ".join(part for part in (event.venue, event.address) if part))
        speakers = f"Intervenants : {event.speakers}" if event.speakers else ""
        item.add("description", "\n\n".join(part for part in (event.programme, speakers) if part))
        item.add("url", f"{settings.SITE_URL}{event.get_absolute_url()}")
        cal.add_component(item)
    return cal.to_ical()
