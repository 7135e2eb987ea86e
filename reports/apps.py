from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Reports")

    def ready(self) -> None:
        from letters import kinds

        from .pdf import document_by_code

        # A submitted report's verification code is checked on the letters' public page.
        kinds.register_document_source(document_by_code)
