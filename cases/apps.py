import datetime

from django.apps import AppConfig
from django.conf import settings
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = _("Cases")

    def ready(self) -> None:
        from core.jobs import PeriodicJob, register_periodic

        from .notify import register_events

        register_events()  # the case events' texts, with notifications
        register_periodic(
            PeriodicJob(
                "scan_sla",
                "cases.tasks.scan_sla",
                every=lambda: datetime.timedelta(minutes=int(settings.LAUREL_NOTIFY_SLA_SCAN_MINUTES)),
            )
        )

        # The letters of a case (kinds, their content, how letters reach a case): letters.kinds.
        from . import letters

        letters.register()

        # The workbench's panels, the person's page's cases and the quick search (core.panels).
        from . import workbench

        workbench.register()
