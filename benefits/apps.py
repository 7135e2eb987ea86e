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
        # A decision of the province filed with the ministry: a notice to the national supervisors.
        from notifications.events import EventSpec, register_event

        from .actions import MINISTRY_FILING_EVENT
        from .models import FilingAction

        def words(context: dict[str, object]) -> dict[str, object]:
            shown = dict(context)
            action = str(context.get("action", ""))
            if action in FilingAction.values:
                shown["action"] = FilingAction(action).label
            return shown

        register_event(
            MINISTRY_FILING_EVENT,
            EventSpec(
                label=_("A province's decision on a benefit is filed with the ministry"),
                title=_("Filed with the ministry: case %(case)s"),
                body=_(
                    "The province decided case %(case)s (%(action)s of a benefit, Art. 59) "
                    "and filed it with the ministry."
                ),
                format=words,
            ),
        )
        # The person's page shows their benefits paid here and the balance owed (core.panels).
        from . import workbench

        workbench.register()
