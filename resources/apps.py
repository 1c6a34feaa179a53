from celery.schedules import crontab

from sman.modules import ModuleConfig, NavEntry
from sman.roles import Role


class ResourcesConfig(ModuleConfig):
    default = True  # apps.py also imports ModuleConfig: Django must know which config is the app's
    name = "resources"
    verbose_name = "Centre de ressources"

    nav = (NavEntry("Ressources", "resources:home", order=70),)
    action_numbers = (7,)  # animate the online resource centre (Annex 2, sheet #8)
    urls = (("ressources/", "resources.urls"),)
    api = "resources.api"
    space_panel = "resources.panels.space_panel"
    object_panel = "resources.panels.object_panel"
    territory_panel = "resources.panels.territory_panel"
    indicators = "resources.indicators"
    roles = (
        Role(
            "resources.moderator",
            "Modérateur du centre de ressources",
            "Relit les contributions, échange avec leurs auteurs, publie ou refuse.",
        ),
    )
    beat = {
        "resources-saved-search-alerts": {
            "task": "resources.tasks.saved_search_alerts",
            "schedule": crontab(minute=15, hour=6),
        },
    }
    demo_loader = "resources.demo.load_demo"
