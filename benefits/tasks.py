"""Background jobs of the benefits app (``django.tasks`` API), queued by name through ``core.jobs``."""

from __future__ import annotations

from django.utils import timezone
from django_tasks import task

from .actions import do_pay_month


@task()
def pay_month(slot: str = "") -> int:
    """Store this month's regular line of every active benefit that has none (idempotent: daily)."""
    return do_pay_month(timezone.localdate())
