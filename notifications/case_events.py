"""Case events: the one-line calls the cases actions make, and the periodic SLA scan.

Each ``notify_*`` helper must be called inside the cases action's transaction (after its
viewflow task ran), so the notification exists if and only if the action committed. They
are idempotent: calling one twice for the same occurrence reaches nobody twice.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import NoReverseMatch, reverse

from .models import Event
from .outbox import notify
from .recipients import pool_for_node, supervisors_of

ACTIVE = ("NEW", "ASSIGNED", "STARTED")


def case_link(case: Any) -> str:
    try:
        return reverse("cases:detail", args=[case.pk])
    except NoReverseMatch:
        return ""


def active_tasks(case: Any) -> list[Any]:
    from viewflow.workflow.models import Task

    if not case.process_id:
        return []
    return list(Task.objects.filter(process_id=case.process_id, status__in=ACTIVE).order_by("pk"))


def _node(task: Any) -> str:
    return str(task.flow_task.name)


def _others(users: list[Any], actor: Any | None) -> list[Any]:
    actor_id = getattr(actor, "pk", None)
    return [u for u in users if u.pk != actor_id]


def notify_new_tasks(case: Any, *, actor: Any | None = None) -> None:
    """Tell each unclaimed open task's pool that it reached their queue (batched; once per task)."""
    for task in active_tasks(case):
        if task.owner_id is not None:
            continue
        node = _node(task)
        notify(
            event=Event.TASK_QUEUED,
            recipients=_others(pool_for_node(node, case.division_id), actor),
            context={"case": case.number, "step": node},
            dedupe_key=f"task.queued:{task.pk}",
            division_code=case.division_id,
            link=case_link(case),
        )


def notify_task_assigned(task: Any, *, case: Any, to_user: Any, actor: Any | None = None) -> None:
    """Someone else gave ``task`` to ``to_user`` (a reassignment; claiming for oneself notifies nobody)."""
    if actor is not None and getattr(actor, "pk", None) == to_user.pk:
        return
    notify(
        event=Event.TASK_ASSIGNED,
        recipients=[to_user],
        context={"case": case.number, "step": _node(task)},
        dedupe_key=f"task.assigned:{task.pk}:{to_user.pk}:{task.assigned.isoformat() if task.assigned else ''}",
        division_code=case.division_id,
        link=case_link(case),
    )


def notify_case_returned(case: Any, *, reason: str = "", actor: Any | None = None) -> None:
    """The case went back for correction: its filer hears why (the correction task's pool is queued)."""
    notify(
        event=Event.CASE_RETURNED,
        recipients=_others([case.filed_by], actor),
        context={"case": case.number, "reason": reason[:300]},
        dedupe_key=f"case.returned:{case.pk}:{case.paused_at.isoformat() if case.paused_at else case.status}",
        division_code=case.division_id,
        link=case_link(case),
    )


def notify_case_decided(case: Any, *, actor: Any | None = None) -> None:
    """The approver decided (approved, partly approved or rejected): the filer hears the outcome."""
    notify(
        event=Event.CASE_DECIDED,
        recipients=_others([case.filed_by], actor),
        context={"case": case.number, "outcome": case.outcome},
        dedupe_key=f"case.decided:{case.pk}",
        division_code=case.division_id,
        link=case_link(case),
    )


def notify_letter_ready(case: Any, *, letter_key: str = "") -> None:
    """The decision letter exists: the filer in the bell, the person served by SMS if a phone is on file.

    The SMS is the event's fixed text: no name, no ID number, no case details.
    """
    notify(
        event=Event.LETTER_READY,
        recipients=[case.filed_by],
        recipient_phone=(getattr(case.subject, "phone", "") or "").strip(),
        context={"case": case.number},
        dedupe_key=f"letter.ready:{case.pk}:{letter_key}",
        division_code=case.division_id,
        link=case_link(case),
    )


def responsible(case: Any) -> tuple[list[Any], str]:
    """Who must act on the case now (task owners, else the tasks' pools) and the step's node name."""
    users: dict[int, Any] = {}
    step = ""
    for task in active_tasks(case):
        step = step or _node(task)
        if task.owner_id is not None:
            users[task.owner_id] = task.owner
        else:
            users.update({u.pk: u for u in pool_for_node(_node(task), case.division_id)})
    return list(users.values()), step


def _warn_days(case: Any, rules: dict[tuple[str, str], int]) -> int:
    return rules.get((case.kind, case.status), int(settings.LAUREL_CASE_SLA_WARN_DAYS))


def scan_sla(now: datetime.datetime) -> dict[str, int]:
    """Remind of due dates within the warning window (working days), announce and escalate overdue steps.

    Warning window: the ``SlaRule.warn_days`` of the case's kind and stage, else
    ``LAUREL_CASE_SLA_WARN_DAYS``. Each reminder is sent once per case and due date;
    escalation (``cases.actions.do_escalate_case``) once per stage.
    """
    from cases import sla
    from cases.actions import do_escalate_case
    from cases.models import Case, SlaRule, Status

    rules = {(r.kind, r.stage): r.warn_days for r in SlaRule.objects.all()}
    widest = max([*rules.values(), int(settings.LAUREL_CASE_SLA_WARN_DAYS)])
    # Calendar horizon generous enough for holidays (a working-day window never spans more).
    horizon = now + datetime.timedelta(days=widest * 3 + 14)
    counts = {"approaching": 0, "overdue": 0, "escalated": 0}
    cases = Case.objects.filter(
        status__in=[Status.SUBMITTED, Status.VERIFYING, Status.PENDING_APPROVAL],
        due_at__isnull=False,
        paused_at__isnull=True,
        due_at__lte=horizon,
    ).select_related("filed_by")
    today = sla.local_date(now)
    for case in cases.iterator():
        due = case.due_at
        due_day = sla.local_date(due)
        with transaction.atomic():
            users, step = responsible(case)
            context = {"case": case.number, "step": step, "due": due_day.isoformat()}
            if due < now:
                counts["overdue"] += 1
                notify(
                    event=Event.SLA_OVERDUE,
                    recipients=users,
                    context=context,
                    dedupe_key=f"sla.overdue:{case.pk}:{due.isoformat()}",
                    division_code=case.division_id,
                    link=case_link(case),
                )
                if case.escalated_at is None:
                    supervisors = supervisors_of(case.division_id)
                    escalated = do_escalate_case(case, actor=None, supervisors=[u.username for u in supervisors])
                    if escalated.escalated_at is not None:
                        counts["escalated"] += 1
                        notify(
                            event=Event.CASE_ESCALATED,
                            recipients=supervisors,
                            context=context,
                            dedupe_key=f"case.escalated:{case.pk}:{due.isoformat()}",
                            division_code=case.division_id,
                            link=case_link(case),
                        )
            else:
                left = sla.working_days_between(today, due_day)
                if left <= _warn_days(case, rules):
                    counts["approaching"] += 1
                    notify(
                        event=Event.SLA_APPROACHING,
                        recipients=users,
                        context={**context, "days": left},
                        dedupe_key=f"sla.approaching:{case.pk}:{due.isoformat()}",
                        division_code=case.division_id,
                        link=case_link(case),
                    )
    return counts
