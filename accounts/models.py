"""Staff users. Roles and jurisdictions are memberships (jurisdictions.models.Membership)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from . import two_factor


class User(AbstractUser):
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    is_demo = models.BooleanField(
        _("demo user"),
        default=False,
        help_text=_("Created by seed_demo; may be exempt from two-factor login in development only."),
    )

    # Blind index (HMAC) of the staff member's own national ID number, set by
    # subjects.ids.blind_index; lets recusal rules refuse action on one's own case.
    id_number_hmac = models.CharField(_("ID number blind index"), max_length=64, blank=True, db_index=True)

    class Meta(AbstractUser.Meta):
        verbose_name = _("user")  # type: ignore[assignment]  # stubs type Meta labels as str
        verbose_name_plural = _("users")  # type: ignore[assignment]

    def needs_two_factor(self) -> bool:
        """Whether this user must pass TOTP before using the system (``accounts.two_factor``)."""
        return two_factor.needs_two_factor(self)
