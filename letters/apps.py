from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LettersConfig(AppConfig):
    name = "letters"
    verbose_name = _("Decision letters")

    def ready(self) -> None:
        import datetime

        # A letter cites the article versions its decision cited (policies.citations).
        from django.urls import reverse
        from django.utils.translation import gettext_lazy as _

        from policies.citations import register_document

        register_document("letters.letter", _("Letter"), lambda pk: reverse("letters:detail", args=[pk]))

        from core.jobs import PeriodicJob, register_periodic

        from . import checks  # noqa: F401  (registers the CJK font check)

        register_periodic(
            PeriodicJob("requeue_letters", "letters.tasks.requeue_pending", every=datetime.timedelta(minutes=10))
        )

        # The person's letters on their page (core.panels).
        from . import workbench

        workbench.register()
