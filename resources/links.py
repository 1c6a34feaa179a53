"""What a resource can be about, in the other modules: an FMIN project, an Explorateurs project, a Bâtisseurs
working group, a marketplace solution, an action of the plan, a request to the pôle d'ingénierie (whose deliverable
it is). One explicit foreign key each on ``Resource``; a contributor chooses among what the public can see — for a
request to the pôle, which is private, among those the contributor may read — and those pages list « Ressources
liées »."""

from dataclasses import dataclass

from django.db.models import QuerySet
from django.urls import reverse


@dataclass(frozen=True)
class Link:
    field: str  # the foreign key on Resource
    model: str  # "app_label.Model" of what it points to
    label: str
    public_url_name: str = ""  # when the model's own URL is not its public page (an FMIN file → the project)
    error: str = ""  # when what may be chosen is not « what is published »

    def url(self, obj) -> str:
        return reverse(self.public_url_name, args=[obj.pk]) if self.public_url_name else obj.get_absolute_url()

    def choices(self, user=None) -> QuerySet:
        """What ``user`` may link to, and whose page a reader ``user`` may open: what the public sees of that
        module (the same for everyone), or for a request to the pôle d'ingénierie the requests ``user`` reads."""
        from actions.models import Action
        from explorateurs.models import Project
        from fmin.models import Application, WorkingGroup
        from marketplace.models import Solution

        return {
            "fmin_application": lambda: Application.objects.funded().order_by("title"),
            "explorer_project": lambda: Project.objects.order_by("title", "pk"),
            "working_group": lambda: WorkingGroup.objects.filter(is_active=True).order_by("name"),
            "solution": lambda: Solution.objects.published().select_related("member").order_by("title"),
            "action": lambda: Action.objects.select_related("roadmap").order_by("roadmap__code", "number"),
            "engineering_request": lambda: engineering_requests_of(user),
        }[self.field]()

    @property
    def message(self) -> str:
        return self.error or f"Choisissez parmi les éléments publiés ({self.label.lower()})."


def engineering_requests_of(user) -> QuerySet:
    """The requests to the pôle d'ingénierie whose deliverables ``user`` may present: the pôle's own rule."""
    from engineering.selectors import requests_worked_on_for

    return requests_worked_on_for(user).order_by("-created_at", "-pk")


LINKS = (
    Link("fmin_application", "fmin.Application", "Projet financé par le FMIN", "fmin:project_detail"),
    Link("explorer_project", "explorateurs.Project", "Projet des Explorateurs du numérique"),
    Link("working_group", "fmin.WorkingGroup", "Groupe de travail des Bâtisseurs du numérique"),
    Link("solution", "marketplace.Solution", "Solution de la place de marché"),
    Link("action", "actions.Action", "Action du plan"),
    Link(
        "engineering_request",
        "engineering.EngineeringRequest",
        "Accompagnement du pôle d'ingénierie",
        error="Choisissez parmi les demandes d'accompagnement de votre collectivité ou qui vous sont confiées.",
    ),
)
# A module's draft whose source row belongs to what the resource is about: the link's field, the source's model
# and the path from it (``draft_from_module`` sets the link when the module did not pass it).
SOURCE_LINKS = {"engineering.deliverable": ("engineering_request", "engineering.RequestDocument", "request_id")}
BY_MODEL = {link.model.lower(): link for link in LINKS}
FIELDS = tuple(link.field for link in LINKS)


def link_for(obj) -> Link | None:
    return BY_MODEL.get(obj._meta.label_lower)
