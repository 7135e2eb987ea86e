from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BenefitsConfig(AppConfig):
    name = "benefits"
    verbose_name = _("Benefits")

    def ready(self) -> None:
        import datetime

        from core.jobs import PeriodicJob, register_periodic

        # Each month's regular lines, stored early every day (a rerun in the month adds nothing).
        register_periodic(PeriodicJob("benefits_pay_month", "benefits.tasks.pay_month", daily_at=datetime.time(1, 30)))
        # The person's page shows their benefits paid here and the balance owed (core.panels).
        from . import workbench

        workbench.register()
