from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PoliciesConfig(AppConfig):
    name = "policies"
    verbose_name = _("Policy base")

    def ready(self) -> None:
        # The calendar is cached (policies.calendar): every change of a day or a year retires it,
        # whatever made it (the actions do it too; this covers the admin site).
        from django.db.models.signals import post_delete, post_save

        from . import calendar
        from .models import CalendarDay, CalendarYear

        def calendar_changed(**kwargs: object) -> None:
            calendar.forget()

        for signal in (post_save, post_delete):
            for model in (CalendarDay, CalendarYear):
                uid = f"laurel_calendar_{model.__name__}_{signal is post_save}"
                signal.connect(calendar_changed, sender=model, dispatch_uid=uid)
