"""Two-factor by role: whoever holds a role of ``LAUREL_2FA_ROLES`` anywhere must pass TOTP.

Registered with ``accounts.two_factor`` in ``JurisdictionsConfig.ready()`` (accounts knows no roles).
"""

from __future__ import annotations

from django.conf import settings

from accounts.models import User


def holds_a_two_factor_role(user: User) -> bool:
    return user.memberships.filter(role__in=settings.LAUREL_2FA_ROLES).exists()
