"""Time limits: SLA rules and the working-day calendar (administrators), and the periodic SLA scan
that reminds of due dates, announces overdue steps and escalates them, once per stage, to the
supervisors of the case's jurisdiction (holders of ``supervise`` over its division).

The scan runs as the periodic job ``scan_sla`` (``cases.tasks``) and from the command
``escalate_overdue_cases``: one path, one meaning of "supervisor".
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Actor
from audit.log import record
from core import steps
from jurisdictions import scope
from policies import actions_calendar as calendar_actions
from policies.models import CalendarDay

from .. import sla
from ..models import Case, SlaRule, Status
from ..notify import notify_approaching, notify_escalated, notify_overdue, responsible
from ._base import lock

# Stages whose clock runs (a returned case's clock is paused; a decided case has no due date).
SLA_STATUSES = (Status.SUBMITTED, Status.VERIFYING, Status.PENDING_APPROVAL)


@transaction.atomic
def do_set_sla_rule(*, kind: str, stage: str, working_days: int, actor: Actor, warn_days: int = 1) -> SlaRule:
    if working_days < 1:
        raise ValidationError({"working_days": _("A stage needs at least one working day.")})
    rule = SlaRule.objects.select_for_update().filter(kind=kind, stage=stage).first()
    old = rule.working_days if rule else None
    if rule is None:
        rule = SlaRule(kind=kind, stage=stage)
    rule.working_days = working_days
    rule.warn_days = warn_days
    rule.full_clean()
    rule.save()
    record(
        event_type="sla.rule_changed",
        actor=actor,
        obj=rule,
        data={"kind": kind, "stage": stage, "from": old, "to": working_days},
    )
    return rule


def do_set_calendar_day(day: datetime.date, *, is_working: bool, name: str = "", actor: Actor) -> CalendarDay:
    """Mark a date as a public holiday (not working) or an adjusted working day (调休): the policy
    base's calendar (``policies.actions_calendar``), which the SLA shares."""
    return calendar_actions.do_set_calendar_day(day, is_working=is_working, name=name, actor=actor)


def do_clear_calendar_day(day: datetime.date, *, actor: Actor) -> None:
    calendar_actions.do_clear_calendar_day(day, actor=actor)


@transaction.atomic
def do_escalate_case(case: Case, *, actor: Actor | None = None, step: str = "") -> Case:
    """Escalate an overdue case to its jurisdiction's supervisors, once per stage (audited, notified).

    The supervisors are the active holders of ``supervise`` over the case's division
    (``jurisdictions.scope.supervisors_of``); ``step`` names the overdue step in the notification.
    """
    case = lock(case)
    if case.escalated_at is not None or not case.is_overdue:
        return case
    supervisors = scope.supervisors_of(case.division_id)
    case.escalated_at = timezone.now()
    case.save(update_fields=["escalated_at"])
    due = case.due_at
    record(
        event_type="case.escalated",
        actor=actor,
        obj=case,
        data={
            "status": case.status,
            "due_at": due.isoformat() if due else "",
            "to": sorted(u.username for u in supervisors),
        },
    )
    if due is not None:
        context = {"case": case.number, "step": step, "due": sla.local_date(due).isoformat()}
        notify_escalated(case, supervisors=supervisors, context=context)
    return case


def _warn_days(case: Case, rules: dict[tuple[str, str], int]) -> int:
    return rules.get((case.kind, case.status), int(settings.LAUREL_CASE_SLA_WARN_DAYS))


def scan_sla(now: datetime.datetime) -> dict[str, int]:
    """Remind of due dates within the warning window (working days), announce and escalate overdue steps.

    Warning window: the ``SlaRule.warn_days`` of the case's kind and stage, else
    ``LAUREL_CASE_SLA_WARN_DAYS``. Each reminder is sent once per case and due date;
    escalation (:func:`do_escalate_case`) once per stage.
    """
    rules = {(r.kind, r.stage): r.warn_days for r in SlaRule.objects.all()}
    widest = max([*rules.values(), int(settings.LAUREL_CASE_SLA_WARN_DAYS)])
    # Calendar horizon generous enough for holidays (a working-day window never spans more).
    horizon = now + datetime.timedelta(days=widest * 3 + 14)
    counts = {"approaching": 0, "overdue": 0, "escalated": 0}
    cases = Case.objects.filter(
        status__in=SLA_STATUSES,
        due_at__isnull=False,
        paused_at__isnull=True,
        due_at__lte=horizon,
    ).select_related("filed_by")
    today = sla.local_date(now)
    for case in cases.iterator():
        due = case.due_at
        assert due is not None
        due_day = sla.local_date(due)
        with transaction.atomic():
            users, step = responsible(case)
            context = {"case": case.number, "step": step, "due": due_day.isoformat()}
            if due < now:
                counts["overdue"] += 1
                notify_overdue(case, users=users, context=context)
                if case.escalated_at is None:
                    escalated = do_escalate_case(case, actor=None, step=step)
                    if escalated.escalated_at is not None:
                        counts["escalated"] += 1
            else:
                left = sla.working_days_between(today, due_day)
                if left <= _warn_days(case, rules):
                    counts["approaching"] += 1
                    notify_approaching(case, users=users, context={**context, "days": left})
    return counts


def scan_steps(now: datetime.datetime) -> dict[str, int]:
    """Count the open steps (``core.steps``) past their due date and react once per due date.

    A step is overdue from the working day after its due date. Its kind's ``overdue`` reaction (a
    notice, an escalation) runs once per due date, with an audit event; a new due date reacts again.
    """
    from viewflow.workflow.models import Task

    today = sla.local_date(now)
    counts = {"steps_overdue": 0, "steps_announced": 0}
    due_key = f"process__data__{steps.DUE_KEY}"
    open_steps = Task.objects.filter(
        flow_task=steps.flow_task_ref(), status__in=steps.OPEN, **{f"{due_key}__isnull": False}
    ).select_related("process")
    for task in open_steps.iterator():
        due = steps.due_of(task)
        if due is None or due >= today:
            continue
        counts["steps_overdue"] += 1
        data = task.process.data or {}
        if data.get(steps.OVERDUE_KEY) == due.isoformat():
            continue
        with transaction.atomic():
            process = type(task.process).objects.select_for_update().get(pk=task.process_id)
            if (process.data or {}).get(steps.OVERDUE_KEY) == due.isoformat():
                continue
            process.data = {**(process.data or {}), steps.OVERDUE_KEY: due.isoformat()}
            process.save(update_fields=["data"])
            task.process = process
            kind = steps.kind_of(task)
            if kind is not None and kind.overdue is not None:
                kind.overdue(task)
            record(
                event_type="step.overdue",
                actor=None,
                object_type="viewflow.task",
                object_id=str(task.pk),
                division_code=steps.division_of(task),
                data={"step": str(data.get(steps.KIND_KEY, "")), "due": due.isoformat()},
            )
            counts["steps_announced"] += 1
    return counts
