"""Settle a send-down case once the cases app has applied it to the register.

The cases app knows nothing of cross-checking: ``cases.actions.do_apply_decision`` announces
``cases.signals.case_applied`` inside its transaction, so the benefits end and the overpayment
is recorded together with the decision, or not at all.
"""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from accounts.models import Actor
from cases.models import Case
from cases.signals import case_applied


@receiver(case_applied, sender=Case, dispatch_uid="crosscheck_settle_applied_case")
def settle_applied_case(sender: type[Case], case: Case, actor: Actor, **kwargs: Any) -> None:
    from .actions import do_settle_case
    from .models import Discrepancy, DiscrepancyStatus

    if Discrepancy.objects.filter(case_id=case.pk, status=DiscrepancyStatus.SENT).exists():
        do_settle_case(case, actor=actor)
