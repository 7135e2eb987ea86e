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
        # Confirmation items still open after a campaign's grace period suspend the benefit.
        register_periodic(
            PeriodicJob(
                "benefits_confirmation_overdue",
                "benefits.tasks.suspend_overdue_confirmations",
                daily_at=datetime.time(2, 0),
            )
        )
        # The person's page shows their benefits paid here and the balance owed (core.panels).
        from . import workbench

        workbench.register()
        # The annual confirmation's tasks on the workbench (people to confirm, spot checks).
        from . import confirmation_workbench

        confirmation_workbench.register()
