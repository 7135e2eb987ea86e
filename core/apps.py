from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """What is not a domain noun: errors with their HTTP meaning, the job registry, file readers."""

    name = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        import datetime

        from django.core.signals import request_finished, request_started
        from django.db.backends.signals import connection_created

        from . import cache
        from .jobs import PeriodicJob, register_periodic
        from .pgtypes import use_fast_timestamptz

        connection_created.connect(use_fast_timestamptz, dispatch_uid="core.pgtypes.fast_timestamptz")
        request_started.connect(cache.request_started, dispatch_uid="core.cache.request_started")
        request_finished.connect(cache.request_finished, dispatch_uid="core.cache.request_finished")

        register_periodic(
            PeriodicJob("recover_expired_jobs", "core.tasks.recover_expired_jobs", every=datetime.timedelta(minutes=1))
        )
        register_periodic(PeriodicJob("prune_access_logs", "core.tasks.prune_access_logs", daily_at=datetime.time(4)))
