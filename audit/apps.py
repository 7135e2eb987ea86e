from django.apps import AppConfig
from django.conf import settings
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = _("Audit trail")

    def ready(self) -> None:
        import datetime

        from core.jobs import PeriodicJob, register_periodic

        from . import signals

        register_periodic(
            PeriodicJob(
                "audit_checkpoint",
                "audit.tasks.checkpoint",
                every=lambda: datetime.timedelta(minutes=int(settings.LAUREL_AUDIT_CHECKPOINT_MINUTES)),
            )
        )

        if getattr(settings, "LAUREL_AUDIT_ALLOW_SUPERUSER_TRUNCATE", False):
            signals.connect_test_flush()
