from sman.modules import ModuleConfig, NavEntry


class ParticipationConfig(ModuleConfig):
    default = True  # apps.py also imports ModuleConfig: Django must know which config is the app's
    name = "participation"
    verbose_name = "Participation citoyenne"

    nav = (NavEntry("Participation", "participation:home", order=80),)
    # The shared citizen participation platform (roadmap action #5, sheet #6 of Annex 2).
    action_numbers = (5,)
    urls = (("participation/", "participation.urls"),)
    api = "participation.api"
    space_panel = "participation.panels.space_panel"
    territory_panel = "participation.panels.territory_panel"
    indicators = "participation.indicators"
    demo_loader = "participation.demo.load_demo"
