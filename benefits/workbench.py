"""The benefits panel on the person's page (core.panels): paid benefits, balance owed, the ledger's door."""

from __future__ import annotations

from typing import Any

from core import panels
from jurisdictions import scope
from jurisdictions.perms import APPROVE_CASES

from . import queries
from .models import Entitlement, RecoveryItem, Roster, RosterStatus

ROSTER_LIMIT = 10


def subject_benefits(user: Any, *, subject: Any) -> dict[str, Any] | None:
    entitlements = list(
        Entitlement.objects.filter(subject=subject).select_related("benefit").order_by("effective_month", "id")
    )
    has_recoveries = RecoveryItem.objects.filter(subject=subject).exists()
    if not entitlements and not has_recoveries:
        return None
    return {"subject": subject, "entitlements": entitlements, "balance": queries.balance_of(subject)}


def rosters_to_approve(user: Any) -> dict[str, Any] | None:
    """Rosters waiting for this approver (maker-checker: never the roster's own maker). One query."""
    if not user.is_authenticated or not scope.codes_with(user, APPROVE_CASES):
        return None
    waiting = list(
        scope.scoped(Roster.objects.filter(status=RosterStatus.DRAFT), user, codename=APPROVE_CASES)
        .exclude(made_by=user)
        .select_related("division", "made_by")
        .order_by("period", "id")[: ROSTER_LIMIT + 1]
    )
    if not waiting:
        return None
    for roster in waiting:
        maker = roster.made_by
        roster.maker_name = (maker.get_full_name() or maker.username) if maker else "—"
    return {"rosters": waiting[:ROSTER_LIMIT], "more": len(waiting) > ROSTER_LIMIT}


def register() -> None:
    panels.register(
        panels.WORKBENCH,
        panels.Panel("rosters-to-approve", "benefits/panels/rosters_to_approve.html", rosters_to_approve, order=25),
    )
    panels.register(
        panels.SUBJECT, panels.Panel("benefits", "benefits/panels/subject_benefits.html", subject_benefits, order=15)
    )
