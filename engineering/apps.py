from celery.schedules import crontab

from sman.modules import ModuleConfig, NavEntry
from sman.roles import Role


class EngineeringConfig(ModuleConfig):
    default = True  # apps.py also imports ModuleConfig: Django must know which config is the app's
    name = "engineering"
    verbose_name = "Pôle d'ingénierie, Start-up de métropole et lieux"

    nav = (NavEntry("Accompagnement", "engineering:home", order=85),)
    # #11 pôle d'ingénierie, #12 Start-up de métropole, #4 fabrication spaces, #15 digital cultural spaces,
    # #16 exchange of vacant spaces.
    action_numbers = (11, 12, 4, 15, 16)
    urls = (("accompagnement/", "engineering.urls"),)
    api = "engineering.api"
    space_panel = "engineering.panels.space_panel"
    territory_panel = "engineering.panels.territory_panel"
    indicators = "engineering.indicators"
    roles = (
        Role(
            "engineering.expert",
            "Expert du pôle d'ingénierie",
            "Traite les demandes d'accompagnement qui lui sont confiées : messages et livrables.",
        ),
    )
    beat = {
        "engineering-due-reminders": {
            "task": "engineering.tasks.remind_due_requests",
            "schedule": crontab(minute=15, hour=8),
        }
    }
    demo_loader = "engineering.demo.load_demo"
