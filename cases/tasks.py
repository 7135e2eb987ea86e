"""Background jobs of the cases app (queued by name through ``core.jobs``; nothing imports this module)."""

from __future__ import annotations

from django.utils import timezone
from django_tasks import task

from . import summary
from .actions.sla import scan_sla as scan
from .actions.sla import scan_steps


@task()
def scan_sla(slot: str) -> dict[str, int]:
    """Remind of approaching due dates, announce overdue steps and escalate them to supervisors;
    count the overdue steps that are not a case's (``core.steps``) and run their kinds' reactions."""
    now = timezone.now()
    return {**scan(now), **scan_steps(now)}


@task()
def compact_case_counts(slot: str = "") -> int:
    """Fold the dashboards' case count deltas into one row per key (``cases.summary``)."""
    return summary.compact()
