"""Two-factor by role: whoever holds a role of ``LAUREL_2FA_ROLES`` anywhere must pass TOTP.

Registered with ``accounts.two_factor`` in ``JurisdictionsConfig.ready()`` (accounts knows no roles).
"""

from __future__ import annotations

from django.conf import settings

from accounts.models import User

from .scope import membership_rows


def holds_a_two_factor_role(user: User) -> bool:
    """Holds such a role now or from a later date (ended memberships do not count; the shared cache answers)."""
    return any(row[1] in settings.LAUREL_2FA_ROLES for row in membership_rows(user))
