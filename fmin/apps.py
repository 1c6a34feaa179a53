from celery.schedules import crontab

from sman.modules import ModuleConfig, NavEntry
from sman.roles import Role


class FminConfig(ModuleConfig):
    default = True  # apps.py also imports ModuleConfig: Django must know which config is the app's
    name = "fmin"
    verbose_name = "FMIN et Bâtisseurs du numérique"

    nav = (NavEntry("FMIN", "fmin:home", order=30),)
    # The FMIN and its thematic groups (#10); the metropolitan call for projects on PCAEM behaviours (#13), a
    # programme of the same call engine (fmin.Programme).
    action_numbers = (10, 13)
    action_panel = "fmin.panels.action_panel"
    urls = (("fmin/", "fmin.urls"),)
    api = "fmin.api"
    space_panel = "fmin.panels.space_panel"
    territory_panel = "fmin.panels.territory_panel"
    indicators = "fmin.indicators"
    roles = (Role("fmin.reviewer", "Évaluateur FMIN", "Membre du jury : note les dossiers qui lui sont confiés."),)
    beat = {"fmin-late-reports": {"task": "fmin.tasks.remind_late_reports", "schedule": crontab(minute=0, hour=8)}}
    demo_loader = "fmin.demo.load_demo"
    reference_loader = "fmin.reference.load_reference"  # the programmes (FMIN, PCAEM)
