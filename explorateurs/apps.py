from celery.schedules import crontab

from sman.modules import ModuleConfig, NavEntry


class ExplorateursConfig(ModuleConfig):
    default = True  # apps.py also imports ModuleConfig: Django must know which config is the app's
    name = "explorateurs"
    verbose_name = "Explorateurs du numérique"

    nav = (NavEntry("Explorateurs", "explorateurs:home", order=50),)
    action_numbers = (9,)  # the Explorateurs du numérique programme
    urls = (("explorateurs/", "explorateurs.urls"),)
    api = "explorateurs.api"
    space_panel = "explorateurs.panels.space_panel"
    territory_panel = "explorateurs.panels.territory_panel"
    indicators = "explorateurs.indicators"
    beat = {
        "explorateurs-event-reminders": {
            "task": "explorateurs.tasks.send_event_reminders",
            "schedule": crontab(minute=0, hour=9),
        }
    }
    demo_loader = "explorateurs.demo.load_demo"
    reference_loader = "explorateurs.reference.load_reference"
