"""Time limits of a transfer's two sides: the overdue notice and the escalation.

Each side's step (``transfers.nodes``: the sending county's release, the receiving county's
acceptance) is a step of ``core.steps`` due ``LAUREL_TRANSFER_SLA_DAYS[step]`` working days (the
case calendar) after it reached that side (``Transfer.due_at``, and the step's ``due`` date). The
SLA scan (``cases.actions.sla.scan_steps``) counts it when overdue and runs its kind's reaction once
per due date: :func:`on_overdue`, which tells the side's approvers that the step is overdue and
escalates it (:func:`do_escalate_transfer`) to the supervisors of that side's division — the
holders of ``supervise`` over it, at the county or the level above
(``jurisdictions.scope.supervisors_of``), as a case's escalation goes to the supervisors of the
case's division.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from accounts.models import Actor
from audit.log import audited, record
from cases import sla as case_sla
from jurisdictions import scope
from notifications.outbox import notify

from . import nodes
from .models import Transfer

# Notification events (texts registered in ``transfers.registrations``; codes ≤ 32 characters).
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
    """Announce an overdue side's step to its approvers and escalate it to the supervisors of that
    side's division (once per step: ``escalated_at``, cleared when the file reaches the other side).

    Audited on the transfer at that side (``transfer.escalated``, naming the step, the due date and
    the supervisors reached); nothing happens if the step is not overdue or was already escalated.
    """
    locked = Transfer.objects.select_for_update().select_related("division", "to_division").get(pk=transfer.pk)
    if locked.escalated_at is not None or not locked.is_overdue:
        return locked
    code = locked.current_side_code
    step = locked.current_step
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
            "step": step,
            "due_at": due.isoformat(),
            "to": sorted(u.username for u in supervisors),
        },
    )
    context = _context(locked)
    notify(
        event=OVERDUE_EVENT,
        recipients=approvers_of_step(locked),
        context=context,
        dedupe_key=f"{OVERDUE_EVENT}:{locked.pk}:{step}",
        division_code=code,
        link=_link(locked),
    )
    notify(
        event=ESCALATED_EVENT,
        recipients=supervisors,
        context=context,
        dedupe_key=f"{ESCALATED_EVENT}:{locked.pk}:{step}",
        division_code=code,
        link=_link(locked),
    )
    return locked


def on_overdue(task: Any) -> None:
    """The reaction of a transfer's step kind when the SLA scan finds it overdue (``core.steps``)."""
    transfer = Transfer.objects.filter(pk=task.process.artifact_object_id).first()
    if transfer is not None:
        do_escalate_transfer(transfer)
