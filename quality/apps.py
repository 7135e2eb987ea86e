from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QualityConfig(AppConfig):
    name = "quality"
    verbose_name = _("Quality review")

    def ready(self) -> None:
        # The workbench panel of reviews waiting for a finding (core.panels).
        from . import workbench

        workbench.register()
