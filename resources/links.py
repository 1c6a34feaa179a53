"""What a resource can be about, in the other modules: an FMIN project, an Explorateurs project, a Bâtisseurs
working group, a marketplace solution, an action of the plan. One explicit foreign key each on ``Resource``;
a contributor chooses among what the public can see, and those pages list « Ressources liées »."""

from dataclasses import dataclass

from django.db.models import QuerySet
from django.urls import reverse


@dataclass(frozen=True)
class Link:
    field: str  # the foreign key on Resource
    model: str  # "app_label.Model" of what it points to
    label: str
    public_url_name: str = ""  # when the model's own URL is not its public page (an FMIN file → the project)

    def url(self, obj) -> str:
        return reverse(self.public_url_name, args=[obj.pk]) if self.public_url_name else obj.get_absolute_url()

    def choices(self) -> QuerySet:
        """What a contributor may link to: what the public sees of that module."""
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
        }[self.field]()


LINKS = (
    Link("fmin_application", "fmin.Application", "Projet financé par le FMIN", "fmin:project_detail"),
    Link("explorer_project", "explorateurs.Project", "Projet des Explorateurs du numérique"),
    Link("working_group", "fmin.WorkingGroup", "Groupe de travail des Bâtisseurs du numérique"),
    Link("solution", "marketplace.Solution", "Solution de la place de marché"),
    Link("action", "actions.Action", "Action du plan"),
)
BY_MODEL = {link.model.lower(): link for link in LINKS}
FIELDS = tuple(link.field for link in LINKS)


def link_for(obj) -> Link | None:
    return BY_MODEL.get(obj._meta.label_lower)
