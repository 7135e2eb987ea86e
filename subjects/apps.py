import datetime

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# The notification event of a finished import (its texts are registered in ready()).
IMPORT_FINISHED = "import.finished"


class SubjectsConfig(AppConfig):
    name = "subjects"
    verbose_name = _("Subjects")

    def ready(self) -> None:
        from core.jobs import PeriodicJob, register_periodic
        from notifications.events import EventSpec, register_event

        register_event(
            IMPORT_FINISHED,
            EventSpec(
                label=_("An import finished"),
                title=_("Import finished: %(name)s"),
                body=_("The import %(name)s finished: %(ok)s rows loaded, %(errors)s rows with errors."),
                email=True,
            ),
        )
        # Import batches whose job was lost (web process died between commit and enqueue, worker died).
        register_periodic(
            PeriodicJob("sweep_imports", "subjects.tasks.sweep_imports", every=datetime.timedelta(minutes=5))
        )
        # The dashboards' subject counts: every save writes its delta; the deltas are folded here.
        from . import summary

        summary.connect()
        register_periodic(
            PeriodicJob(
                "compact_subject_counts", "subjects.tasks.compact_subject_counts", every=datetime.timedelta(minutes=10)
            )
        )

        # The workbench's quick search finds people (core.panels).
        from . import workbench

        workbench.register()
