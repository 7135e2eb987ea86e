"""Two-factor by role: whoever holds a role of ``LAUREL_2FA_ROLES`` anywhere must pass TOTP.

Registered with ``accounts.two_factor`` in ``JurisdictionsConfig.ready()`` (accounts knows no roles).
"""

from __future__ import annotations

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from accounts.models import User


def holds_a_two_factor_role(user: User) -> bool:
    """Holds such a role now or from a later date (ended memberships do not count)."""
    today = timezone.localdate()
    return (
        user.memberships.filter(role__in=settings.LAUREL_2FA_ROLES)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gt=today))
        .exists()
    )
