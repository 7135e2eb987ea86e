from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PetitionsConfig(AppConfig):
    name = "petitions"
    verbose_name = _("Grievances (信访)")

    def ready(self) -> None:
        import datetime

        from core.jobs import PeriodicJob, register_periodic
        from subjects import extensions

        from . import registrations

        registrations.register()
        # Grievances recorded at collection become cases, by a job after the write commits.
        extensions.register_after_grievances("petitions.tasks.open_recorded_grievance")
        extensions.register_after_import("petitions.tasks.open_collected_grievances")
        register_periodic(
            PeriodicJob(
                "sweep_collected_grievances",
                "petitions.tasks.sweep_collected_grievances",
                every=datetime.timedelta(minutes=10),
            )
        )
