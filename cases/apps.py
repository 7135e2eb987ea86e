import datetime

from django.apps import AppConfig
from django.conf import settings
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = _("Cases")

    def ready(self) -> None:
        # A decision cites article versions of the policy base (policies.citations): shown on the case.
        from django.urls import reverse
        from django.utils.translation import gettext_lazy as _

        from core.jobs import PeriodicJob, register_periodic
        from policies.citations import register_document

        register_document("cases.case", _("Case"), lambda pk: reverse("cases:detail", args=[pk]))

        from .notify import register_events

        register_events()  # the case events' texts, with notifications
        register_periodic(
            PeriodicJob(
                "scan_sla",
                "cases.tasks.scan_sla",
                every=lambda: datetime.timedelta(minutes=int(settings.LAUREL_NOTIFY_SLA_SCAN_MINUTES)),
            )
        )

        # The dashboards' case counts: every save writes its delta; the deltas are folded here.
        from . import summary

        summary.connect()
        register_periodic(
            PeriodicJob("compact_case_counts", "cases.tasks.compact_case_counts", every=datetime.timedelta(minutes=10))
        )

        # The letters of a case (kinds, their content, how letters reach a case): letters.kinds.
        from . import letters

        letters.register()

        # The SLA stage lengths are cached (cases.sla): every change retires them. The calendar is the
        # policy base's (policies.calendar), cached and retired there.
        from django.db.models.signals import post_delete, post_save

        from . import sla
        from .models import SlaRule

        def rules_changed(**kwargs: object) -> None:
            sla.forget_rules()

        for signal in (post_save, post_delete):
            signal.connect(rules_changed, sender=SlaRule, dispatch_uid=f"laurel_sla_rule_{signal is post_save}")

        # The tasks an action creates are the ones it announces (cases.notify.new_tasks).
        from viewflow.workflow.models import Task

        from .notify import task_saved

        post_save.connect(task_saved, sender=Task, dispatch_uid="laurel_case_task_created")
        # The workbench's panels, the person's page's cases and the quick search (core.panels).
        from . import workbench

        workbench.register()
        # The benefits pages find an overpayment's recovery case and file one (benefits.recovery_cases).
        from . import recoveries

        recoveries.register()
