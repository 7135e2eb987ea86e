"""The benefits panel on the person's page (core.panels): paid benefits, balance owed, the ledger's door."""

from __future__ import annotations

from typing import Any

from core import panels

from . import queries
from .models import Entitlement, RecoveryItem


def subject_benefits(user: Any, *, subject: Any) -> dict[str, Any] | None:
    entitlements = list(
        Entitlement.objects.filter(subject=subject).select_related("benefit").order_by("effective_month", "id")
    )
    has_recoveries = RecoveryItem.objects.filter(subject=subject).exists()
    if not entitlements and not has_recoveries:
        return None
    return {"subject": subject, "entitlements": entitlements, "balance": queries.balance_of(subject)}


def register() -> None:
    panels.register(
        panels.SUBJECT, panels.Panel("benefits", "benefits/panels/subject_benefits.html", subject_benefits, order=15)
    )
