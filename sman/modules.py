"""Module declarations: what each feature app adds to the portal, said once, in its ``AppConfig``.

A feature app's config inherits ``ModuleConfig`` and fills in class attributes; ``sman`` reads them, so no
central file lists the apps by hand (apart from ``INSTALLED_APPS``, which Django needs):

- ``nav``: its entries in the main navigation (``NavEntry``: label, URL name, order, and an optional
  predicate on the user for entries only some people see);
- ``urls``: ``(prefix, urlconf)`` pairs included in the project's URLs (a urlconf with an ``app_name``
  gets its namespace);
- ``api``: the module holding its API: ``ROUTES`` (``(prefix, viewset, basename)`` registered on the one
  router) and ``api_urlpatterns`` (plain paths under ``/api/``);
- ``space_panel``: ``f(request) -> SpacePanel | None``, what the signed-in user has to do in this module
  (files to score, tickets to validate, drafts to finish, sessions to prepare), shown in « Mon espace »;
- ``territory_panel``: ``f(territory) -> (template, context) | None``, what the module has in a commune or
  an EPT, shown on its page;
- ``action_panel``: ``f(number) -> (template, context) | None``, what the module shows on the page of action
  ``number`` of the roadmap table (one of its ``action_numbers``): the calls of a programme, for instance;
- ``object_panel``: ``f(obj, request, place) -> (template, context) | None``, what the module shows on another
  module's page about ``obj``: at ``place`` "top", a notice under its title (« Lauréat du prix … »); at "bottom",
  a section after its content (the solutions an FMIN project experiments, the resources about a request…); None
  for an object or a place it has nothing for. The host page writes ``{% object_panels obj %}`` (bottom) or
  ``{% object_panels obj "top" %}`` and names no module, so a module depends on the modules whose objects it
  knows, never the other way round;
- ``report_section``: ``f(today) -> (template, context) | None``, what the module adds to the section of its
  actions in the COPIL report, with its figures as of the session's date (the template reads ``section``);
- ``indicators``: the module whose import registers its computed indicators;
- ``roles``: the platform roles it declares (``sman.roles.Role``: moderator, jury…), registered when the app is
  ready; people hold them through ``sman.RoleAssignment`` rows granted by staff;
- ``beat``: its periodic tasks (Celery beat entries), merged into the one schedule;
- ``demo_loader`` / ``reference_loader``: what ``load_demo`` and ``load_reference`` run for it;
- ``action_numbers``: the actions of the roadmap table it implements (``(2,)`` for the FttH platform), so that
  an action's page links to its module (``module_of_action``) and the module's home back to its actions
  (``action_links``). A module not built has no app, hence no link: the portal announces nothing it lacks.

Dotted paths are imported when first needed: an ``AppConfig`` is read before the models are loaded.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from importlib import import_module

from django.apps import AppConfig, apps
from django.urls import reverse
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class NavEntry:
    label: str
    url_name: str
    order: int = 100
    # Dotted path of ``f(user) -> bool``: the entry is shown only to the users it accepts.
    visible: str | None = None


@dataclass(frozen=True)
class Todo:
    """One thing waiting for the user in a module: « 3 dossiers à évaluer »."""

    label: str
    url: str
    count: int | None = None


@dataclass(frozen=True)
class SpacePanel:
    """A module's part of « Mon espace »: what is waiting for this user, then useful links."""

    title: str
    todos: list[Todo] = field(default_factory=list)
    links: list[tuple[str, str]] = field(default_factory=list)
    order: int = 100


# The roadmap whose table numbers the actions that modules declare (SMAN §4.2.1.2 « La première feuille de
# route bisannuelle », in the part « Évolutivité et agilité »): the only roadmap the SMAN fills in.
ACTIONS_ROADMAP = "2019-2020"


class ModuleConfig(AppConfig):
    """Base ``AppConfig`` of a module of the portal (see the module docstring)."""

    default_auto_field = "django.db.models.BigAutoField"

    nav: tuple[NavEntry, ...] = ()
    urls: tuple[tuple[str, str], ...] = ()
    api: str | None = None
    space_panel: str | None = None
    territory_panel: str | None = None
    action_panel: str | None = None
    object_panel: str | None = None
    report_section: str | None = None
    indicators: str | None = None
    roles: tuple = ()
    beat: dict = {}
    demo_loader: str | None = None
    reference_loader: str | None = None
    action_numbers: tuple[int, ...] = ()

    def ready(self):
        from .roles import register_role

        if self.indicators:
            import_module(self.indicators)
        for role in self.roles:
            register_role(role.key, role.label, role.description, role.requires_mfa)


def modules() -> list[ModuleConfig]:
    """The installed modules, in ``INSTALLED_APPS`` order."""
    return [config for config in apps.get_app_configs() if isinstance(config, ModuleConfig)]


@cache
def _load(path: str) -> Callable:
    return import_string(path)


def navigation(user) -> list[dict]:
    """The main navigation's module entries for ``user``, in order: the installed modules only."""
    entries = []
    for config in modules():
        for entry in config.nav:
            if entry.visible and not (user is not None and user.is_authenticated and _load(entry.visible)(user)):
                continue
            entries.append((entry.order, {"label": entry.label, "url": reverse(entry.url_name)}))
    return [entry for _, entry in sorted(entries, key=lambda pair: pair[0])]


def module_of_action(number: int) -> dict | None:
    """The installed module that implements action ``number`` of the roadmap table, as ``{"label", "url"}``
    (its first navigation entry), or None."""
    for config in modules():
        if number in config.action_numbers and config.nav:
            return {"label": config.nav[0].label, "url": reverse(config.nav[0].url_name)}
    return None


def action_links(label: str) -> list[dict]:
    """The action pages of the actions module ``label`` implements, as ``{"number", "url"}``."""
    config = apps.get_app_config(label)
    return [
        {"number": n, "url": reverse("actions:action_detail", args=[ACTIONS_ROADMAP, n])}
        for n in getattr(config, "action_numbers", ())
    ]


def url_includes() -> list[tuple[str, str]]:
    return [pair for config in modules() for pair in config.urls]


def api_modules() -> list:
    """The modules' API modules (each with ``ROUTES`` and, if any, ``api_urlpatterns``)."""
    return [import_module(config.api) for config in modules() if config.api]


def space_panels(request) -> list[SpacePanel]:
    """What every module has waiting for the signed-in user, in the modules' order."""
    panels = []
    for config in modules():
        if config.space_panel:
            panel = _load(config.space_panel)(request)
            if panel is not None:
                panels.append(panel)
    return sorted(panels, key=lambda panel: panel.order)


def territory_panels(territory) -> list[tuple[str, dict]]:
    """What every module has in ``territory`` (a commune, an EPT)."""
    found = []
    for config in modules():
        if config.territory_panel:
            panel = _load(config.territory_panel)(territory)
            if panel is not None:
                found.append(panel)
    return found


def action_panels(number: int) -> list[tuple[str, dict]]:
    """What the modules implementing action ``number`` of the roadmap table show on its page."""
    found = []
    for config in modules():
        if config.action_panel and number in config.action_numbers:
            panel = _load(config.action_panel)(number)
            if panel is not None:
                found.append(panel)
    return found


OBJECT_PLACES = ("top", "bottom")


def object_panels(obj, request, place: str = "bottom") -> list[tuple[str, dict]]:
    """What the modules show about ``obj`` at ``place`` of its page, in ``INSTALLED_APPS`` order."""
    if place not in OBJECT_PLACES:
        raise ValueError(f"unknown place {place!r}: one of {OBJECT_PLACES}")
    found = []
    for config in modules():
        if config.object_panel:
            panel = _load(config.object_panel)(obj, request, place)
            if panel is not None:
                found.append(panel)
    return found


def report_section(label: str, today) -> tuple[str, dict] | None:
    """What module ``label`` adds to its actions' section of the COPIL report on ``today``, or None."""
    config = next((c for c in modules() if c.label == label), None)
    if config is None or not config.report_section:
        return None
    return _load(config.report_section)(today)


def beat_schedule() -> dict:
    """Every module's periodic tasks; a name declared twice is an error."""
    schedule = {}
    for config in modules():
        for name, entry in config.beat.items():
            if name in schedule:
                raise ValueError(f"beat entry {name} declared by two modules")
            schedule[name] = entry
    return schedule


def loaders(kind: str) -> list[Callable]:
    """The modules' ``demo_loader`` or ``reference_loader`` functions, in ``INSTALLED_APPS`` order."""
    attribute = f"{kind}_loader"
    return [_load(getattr(config, attribute)) for config in modules() if getattr(config, attribute)]


def plural(count: int, one: str, many: str) -> str:
    """« 1 dossier à évaluer », « 3 dossiers à évaluer » (0 takes the singular in French)."""
    return f"{count} {one if count <= 1 else many}"


def add_count(todos: list, count: int, one: str, many: str, url: str) -> None:
    """Adds « 3 dossiers à évaluer » (a link to ``url``) to ``todos`` when ``count`` is not zero."""
    if count:
        todos.append(Todo(plural(count, one, many), url, count))
