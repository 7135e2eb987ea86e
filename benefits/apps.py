from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BenefitsConfig(AppConfig):
    name = "benefits"
    verbose_name = _("Benefits")

    def ready(self) -> None:
        # The person's page shows their benefits paid here and the balance owed (core.panels).
        from . import workbench

        workbench.register()
