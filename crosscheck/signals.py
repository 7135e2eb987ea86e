"""Settle a send-down case once the cases app has applied it to the register.

The cases app knows nothing of cross-checking; this receiver runs inside the same
transaction as ``cases.actions.do_apply_decision`` (the case's save with status "applied"),
so the benefits end and the overpayment is recorded together with the decision, or not at all.
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver

from cases.models import Case, Status


@receiver(post_save, sender=Case, dispatch_uid="crosscheck_settle_applied_case")
def settle_applied_case(sender: type[Case], instance: Case, created: bool, **kwargs: Any) -> None:
    if created or instance.status != Status.APPLIED:
        return
    from .actions import do_settle_case
    from .models import Discrepancy, DiscrepancyStatus

    if Discrepancy.objects.filter(case_id=instance.pk, status=DiscrepancyStatus.SENT).exists():
        do_settle_case(instance, actor=instance.decided_by)
