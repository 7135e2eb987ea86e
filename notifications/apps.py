import datetime

from django.apps import AppConfig
from django.conf import settings
from django.utils.translation import gettext_lazy as _


def _minutes(setting: str) -> "datetime.timedelta":
    return datetime.timedelta(minutes=int(getattr(settings, setting)))


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from core.jobs import PeriodicJob, register_periodic

        from . import initial_links

        initial_links.register()  # texts a new account's one-time link (accounts.couriers)

        minute = datetime.timedelta(minutes=1)
        register_periodic(PeriodicJob("sweep_outbox", "notifications.tasks.sweep_outbox", every=minute))
        register_periodic(
            PeriodicJob(
                "send_batches",
                "notifications.tasks.send_batches",
                every=lambda: _minutes("LAUREL_NOTIFY_BATCH_MINUTES"),
            )
        )
        register_periodic(
            PeriodicJob(
                "send_digests",
                "notifications.tasks.send_digests",
                daily_at=lambda: datetime.time(int(settings.LAUREL_NOTIFY_DIGEST_HOUR)),
            )
        )
        register_periodic(
            PeriodicJob("prune_scheduled_runs", "notifications.tasks.prune_scheduled_runs", daily_at=datetime.time(3))
        )

        # The workbench's unread notifications (core.panels).
        from . import workbench

        workbench.register()
