from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditUiConfig(AppConfig):
    """The auditor's workspace: search, timelines, exports and chain status over ``audit``'s log."""

    name = "audit_ui"
    verbose_name = _("Audit workspace")

    def ready(self) -> None:
        # The auditor's workbench panel (core.panels).
        from . import workbench

        workbench.register()
