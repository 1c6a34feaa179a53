from sman.modules import ModuleConfig, NavEntry


class ContestsConfig(ModuleConfig):
    default = True  # apps.py also imports ModuleConfig: Django must know which config is the app's
    name = "contests"
    verbose_name = "Prix et concours"

    nav = (NavEntry("Prix et concours", "contests:list", order=75),)
    # The thematic prizes of Grand Paris Métropole Tech serve action #6 and the resource centre's contests action
    # #7, but the plan's data names one module per action (the marketplace, the resource centre): this one links
    # to both actions from its home page instead of declaring them.
    urls = (("prix-et-concours/", "contests.urls"),)
    space_panel = "contests.panels.space_panel"
    object_panel = "contests.panels.object_panel"
    indicators = "contests.indicators"
    demo_loader = "contests.demo.load_demo"
