from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """What is not a domain noun: errors with their HTTP meaning, the job registry, file readers."""

    name = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        import datetime

        from .jobs import PeriodicJob, register_periodic

        register_periodic(
            PeriodicJob("recover_expired_jobs", "core.tasks.recover_expired_jobs", every=datetime.timedelta(minutes=1))
        )
        register_periodic(PeriodicJob("prune_access_logs", "core.tasks.prune_access_logs", daily_at=datetime.time(4)))
