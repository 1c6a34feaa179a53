from celery.schedules import crontab

from sman.modules import ModuleConfig, NavEntry


class PassNumeriqueConfig(ModuleConfig):
    default = True  # apps.py also imports ModuleConfig: Django must know which config is the app's
    name = "passnumerique"
    verbose_name = "Pass Numérique"

    nav = (NavEntry("Pass Numérique", "passnumerique:home", order=40),)
    action_numbers = (3,)  # deployment of the Pass Numérique
    urls = (("pass-numerique/", "passnumerique.urls"),)
    api = "passnumerique.api"
    space_panel = "passnumerique.panels.space_panel"
    territory_panel = "passnumerique.panels.territory_panel"
    indicators = "passnumerique.indicators"
    beat = {
        "pass-monthly-statements": {
            "task": "passnumerique.tasks.monthly_statements",
            "schedule": crontab(minute=30, hour=2, day_of_month=1),
        },
        "pass-expiry": {"task": "passnumerique.tasks.expiry_daily", "schedule": crontab(minute=0, hour=7)},
    }
    demo_loader = "passnumerique.demo.load_demo"
