"""Time limits of a transfer's two sides: reminders, overdue notices and escalation.

Each side's step (``transfers.nodes``: the sending county's release, the receiving county's
acceptance) is due ``LAUREL_TRANSFER_SLA_DAYS[step]`` working days (the case calendar) after it
reached that side (``Transfer.due_at``). :func:`scan_transfers` runs inside the case SLA scan
(``cases.actions.sla.scan_sla``, registered through ``cases.extensions.register_sla_scanner``) and
does for the transfers what it does for the cases: a reminder to the side's approvers within the
warning window (``LAUREL_CASE_SLA_WARN_DAYS``), an overdue notice to them, and once per step an
escalation (:func:`do_escalate_transfer`) to the supervisors of that side's division — the holders
of ``supervise`` over it, at the county or the level above (``jurisdictions.scope.supervisors_of``),
as a case's escalation goes to the supervisors of the case's division.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import Actor
from audit.log import audited, record
from cases import sla as case_sla
from jurisdictions import scope
from notifications.outbox import notify

from . import nodes
from .models import OPEN_STATUSES, Transfer

# Notification events (texts registered in ``transfers.registrations``; codes ≤ 32 characters).
APPROACHING_EVENT = "transfer.due_soon"
OVERDUE_EVENT = "transfer.overdue"
ESCALATED_EVENT = "transfer.escalated"


def approvers_of_step(transfer: Transfer) -> list[Any]:
    """Who works on the current step: the holders of its permission over that side's division."""
    step = transfer.current_step
    if not step:
        return []
    return scope.users_with_perm_at(nodes.PERMISSIONS[step], transfer.current_side_code)


def _context(transfer: Transfer) -> dict[str, Any]:
    due = transfer.due_at
    return {
        "transfer": transfer.number,
        "from": transfer.division.name,
        "to": transfer.to_division.name,
        "step": transfer.current_step,  # shown as words by ``words`` (the notification's language)
        "due": case_sla.local_date(due).isoformat() if due else "",
    }


def words(context: dict[str, Any]) -> dict[str, Any]:
    """A transfer notification's step code shown as the step's name in the current language."""
    step = str(context.get("step", ""))
    return {**context, "step": nodes.LABELS[step]} if step in nodes.LABELS else dict(context)


def _link(transfer: Transfer) -> str:
    return f"/transfers/{transfer.pk}/"


@audited
def do_escalate_transfer(transfer: Transfer, *, actor: Actor | None = None) -> Transfer:
    """Escalate an overdue side's step to the supervisors of that side's division (once per step).

    Audited on the transfer at that side (``transfer.escalated``, naming the step, the due date and
    the supervisors reached) and notified to them; nothing happens if the step is not overdue or
    was already escalated.
    """
    locked = Transfer.objects.select_for_update().select_related("division", "to_division").get(pk=transfer.pk)
    if locked.escalated_at is not None or not locked.is_overdue:
        return locked
    code = locked.current_side_code
    supervisors = scope.supervisors_of(code)
    locked.escalated_at = timezone.now()
    locked.save(update_fields=["escalated_at", "updated_at"])
    due = locked.due_at
    assert due is not None  # is_overdue
    record(
        event_type="transfer.escalated",
        actor=actor,
        object_type="transfers.transfer",
        object_id=str(locked.pk),
        division_code=code,
        data={
            "transfer": locked.number,
            "step": locked.current_step,
            "due_at": due.isoformat(),
            "to": sorted(u.username for u in supervisors),
        },
    )
    notify(
        event=ESCALATED_EVENT,
        recipients=supervisors,
        context=_context(locked),
        dedupe_key=f"{ESCALATED_EVENT}:{locked.pk}:{locked.current_step}",
        division_code=code,
        link=_link(locked),
    )
    return locked


def scan_transfers(now: datetime.datetime) -> dict[str, int]:
    """Remind of a side's due date within the warning window, announce overdue steps, escalate them.

    Each reminder and overdue notice reaches an approver once per step and due date (the outbox's
    dedupe key); escalation once per step. Returns the counts the case scan adds to its own.
    """
    warn = int(settings.LAUREL_CASE_SLA_WARN_DAYS)
    horizon = now + datetime.timedelta(days=warn * 3 + 14)
    counts = {"approaching": 0, "overdue": 0, "escalated": 0}
    transfers = Transfer.objects.filter(
        status__in=OPEN_STATUSES, due_at__isnull=False, due_at__lte=horizon
    ).select_related("division", "to_division")
    today = case_sla.local_date(now)
    for transfer in transfers.iterator():
        due = transfer.due_at
        assert due is not None
        step = transfer.current_step
        with transaction.atomic():
            approvers = approvers_of_step(transfer)
            context = _context(transfer)
            key = f"{transfer.pk}:{step}:{case_sla.local_date(due).isoformat()}"
            if due < now:
                counts["overdue"] += 1
                notify(
                    event=OVERDUE_EVENT,
                    recipients=approvers,
                    context=context,
                    dedupe_key=f"{OVERDUE_EVENT}:{key}",
                    division_code=transfer.current_side_code,
                    link=_link(transfer),
                )
                if transfer.escalated_at is None:
                    if do_escalate_transfer(transfer).escalated_at is not None:
                        counts["escalated"] += 1
            else:
                left = case_sla.working_days_between(today, case_sla.local_date(due))
                if left <= warn:
                    counts["approaching"] += 1
                    notify(
                        event=APPROACHING_EVENT,
                        recipients=approvers,
                        context={**context, "days": left},
                        dedupe_key=f"{APPROACHING_EVENT}:{key}",
                        division_code=transfer.current_side_code,
                        link=_link(transfer),
                    )
    return counts
