from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# The notification event of a finished cross-check run (its texts are registered in ready()).
CROSSCHECK_FINISHED = "crosscheck.finished"


class CrosscheckConfig(AppConfig):
    name = "crosscheck"
    verbose_name = _("Cross-checking")

    def ready(self) -> None:
        import datetime

        from core.jobs import PeriodicJob, register_periodic
        from notifications.events import EventSpec, register_event

        # The dashboards' problem counts: every change writes its delta; the deltas are folded here.
        from . import summary

        summary.connect()
        register_periodic(
            PeriodicJob(
                "compact_problem_counts",
                "crosscheck.tasks.compact_problem_counts",
                every=datetime.timedelta(minutes=10),
            )
        )

        # Settle send-down cases when the cases app applies them (cases/ knows nothing of us).
        # The annual confirmation's living-evidence rules read our feeds (benefits owns the registry).
        from . import living, signals  # noqa: F401

        living.register()

        register_event(
            CROSSCHECK_FINISHED,
            EventSpec(
                label=_("A cross-check run finished"),
                title=_("Cross-check finished: %(name)s"),
                body=_("The cross-check %(name)s finished with %(problems)s problems found."),
                email=True,
            ),
        )
