from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TransfersConfig(AppConfig):
    name = "transfers"
    verbose_name = _("Transfers between jurisdictions")

    def ready(self) -> None:
        # The workbench panel, the person's page (button, panel, history names), the case timeline.
        from . import registrations

        registrations.register()
