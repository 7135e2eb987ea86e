from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PetitionsConfig(AppConfig):
    name = "petitions"
    verbose_name = _("Grievances (信访)")

    def ready(self) -> None:
        from . import registrations

        registrations.register()
