"""An FMIN funded project's page shows the solution it experiments (a template tag of the marketplace that fmin's
template loads); its lead collectivity removes the link after a confirmation."""

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse

from marketplace import selectors, services
from marketplace.models import SolutionExperiment

from ..auth import login
from ..factories import ApplicationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def linked(market):
    project = ApplicationFactory(funded=True, title="Guichet numérique de Montreuil")
    link = services.experiment_link(
        user=market.users["commune_agent"], application=project, solution=market.extra["solution"]
    )
    market.extra.update(project=project, link=link)
    return market


def test_the_project_page_shows_the_solution_it_experiments(linked):
    project, solution, link = linked.extra["project"], linked.extra["solution"], linked.extra["link"]
    page_url = reverse("fmin:project_detail", args=[project.pk])
    unlink_url = reverse("marketplace:experiment_unlink", args=[link.pk])
    public = Client().get(page_url).content.decode()
    assert "Solution expérimentée" in public
    assert solution.get_absolute_url() in public and "Membre signataire" in public
    assert "adoptée par 1 collectivité" in public  # the fixture's adopted need
    assert unlink_url not in public
    assert unlink_url not in linked.client_for("other_commune_agent").get(page_url).content.decode()
    assert unlink_url in login(Client(), linked.users["commune_agent"]).get(page_url).content.decode()
    services.solution_set_status(
        user=linked.users["member"], solution=solution, status=solution.Status.ARCHIVED
    )  # an archived solution is no longer shown
    assert "Solution expérimentée" not in Client().get(page_url).content.decode()


def test_the_lead_collectivity_removes_the_link_after_a_confirmation(linked):
    project, solution, link = linked.extra["project"], linked.extra["solution"], linked.extra["link"]
    for role in ("other_commune_agent", "member", "staff"):
        with pytest.raises(PermissionDenied):
            services.experiment_unlink(user=linked.users[role], link=link)
    client = login(Client(), linked.users["commune_agent"])
    url = reverse("marketplace:experiment_unlink", args=[link.pk])
    confirm = client.get(url).content.decode()
    assert (
        "Retirer le lien vers « Rendez-vous en ligne » ?" in confirm
        and SolutionExperiment.objects.filter(pk=link.pk).exists()
    )
    response = client.post(url, follow=True)
    assert response.redirect_chain[-1][0] == reverse("fmin:project_detail", args=[project.pk])
    page = response.content.decode()
    assert "Lien retiré" in page and "Solution expérimentée" not in page
    assert not SolutionExperiment.objects.filter(pk=link.pk).exists()
    assert list(selectors.experiments_of(solution)) == []
    services.experiment_unlink(user=linked.users["commune_agent"], link=link)  # twice: nothing more to remove
    assert client.post(url).status_code == 404
