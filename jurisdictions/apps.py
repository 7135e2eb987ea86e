from typing import Any

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

        from django.db.models.signals import post_delete, post_save

        from audit.log import register_role_source

        from .models import Membership
        from .scope import audit_roles, forget_user_memberships

        def membership_changed(sender: Any, instance: Membership, **kwargs: Any) -> None:
            forget_user_memberships(instance.user_id)

        # Every change of a membership, whoever makes it, retires the user's cached memberships.
        post_save.connect(membership_changed, sender=Membership, dispatch_uid="laurel_membership_saved")
        post_delete.connect(membership_changed, sender=Membership, dispatch_uid="laurel_membership_deleted")
        register_role_source(audit_roles)
