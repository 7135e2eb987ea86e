"""Background jobs of the cross-check app (queued by name through ``core.jobs``; nothing imports this module)."""

from __future__ import annotations

from django_tasks import task

from . import summary


@task()
def compact_problem_counts(slot: str = "") -> int:
    """Fold the dashboards' problem count deltas into one row per key (``crosscheck.summary``)."""
    return summary.compact()
