"""Password rules with messages in the user's language.

Django 5.2 changed the minimum-length message's text, and its Chinese catalogue still has only
the old one, so the message came out in English: this validator says the same in a string of
our own catalogue.
"""

from __future__ import annotations

from django.contrib.auth import password_validation
from django.utils.translation import gettext as _


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    def get_error_message(self) -> str:
        return _("This password is too short: use at least %(count)d characters.") % {"count": self.min_length}

    def get_help_text(self) -> str:
        return _("At least %(count)d characters.") % {"count": self.min_length}
