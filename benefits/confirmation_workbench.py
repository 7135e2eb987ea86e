"""The workbench panel of the annual confirmation above a county: links to the open campaigns' progress.

What waits for someone — a township's people to confirm, its confirmations to spot-check — is a step
(``benefits.work_steps``), listed with every other task in the inbox, the workbench and the task API.
A city's or a province's staff have no such step of their own here, but follow the campaigns: the panel
links to the progress pages (no count is read on every workbench view)."""

from __future__ import annotations

from typing import Any

from core import panels
from jurisdictions import scope
from jurisdictions.perms import APPROVE_CASES, HANDLE_CASES, SUPERVISE

from . import confirmation
from .models import CampaignStatus

LIMIT = 5


def confirmation_tasks(user: Any) -> dict[str, Any] | None:
    if not user.is_authenticated or not any(
        scope.codes_with(user, c) for c in (HANDLE_CASES, APPROVE_CASES, SUPERVISE)
    ):
        return None
    if scope.within_county(user):
        return None  # the steps in the task lists say what waits
    campaigns = confirmation.campaigns_for(user).filter(status=CampaignStatus.OPEN)[:LIMIT]
    rows = [{"campaign": campaign, "summary_only": True} for campaign in campaigns]
    return {"rows": rows} if rows else None


def register() -> None:
    panels.register(
        panels.WORKBENCH,
        panels.Panel("confirmation", "benefits/panels/confirmation_tasks.html", confirmation_tasks, order=45),
    )
