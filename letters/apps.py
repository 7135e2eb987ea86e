from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LettersConfig(AppConfig):
    name = "letters"
    verbose_name = _("Decision letters")

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the CJK font check)
