from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    """The public door: a person follows and rates their own case (no staff sign-in); other
    departments ask yes/no questions of the register."""

    name = "portal"
    verbose_name = _("Public pages")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from benefits.notices import OBJECTION_CASE_OPENERS
        from notifications.events import EventSpec, register_event

        from .actions import CODE_EVENT, open_objection_case

        # An objection to a 公示 (benefits, below cases) becomes a case: the opener lives here.
        if open_objection_case not in OBJECTION_CASE_OPENERS:
            OBJECTION_CASE_OPENERS.append(open_objection_case)

        register_event(
            CODE_EVENT,
            EventSpec(
                label=_("One-time code of the public tracking page"),
                title=_("Your one-time code"),
                body=_("Your one-time code was sent by SMS."),
                sms=_(
                    "【Veterans Affairs】Your code for following your case is %(code)s, valid for 5 minutes. "
                    "Do not tell anyone."
                ),
                preference=False,
            ),
        )
