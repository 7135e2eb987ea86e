"""Security administration by jurisdiction: the security administrator (``grant_roles``) over a
division where the user holds a role or is at home (registered with ``accounts.security`` in
``JurisdictionsConfig.ready()``)."""

from __future__ import annotations

from typing import Any

from accounts.models import Actor

from . import scope
from .models import Membership
from .perms import GRANT_ROLES
from .queries import home_division_of


def administers(actor: Actor, user: Any) -> bool:
    divisions = set(Membership.objects.filter(user=user).values_list("division_id", flat=True))
    home = home_division_of(user)
    if home:
        divisions.add(home)
    return any(scope.has_perm_at(actor, GRANT_ROLES, code) for code in sorted(divisions))


def is_administrator(actor: Actor) -> bool:
    return bool(scope.codes_with(actor, GRANT_ROLES))
