from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QualityConfig(AppConfig):
    name = "quality"
    verbose_name = _("Quality review")

    def ready(self) -> None:
        # Reviews waiting for a finding are steps (core.steps) in the supervisors' task lists.
        from . import workbench

        workbench.register()
