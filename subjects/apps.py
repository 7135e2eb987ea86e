from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SubjectsConfig(AppConfig):
    name = "subjects"
    verbose_name = _("Subjects")

    def ready(self) -> None:
        import datetime

        from core.jobs import PeriodicJob, register_periodic

        # Import batches whose job was lost (web process died between commit and enqueue, worker died).
        register_periodic(
            PeriodicJob("sweep_imports", "subjects.tasks.sweep_imports", every=datetime.timedelta(minutes=5))
        )
