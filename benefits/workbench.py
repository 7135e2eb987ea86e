"""The benefits panels (core.panels): on the person's page, paid benefits, balance owed and the ledger's
door; on the caseworkers' workbench, the overpayments waiting for a recovery case (Art. 58). A roster
waiting for approval is a step (``benefits.work_steps``), listed with every other task."""

from __future__ import annotations

from typing import Any

from core import panels
from jurisdictions import scope
from jurisdictions.perms import HANDLE_CASES

from . import queries, recovery_cases
from .models import Entitlement, RecoveryItem, RecoveryStatus

LIMIT = 10
# Overpayments read to find the first LIMIT without an undecided case.
SCAN = 50


def subject_benefits(user: Any, *, subject: Any) -> dict[str, Any] | None:
    entitlements = list(
        Entitlement.objects.filter(subject=subject).select_related("benefit").order_by("effective_month", "id")
    )
    has_recoveries = RecoveryItem.objects.filter(subject=subject).exists()
    if not entitlements and not has_recoveries:
        return None
    return {"subject": subject, "entitlements": entitlements, "balance": queries.balance_of(subject)}


def recoveries_to_decide(user: Any) -> dict[str, Any] | None:
    """Caseworkers: the overpayments in their jurisdiction that wait for a recovery case (none filed,
    or the last one rejected or withdrawn), oldest first; each leads to the person's benefit page, where
    the case is filed. The case's approval is then a task like any other (inbox, workbench)."""
    if not scope.codes_with(user, HANDLE_CASES):
        return None
    candidates = list(
        RecoveryItem.objects.filter(scope.scope_q(user, codename=HANDLE_CASES), status=RecoveryStatus.OPEN)
        .select_related("subject")
        .order_by("created_at", "id")[:SCAN]
    )
    found = recovery_cases.cases_of(item.pk for item in candidates) if candidates else {}
    rows = [item for item in candidates if not (item.pk in found and found[item.pk].open)]
    return {"rows": rows[:LIMIT], "more": len(rows) > LIMIT}


def register() -> None:
    for place in (panels.WORKBENCH, panels.INBOX):  # the workbench and the inbox's other work
        panels.register(
            place,
            panels.Panel("recoveries", "benefits/panels/recoveries_to_decide.html", recoveries_to_decide, order=25),
        )
    panels.register(
        panels.SUBJECT, panels.Panel("benefits", "benefits/panels/subject_benefits.html", subject_benefits, order=15)
    )
