from celery.schedules import crontab

from sman.modules import ModuleConfig, NavEntry


class MarketplaceConfig(ModuleConfig):
    default = True  # apps.py also imports ModuleConfig: Django must know which config is the app's
    name = "marketplace"
    verbose_name = "J'adopte une innovation et Grand Paris Métropole Tech"

    nav = (NavEntry("J'adopte une innovation", "marketplace:home", order=60),)
    action_numbers = (6,)  # the marketplace connecting the collectivities' needs and the digital actors' solutions
    urls = (("adopte-une-innovation/", "marketplace.urls"),)
    api = "marketplace.api"
    space_panel = "marketplace.panels.space_panel"
    object_panel = "marketplace.panels.object_panel"
    territory_panel = "marketplace.panels.territory_panel"
    indicators = "marketplace.indicators"
    beat = {
        "marketplace-follow-ups": {
            "task": "marketplace.tasks.ask_follow_ups",
            "schedule": crontab(minute=15, hour=8),
        },
        "marketplace-lexeme-stats": {
            "task": "marketplace.tasks.refresh_lexeme_stats",
            "schedule": crontab(minute=40, hour=3),
        },
    }
    # Its part of action #6's section in the COPIL report: needs posted, answered and adopted per semester.
    report_section = "marketplace.reports.copil_section"
    demo_loader = "marketplace.demo.load_demo"
    reference_loader = "marketplace.reference.load_reference"
