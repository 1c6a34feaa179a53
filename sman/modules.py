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
- ``indicators``: the module whose import registers its computed indicators;
- ``roles``: the platform roles it declares (``sman.roles.Role``: moderator, jury…), registered when the app is
  ready; people hold them through ``sman.RoleAssignment`` rows granted by staff;
- ``beat``: its periodic tasks (Celery beat entries), merged into the one schedule;
- ``demo_loader`` / ``reference_loader``: what ``load_demo`` and ``load_reference`` run for it.

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


# Modules of the plan that have no app yet, shown as « bientôt » in the navigation until an app with this
# label is installed.
PLANNED = {
    "explorateurs": ("Explorateurs", 50),
    "marketplace": ("Place de marché", 60),
    "resources": ("Ressources", 70),
    "participation": ("Participation", 80),
}


class ModuleConfig(AppConfig):
    """Base ``AppConfig`` of a module of the portal (see the module docstring)."""

    default_auto_field = "django.db.models.BigAutoField"

    nav: tuple[NavEntry, ...] = ()
    urls: tuple[tuple[str, str], ...] = ()
    api: str | None = None
    space_panel: str | None = None
    territory_panel: str | None = None
    indicators: str | None = None
    roles: tuple = ()
    beat: dict = {}
    demo_loader: str | None = None
    reference_loader: str | None = None

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
    """The main navigation's module entries for ``user``, in order, with the planned modules as « bientôt »."""
    entries = []
    installed = {config.label for config in modules()}
    for config in modules():
        for entry in config.nav:
            if entry.visible and not (user is not None and user.is_authenticated and _load(entry.visible)(user)):
                continue
            entries.append((entry.order, {"label": entry.label, "url": reverse(entry.url_name), "soon": False}))
    for label, (title, order) in PLANNED.items():
        if label not in installed:
            entries.append((order, {"label": title, "url": None, "soon": True}))
    return [entry for _, entry in sorted(entries, key=lambda pair: pair[0])]


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
