from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JurisdictionsConfig(AppConfig):
    name = "jurisdictions"
    verbose_name = _("Jurisdictions")

    def ready(self) -> None:
        from accounts.homes import register_home_division
        from accounts.security import register_security_administration
        from accounts.two_factor import register_two_factor_requirement

        from . import security
        from .queries import home_division_of
        from .two_factor import holds_a_two_factor_role

        register_two_factor_requirement(holds_a_two_factor_role)
        register_security_administration(security.administers, security.is_administrator)
        register_home_division(home_division_of)
