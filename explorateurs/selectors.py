"""Reads of the Explorateurs du numérique, with the joins their pages need."""

from datetime import date

from django.contrib.gis.db.models import GeometryField
from django.db.models import Count, Exists, F, Func, OuterRef, Prefetch, Q, Value

from sman.models import Organisation

from .models import Candidacy, Cohort, Event, Explorer, Project, Registration


def current_cohort(today: date) -> Cohort | None:
    return Cohort.objects.current(today)


def recruiting_cohort(today: date) -> Cohort | None:
    return Cohort.objects.recruiting(today).order_by("call_closes_on").first()


def events():
    """Events with their counts of registered and waiting people (one query)."""
    return (
        Event.objects.select_related("cohort")
        .annotate(
            registered_count=Count("registrations", filter=Q(registrations__status=Registration.Status.REGISTERED)),
            waiting_count=Count("registrations", filter=Q(registrations__status=Registration.Status.WAITING)),
        )
        .order_by("starts_at", "pk")
    )


def candidacies_for_staff():
    return Candidacy.objects.select_related("agent", "collectivity__territory", "cohort", "explorer").order_by(
        "cohort", "status", "waitlist_position", "created_at", "pk"
    )


def projects():
    return (
        Project.objects.with_relations().select_related("fmin_application").order_by("challenge__number", "title", "pk")
    )


def registrations_of(explorers) -> dict[int, Registration]:
    """The explorer rows' current registrations, by event id."""
    found = Registration.objects.filter(explorer__in=explorers).exclude(status=Registration.Status.CANCELLED)
    return {r.event_id: r for r in found}


def attendance_sheet(event: Event):
    return (
        Registration.objects.filter(event=event, status=Registration.Status.REGISTERED)
        .select_related("explorer__user", "explorer__collectivity")
        .order_by("explorer__user__last_name", "explorer__user__first_name", "pk")
    )


def waiting_list(event: Event):
    return (
        Registration.objects.filter(event=event, status=Registration.Status.WAITING)
        .select_related("explorer__user", "explorer__collectivity")
        .order_by("waitlist_position")
    )


def directory():
    """Explorers and alumni who chose to appear in the directory, with their visible projects."""
    return (
        Explorer.objects.active()
        .filter(in_directory=True)
        .with_places()
        .prefetch_related(Prefetch("projects", queryset=Project.objects.order_by("title")))
        .order_by("-cohort__start_year", "user__last_name", "user__first_name", "pk")
    )


def network(today: date):
    """The collectivities that have (had) explorers: each with its number of current explorers and alumni, its
    kind (a commune, an EPT) and its outline simplified for the map (about 50 m: the map shows communes, and the
    page weighs a fifth of the full outlines). One query."""
    active = Explorer.objects.active()
    return (
        Organisation.objects.filter(kind=Organisation.Kind.COLLECTIVITY)
        .filter(Exists(active.filter(collectivity=OuterRef("pk"))))
        .select_related("territory")
        .defer("territory__geometry")
        .annotate(
            outline=Func(
                F("territory__geometry"),
                Value(0.0005),
                function="ST_SimplifyPreserveTopology",
                output_field=GeometryField(srid=4326),
            ),
            current=Count("explorers", filter=Q(explorers__status="active", explorers__cohort__ends_on__gte=today)),
            alumni=Count("explorers", filter=Q(explorers__status="active", explorers__cohort__ends_on__lt=today)),
        )
        .order_by("territory__kind", "name")
    )


def attendance_rate(*, cohort: Cohort | None = None, explorer: Explorer | None = None) -> tuple[int, int]:
    """(present, recorded) over the events whose attendance was taken."""
    rows = Registration.objects.filter(status=Registration.Status.REGISTERED, event__attendance_taken_at__isnull=False)
    if cohort is not None:
        rows = rows.filter(event__cohort=cohort)
    if explorer is not None:
        rows = rows.filter(explorer=explorer)
    counts = rows.aggregate(present=Count("pk", filter=Q(attended=True)), recorded=Count("pk"))
    return counts["present"], counts["recorded"]


def attended_events(explorer: Explorer):
    return (
        Event.objects.filter(registrations__explorer=explorer, registrations__attended=True)
        .order_by("starts_at")
        .distinct()
    )
