"""iCalendar (RFC 5545) export of exploration days and expeditions, written by hand: one VCALENDAR with a
VEVENT per event; lines end with CRLF and are folded at 75 octets; text values are escaped (§3.3.11); times are
in UTC (« Z »)."""

from collections.abc import Iterable
from datetime import UTC, datetime

from django.conf import settings
from django.utils import timezone

PRODID = "-//Métropole du Grand Paris//Métropole d'intelligences//FR"


def escape(text: str) -> str:
    return (
        text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\r\n", "\\n").replace("\n", "\\n")
    )


def fold(line: str) -> str:
    """Splits a content line into lines of at most 75 octets (continuations start with a space), never inside
    a UTF-8 character."""
    out, current, size = [], "", 0
    for char in line:
        width = len(char.encode("utf-8"))
        limit = 75 if not out else 74  # a continuation line starts with one space
        if size + width > limit:
            out.append(current)
            current, size = "", 0
        current += char
        size += width
    out.append(current)
    return "\r\n ".join(out)


def _utc(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def calendar(events: Iterable, *, name: str) -> bytes:
    now = timezone.now()
    host = settings.SITE_URL.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0] or "localhost"
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{escape(PRODID)}", "CALSCALE:GREGORIAN", "METHOD:PUBLISH",
             f"X-WR-CALNAME:{escape(name)}"]  # fmt: skip
    for event in events:
        description = "\n\n".join(
            part for part in (event.programme, event.speakers and f"Intervenants : {event.speakers}") if part
        )
        lines += [
            "BEGIN:VEVENT",
            f"UID:explorateurs-event-{event.pk}@{host}",
            f"DTSTAMP:{_utc(now)}",
            f"DTSTART:{_utc(event.starts_at)}",
            f"DTEND:{_utc(event.ends_at)}",
            f"SUMMARY:{escape(f'{event.get_kind_display().capitalize()} — {event.title}')}",
            f"LOCATION:{escape(', '.join(p for p in (event.venue, event.address) if p))}",
            f"DESCRIPTION:{escape(description)}",
            f"URL:{settings.SITE_URL}{event.get_absolute_url()}",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return ("\r\n".join(fold(line) for line in lines) + "\r\n").encode("utf-8")
