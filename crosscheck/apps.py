from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CrosscheckConfig(AppConfig):
    name = "crosscheck"
    verbose_name = _("Cross-checking")

    def ready(self) -> None:
        # Settle send-down cases when the cases app applies them (cases/ knows nothing of us).
        from . import signals  # noqa: F401
