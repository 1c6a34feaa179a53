from sman.modules import ModuleConfig, NavEntry
from sman.roles import Role


class ActionsConfig(ModuleConfig):
    default = True  # apps.py also imports ModuleConfig: Django must know which config is the app's
    name = "actions"
    verbose_name = "Feuille de route et COPIL"

    nav = (
        NavEntry("Feuille de route", "actions:plan", order=10),
        NavEntry("COPIL", "actions:dashboard", order=90, visible="actions.permissions.can_follow_copil"),
    )
    urls = (("", "actions.urls"),)
    api = "actions.api"
    space_panel = "actions.panels.space_panel"
    # The territorial observatory is reached from the territories' pages (this panel, the list of territories), not
    # from the main navigation: it belongs under « Territoires ».
    territory_panel = "actions.panels.territory_panel"
    roles = (Role("actions.copil_member", "Membre du COPIL", "Membre du comité de pilotage d'exécution du SMAN."),)
    indicators = "actions.providers"
    beat = {
        "record-computed-indicators": {"task": "actions.tasks.record_computed_indicators", "schedule": 24 * 3600},
    }
    reference_loader = "actions.reference.load_plan"
    demo_loader = "actions.demo.load_demo"
