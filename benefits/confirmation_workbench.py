"""The workbench panel of the annual confirmation: people still to confirm and confirmations drawn
for a spot check (抽查), per open campaign, in the user's jurisdiction (one query per campaign)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q

from core import panels
from jurisdictions import scope
from jurisdictions.perms import APPROVE_CASES, HANDLE_CASES, SUPERVISE

from . import confirmation
from .models import CampaignStatus, ConfirmationItem, ConfirmationStatus, SpotCheck

LIMIT = 5


def confirmation_tasks(user: Any) -> dict[str, Any] | None:
    if not user.is_authenticated or not any(
        scope.codes_with(user, c) for c in (HANDLE_CASES, APPROVE_CASES, SUPERVISE)
    ):
        return None
    rows: list[dict[str, Any]] = []
    campaigns = confirmation.campaigns_for(user).filter(status=CampaignStatus.OPEN)[:LIMIT]
    if not scope.within_county(user):
        # Above a county the counts would read a whole city's or province's items on every
        # workbench view: the panel links to the campaigns' progress pages instead.
        rows = [{"campaign": campaign, "summary_only": True} for campaign in campaigns]
        return {"rows": rows} if rows else None
    for campaign in campaigns:
        counts = scope.scoped(ConfirmationItem.objects.filter(campaign=campaign), user).aggregate(
            open=Count("id", filter=Q(status=ConfirmationStatus.OPEN)),
            overdue=Count("id", filter=Q(status=ConfirmationStatus.OVERDUE)),
            spot=Count("id", filter=Q(spot_check=SpotCheck.PENDING) & ~Q(confirmed_by=user)),
        )
        if counts["open"] or counts["overdue"] or counts["spot"]:
            rows.append({"campaign": campaign, **counts})
    if not rows:
        return None
    return {"rows": rows}


def register() -> None:
    for place in (panels.WORKBENCH, panels.INBOX):  # the workbench and the inbox's other work
        panels.register(
            place,
            panels.Panel("confirmation", "benefits/panels/confirmation_tasks.html", confirmation_tasks, order=45),
        )
