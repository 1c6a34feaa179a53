"""Module declarations (sman/modules.py): the apps say what they add; sman reads it."""

import pytest
from django.apps import apps
from django.urls import reverse

from sman import modules
from sman.celery import app as celery_app
from sman.modules import ModuleConfig, NavEntry, SpacePanel, plural

from ..factories import UserFactory
from ..queries import count_queries

FEATURE_APPS = {"actions", "ftth", "fmin", "passnumerique", "engineering"}


def test_every_feature_app_is_a_module_read_from_its_declaration():
    declared = {config.label for config in modules.modules()}
    assert FEATURE_APPS | {"sman"} <= declared
    for config in modules.modules():
        assert isinstance(apps.get_app_config(config.label), ModuleConfig)
        for entry in config.nav:
            assert reverse(entry.url_name)  # every navigation entry names a URL that exists


def test_urls_and_api_routes_come_from_the_declarations():
    # URL names of each app, mounted under the prefix its declaration gives.
    assert reverse("fmin:home") == "/fmin/"
    assert reverse("ftth:search") == "/fibre/"
    assert reverse("passnumerique:home") == "/pass-numerique/"
    assert reverse("ftth_tile", args=[12, 2075, 1409]) == "/tiles/ftth/12/2075/1409.pbf"
    assert reverse("api_pass_redeem") == "/api/pass/tickets/redeem/"
    assert reverse("fmin-project-list") == "/api/fmin/projects/"
    routes = {prefix for module in modules.api_modules() for prefix, _, _ in module.ROUTES}
    assert {"actions", "indicators", "pass/places", "ftth/imports", "fmin/applications"} <= routes


def test_the_beat_schedule_is_the_union_of_the_modules_declarations():
    declared = {name: entry for config in modules.modules() for name, entry in config.beat.items()}
    assert celery_app.conf.beat_schedule == declared
    assert {"recover-jobs", "fmin-late-reports", "pass-monthly-statements", "record-computed-indicators"} <= set(
        declared
    )


def test_a_beat_entry_declared_by_two_modules_is_refused(monkeypatch):
    twice = [type("A", (), {"beat": {"x": {}}})(), type("B", (), {"beat": {"x": {}}})()]
    monkeypatch.setattr(modules, "modules", lambda: twice)
    with pytest.raises(ValueError, match="x"):
        modules.beat_schedule()


def test_demo_and_reference_loaders_run_in_installed_apps_order():
    demo = [loader.__module__ for loader in modules.loaders("demo")]
    assert demo == [
        "actions.demo", "passnumerique.demo", "ftth.demo", "fmin.demo", "marketplace.demo", "resources.demo",
        "explorateurs.demo", "participation.demo",
        "engineering.demo", "contests.demo",
    ]  # fmt: skip
    assert [loader.__module__ for loader in modules.loaders("reference")] == [
        "actions.reference",
        "fmin.reference",
        "marketplace.reference",
        "explorateurs.reference",
    ]


@pytest.mark.django_db
def test_navigation_shows_the_installed_modules_in_order_and_announces_none(client):
    html = client.get(reverse("home")).content.decode()
    labels = (
        "Feuille de route",
        "Fibre (FttH)",
        "FMIN",
        "Pass Numérique",
        "Explorateurs",
        "Ressources",
        "Participation",
    )
    positions = [html.index(label) for label in labels]
    assert positions == sorted(positions)
    nav = modules.navigation(None)
    assert all(entry["url"] for entry in nav)  # no « bientôt »: the portal promises no module it lacks
    assert "Place de marché" not in {e["label"] for e in nav}
    assert "bientôt" not in html
    assert "COPIL" not in [entry["label"] for entry in nav]


@pytest.mark.django_db
def test_an_entry_with_a_predicate_is_shown_to_the_users_it_accepts():
    labels = lambda user: [entry["label"] for entry in modules.navigation(user)]  # noqa: E731
    assert "COPIL" in labels(UserFactory(copil=True))
    assert "COPIL" in labels(UserFactory(staff=True))
    assert "COPIL" not in labels(UserFactory())


def test_a_module_declares_the_actions_it_implements():
    assert modules.module_of_action(2) == {"label": "Fibre (FttH)", "url": reverse("ftth:search")}
    assert modules.module_of_action(3) == {"label": "Pass Numérique", "url": reverse("passnumerique:home")}
    assert modules.module_of_action(10) == {"label": "FMIN", "url": reverse("fmin:home")}
    assert modules.module_of_action(7) == {"label": "Ressources", "url": reverse("resources:home")}
    assert modules.module_of_action(5) == {"label": "Participation", "url": reverse("participation:home")}
    assert modules.module_of_action(11) == {"label": "Accompagnement", "url": reverse("engineering:home")}
    assert modules.action_links("fmin") == [
        {"number": 10, "url": reverse("actions:action_detail", args=["2019-2020", 10])},
        {"number": 13, "url": reverse("actions:action_detail", args=["2019-2020", 13])},  # the PCAEM call
    ]
    assert modules.action_links("actions") == []


def test_declared_actions_agree_with_the_plans_data():
    """The modules' ``action_numbers`` and the plan's reference data name the same module for an action."""
    from actions.reference import read_plan

    planned = {a["number"]: a.get("module") for a in read_plan()["actions"] if a["roadmap"] == "2019-2020"}
    for config in modules.modules():
        for number in config.action_numbers:
            assert planned[number] == config.label, (config.label, number)


def test_nav_entries_and_panels_are_plain_data():
    assert NavEntry("X", "home").order == 100
    assert SpacePanel("X").todos == [] and SpacePanel("X").links == []
    assert plural(0, "dossier", "dossiers") == "0 dossier"
    assert plural(1, "dossier", "dossiers") == "1 dossier"
    assert plural(3, "dossier", "dossiers") == "3 dossiers"


@pytest.mark.django_db
def test_a_citizen_space_says_nothing_is_waiting(client):
    from ..auth import login

    login(client, UserFactory())
    queries, response = count_queries(client, reverse("dashboard"))
    assert "Rien ne vous attend dans les modules du portail" in response.content.decode()
    assert queries <= 25
    assert "Rejoignez votre organisation ci-dessous" in response.content.decode()


@pytest.mark.django_db
def test_a_member_with_nothing_waiting_is_not_asked_to_join_an_organisation(client):
    from ..auth import login
    from ..factories import MembershipFactory, OrganisationFactory

    member = MembershipFactory(organisation=OrganisationFactory(kind="digital_actor")).user
    login(client, member)
    html = client.get(reverse("dashboard")).content.decode()
    assert "Rien ne vous attend dans les modules du portail pour le moment." in html
    assert "Rejoignez votre organisation ci-dessous" not in html


def test_object_panels_come_from_the_modules_that_know_the_object_in_installed_apps_order(monkeypatch):
    class Obj:
        pass

    def b_panel(obj, request, place):
        said.append(("b", place))
        return ("b.html", {}) if place == "top" else None  # nothing at the bottom

    said = []
    first = type("A", (), {"object_panel": "a.panel"})()
    silent = type("B", (), {"object_panel": "b.panel"})()
    none = type("C", (), {"object_panel": None})()
    loaded = {
        "a.panel": lambda obj, request, place: said.append(("a", place)) or ("a.html", {"n": 1}),
        "b.panel": b_panel,
    }
    monkeypatch.setattr(modules, "modules", lambda: [none, first, silent])
    monkeypatch.setattr(modules, "_load", loaded.__getitem__)
    obj = Obj()
    assert modules.object_panels(obj, "request") == [("a.html", {"n": 1})]
    assert modules.object_panels(obj, "request", "top") == [("a.html", {"n": 1}), ("b.html", {})]
    assert said == [("a", "bottom"), ("b", "bottom"), ("a", "top"), ("b", "top")]
    with pytest.raises(ValueError, match="middle"):
        modules.object_panels(obj, "request", "middle")


def test_host_pages_name_no_other_module_for_their_panels():
    """The pages of an FMIN project, a group, an Explorateurs project, a solution, an action, a request to the pôle
    and a resource show what other modules have about them through ``{% object_panels %}`` only."""
    from pathlib import Path

    from django.conf import settings

    root = Path(settings.BASE_DIR) / "templates"
    pages = (
        "fmin/project_detail.html", "fmin/group_detail.html", "explorateurs/project_detail.html",
        "marketplace/solution_detail.html", "actions/action_detail.html", "engineering/request_detail.html",
        "resources/detail.html",
    )  # fmt: skip
    for name in pages:
        text = (root / name).read_text()
        assert "{% object_panels " in text, name
        assert "related_resources" not in text and "experimented_solutions" not in text, name
        assert "laureate" not in text and "load contests" not in text, name


@pytest.mark.parametrize(
    ("count", "suffix", "expected"),
    [
        (0, "s", ""), (1, "s", ""), (2, "s", "s"), ("12", "s", "s"), (1.5, "s", ""),
        (0, "x", ""), (3, "x", "x"),
        (1, "est raccordable,sont raccordables", "est raccordable"),
        (0, "est raccordable,sont raccordables", "est raccordable"),
        (4, "est raccordable,sont raccordables", "sont raccordables"),
        ([1, 2], "s", "s"), ([1], "s", ""), (None, "s", ""),
    ],
)  # fmt: skip
def test_french_plurals_take_the_singular_below_two(count, suffix, expected):
    from sman.templatetags.french import fr_plural

    assert fr_plural(count, suffix) == expected
