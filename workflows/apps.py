from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkflowsConfig(AppConfig):
    name = "workflows"
    verbose_name = _("Workflows")

    def ready(self) -> None:
        from cases.processes import DEFAULT, register_starter

        from .flows import start_case_process

        register_starter(DEFAULT, start_case_process)
