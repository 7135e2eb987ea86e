from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LettersConfig(AppConfig):
    name = "letters"
    verbose_name = _("Decision letters")

    def ready(self) -> None:
        import datetime

        from core.jobs import PeriodicJob, register_periodic

        from . import checks  # noqa: F401  (registers the CJK font check)

        register_periodic(
            PeriodicJob("requeue_letters", "letters.tasks.requeue_pending", every=datetime.timedelta(minutes=10))
        )

        # The person's letters on their page (core.panels).
        from . import workbench

        workbench.register()
