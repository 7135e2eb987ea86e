"""Who must pass two-factor (TOTP) before using the system.

``accounts`` owns the rule and its registry; it knows nothing of roles or jurisdictions.
A higher app that can tell why a user needs two-factor registers a requirement in its
``AppConfig.ready()`` (``jurisdictions`` registers "holds a role in ``LAUREL_2FA_ROLES``").
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from django.conf import settings

if TYPE_CHECKING:
    from .models import User

Requirement = Callable[["User"], bool]

_requirements: list[Requirement] = []


def register_two_factor_requirement(requirement: Requirement) -> None:
    """Add a reason for two-factor: ``requirement(user)`` is True when ``user`` needs it."""
    if requirement not in _requirements:
        _requirements.append(requirement)


def needs_two_factor(user: User) -> bool:
    """Superusers always (unless exempt demo users), anyone else when a registered requirement says so."""
    if user.is_demo and settings.LAUREL_2FA_EXEMPT_DEMO_USERS:
        return False
    if user.is_superuser:
        return True
    return any(requirement(user) for requirement in _requirements)
