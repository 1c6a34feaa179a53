from .modules import ModuleConfig, beat_schedule


class SmanConfig(ModuleConfig):
    default = True  # apps.py also imports ModuleConfig: Django must know which config is the app's
    name = "sman"
    verbose_name = "Socle du portail"

    beat = {
        # Often, and dropped when no worker took it within the minute (the next one will do).
        "recover-jobs": {"task": "sman.tasks.recover_jobs", "schedule": 60, "options": {"expires": 55}},
        "clear-expired-sessions": {"task": "sman.tasks.clear_expired_sessions", "schedule": 24 * 3600},
        "notification-digests": {
            "task": "sman.tasks.send_notification_digests",
            "schedule": 300,
            "options": {"expires": 290},
        },
    }

    def ready(self):
        super().ready()
        from . import mfa  # noqa: F401 — connects the signal receivers
        from .celery import app

        # One schedule, from every module's declaration (the beat process reads it once Django is set up).
        app.conf.beat_schedule = beat_schedule()
