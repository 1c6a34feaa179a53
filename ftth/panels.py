"""What the fibre module puts in « Mon espace » (FtthConfig.space_panel)."""

from django.urls import reverse

from sman.modules import SpacePanel, Todo, add_count
from sman.permissions import is_metropole_staff

from . import selectors
from .models import ImportRun
from .permissions import operator_code, operators_of


def space_panel(request) -> SpacePanel | None:
    user = request.user
    todos, links = [], []
    if is_metropole_staff(user):
        waiting = selectors.imports_awaiting_confirmation().count()
        add_count(
            todos, waiting, "import à confirmer ou annuler", "imports à confirmer ou annuler", reverse("ftth:imports")
        )
        links.append(("Imports des fichiers des opérateurs", reverse("ftth:imports")))
    operators = operators_of(user)
    if operators:
        codes = [operator_code(operator) for operator in operators]
        last = ImportRun.objects.filter(operator_code__in=codes).order_by("-pk").first()
        if last is not None and last.state == ImportRun.State.FAILED:
            todos.append(
                Todo(
                    f"Le dernier import, « {last.file_name} », a échoué : corrigez le fichier et envoyez-le à nouveau",
                    reverse("api_docs"),
                )
            )
        links.append(("Jetons d'API pour envoyer vos fichiers IPE", reverse("api_tokens")))
    if not todos and not links:
        return None
    return SpacePanel("Fibre (FttH)", todos, links, order=20)
