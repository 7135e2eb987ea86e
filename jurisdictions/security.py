"""Security administration by jurisdiction: whoever holds ``administer`` over a division where the
user holds a role (registered with ``accounts.security`` in ``JurisdictionsConfig.ready()``)."""

from __future__ import annotations

from typing import Any

from . import scope
from .models import Membership
from .perms import ADMINISTER


def administers(actor: Any, user: Any) -> bool:
    divisions = Membership.objects.filter(user=user).values_list("division_id", flat=True)
    return any(scope.has_perm_at(actor, ADMINISTER, code) for code in divisions)


def is_administrator(actor: Any) -> bool:
    return bool(scope.codes_with(actor, ADMINISTER))
