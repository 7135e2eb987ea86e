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
        # A decision of the province filed with the ministry: a notice to the national supervisors.
        from notifications.events import EventSpec, register_event

        from .actions import MINISTRY_FILING_EVENT, SUSPENSION_NOTICE_EVENT
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
        # The notice to the person whose benefit an overdue confirmation suspended (SMS, fixed text).
        register_event(
            SUSPENSION_NOTICE_EVENT,
            EventSpec(
                label=_("A benefit was suspended: the annual confirmation is overdue"),
                title=_("Benefit suspended from %(from)s"),
                body=_("The benefit is suspended from %(from)s because the annual confirmation is overdue."),
                sms=_(
                    "【Veterans Affairs】Your benefit payment is suspended because the annual confirmation is "
                    "overdue. Please contact your veterans' affairs office to confirm; the months missed are paid "
                    "back once it is resumed."
                ),
                preference=False,
            ),
        )
        # The person's page shows their benefits paid here and the balance owed (core.panels).
        from . import workbench

        workbench.register()
        # Steps waiting for a person outside a case (core.steps): roster approvals, a township's
        # confirmations and spot checks; listed with every task, counted by the SLA scan.
        from . import confirmation_workbench, work_steps

        work_steps.register()
        # Above a county, the workbench links to the open campaigns' progress.
        confirmation_workbench.register()
