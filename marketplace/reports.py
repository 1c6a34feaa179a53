"""What the marketplace adds to the COPIL report (SMAN: « the COPIL report shows needs posted, answered and adopted
per semester»): its section, a table per semester, under action #6.

``copil_section(today)`` returns ``(template, context)`` like the kit's other panels; the kit's hook
(``ModuleConfig.report_section``) hands it to the COPIL report, which includes it in the section of action #6.
"""

from datetime import date

from . import selectors


def copil_section(today: date) -> tuple[str, dict] | None:
    """The needs posted, answered and adopted per semester until ``today`` (the session's date); None when no
    need was ever published."""
    semesters = selectors.needs_per_semester(until=today)
    if not semesters:
        return None
    totals = {key: sum(s[key] for s in semesters) for key in ("posted", "answered", "adopted")}
    return "marketplace/_copil_section.html", {"semesters": semesters, "totals": totals, "today": today}
