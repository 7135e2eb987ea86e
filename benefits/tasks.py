"""Background jobs of the benefits app (``django.tasks`` API), queued by name through ``core.jobs``."""

from __future__ import annotations

from django.utils import timezone
from django_tasks import task

from .actions import do_pay_month


@task()
def pay_month(slot: str = "") -> int:
    """Store this month's regular line of every active benefit that has none (idempotent: daily)."""
    return do_pay_month(timezone.localdate())


@task()
def suspend_overdue_confirmations(slot: str = "") -> int:
    """Suspend the benefits of people whose annual confirmation is still open after the grace period."""
    from . import confirmation

    return confirmation.suspend_overdue(timezone.localdate())
