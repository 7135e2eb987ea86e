from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """What is not a domain noun: errors with their HTTP meaning, the job registry, file readers."""

    name = "core"
    verbose_name = _("Core")
