from django.apps import AppConfig
from django.conf import settings
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = _("Audit trail")

    def ready(self) -> None:
        from . import signals

        if getattr(settings, "LAUREL_AUDIT_ALLOW_SUPERUSER_TRUNCATE", False):
            signals.connect_test_flush()
