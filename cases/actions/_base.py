"""What the case actions share: the case lock, the transition audit event, task re-reads and running.

Not public: the actions of the sibling modules use these; entry points call the ``do_*``
actions (``cases.actions``).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from accounts.models import Actor
from audit.log import record
from audit.models import AuditEvent
from core.errors import Conflict
from jurisdictions.models import Department

from .. import locks, sla
from ..models import Case


def lock(case: Case | int) -> Case:
    """The case row, locked for this transaction (the one serialisation point for a case).

    Only the case row (``of=("self",)``): a plain ``FOR UPDATE`` of the join would lock the subject's
    row too, and every step of any case of that person would queue on it, as would every insert
    that refers to the person (the concurrency bench saw most of one county's sessions waiting there).
    Locked already in this transaction (``cases.locks``): that instance, without reading it again.
    """
    pk = case if isinstance(case, int) else case.pk
    found = locks.held(pk=pk)
    if found is not None:
        return found
    return locks.remember(Case.objects.select_for_update(of=("self",)).select_related("subject").get(pk=pk))


def lock_of_process(process_id: int) -> Case:
    """The case of a process, locked (a task's case, without reading the process first)."""
    found = locks.held(process_id=process_id)
    if found is not None:
        return found
    return locks.remember(
        Case.objects.select_for_update(of=("self",)).select_related("subject").get(process_id=process_id)
    )


def current(case: Case) -> Case:
    """``case`` as it is now after flow nodes ran in this transaction: the locked instance is (they
    changed that very instance); any other copy is read again."""
    if not locks.is_held(case):
        case.refresh_from_db()
    return case


def case_of_process(process_id: int) -> Case:
    """The case of a process for the flow's gateways and automatic nodes: the instance locked in
    this transaction when there is one (its current state), else read."""
    found = locks.held(process_id=process_id)
    if found is not None:
        return found
    return Case.objects.get(process_id=process_id)


def locked_task(task: Task, expected_nodes: Iterable[str], *, locked: Case | None = None) -> tuple[Case, Task]:
    """The case locked and the task read under that lock, checked (409 when it moved on).

    ``locked``: the case as the caller already locked it in this transaction, ``task`` read after
    that lock (``cases.queries.access_task(..., lock=True)``): nothing is read twice. Without it,
    both are read here.
    """
    if locked is None:
        case = lock_of_process(task.process_id)
        return case, fresh_task(task, case, expected_nodes)
    check_task(task, locked, expected_nodes)
    return locked, task


def node_of(task: Task) -> str:
    return task.flow_task.name


def clean_departments(departments: Iterable[str]) -> list[str]:
    """The departments to ask, each once and in order; ValidationError naming any unknown code."""
    cleaned = list(dict.fromkeys(departments))
    bad = [d for d in cleaned if d not in Department.values]
    if bad:
        raise ValidationError({"departments": _("Unknown department: %(codes)s") % {"codes": ", ".join(bad)}})
    return cleaned


def transition_event(
    case: Case, *, actor: Actor, old: str, reason: str = "", task: Task | None = None, **extra: Any
) -> AuditEvent:
    data = {"from": old, "to": case.status, "reason": reason, "task": node_of(task) if task else "", **extra}
    data.setdefault("evidence", "")
    return record(event_type="case.transition", actor=actor, obj=case, data=data)


def fresh_task(task: Task, case: Case, expected_nodes: Iterable[str]) -> Task:
    """The task re-read under the case lock; 409 when it was completed or cancelled meanwhile."""
    task = Task.objects.select_related("process").get(pk=task.pk)
    check_task(task, case, expected_nodes)
    return task


def check_task(task: Task, case: Case, expected_nodes: Iterable[str]) -> None:
    """409 unless ``task`` (read under the case lock) is an open task of this step of ``case``."""
    if task.process_id != case.process_id or node_of(task) not in set(expected_nodes):
        raise Conflict(_("This task does not belong to this step of the case."), current_status=case.status)
    if task.status not in (STATUS.NEW, STATUS.ASSIGNED):
        raise Conflict(_("This task has already been completed or cancelled."), current_status=case.status)


def run_task(task: Task, actor: Actor) -> None:
    """Complete a human task headlessly and let the flow move on (STACK-NOTES: no permission checks here).

    ``task`` was read under the case lock, which every change to a case's process takes first
    (the actions, withdrawal; a claim is a conditional UPDATE of the task row, which the
    completing caller read ``FOR UPDATE`` or re-read under the case lock). So viewflow's own
    ``task.activation()`` — a savepoint, its process row locked and the task and process read
    again — would only repeat that: its activation is driven directly, in the caller's transaction.
    """
    assert transaction.get_connection().in_atomic_block, "run_task runs inside the action's transaction"
    activation = task.flow_task.activation_class(task)
    if activation.task.status == STATUS.NEW:
        activation.assign(actor)
    activation.start(None)
    activation.execute()
    if getattr(task, "done_at_join", False):
        # Left to the next node's statement (workflows.flows.VerifyActivation), which did not write it.
        task.done_at_join = False
        task.save()


def require_owner_or_free(task: Task, actor: Actor, case: Case) -> None:
    if task.owner_id is not None and task.owner_id != getattr(actor, "pk", None):
        raise Conflict(_("Someone else has claimed this task."), current_status=case.status)


def enter_stage(case: Case, stage: str, *, now: datetime.datetime, days: int | None = None) -> None:
    case.stage_started_at = now
    case.paused_at = None
    case.escalated_at = None
    case.due_at = sla.due_after(now, days if days is not None else sla.stage_days(case.kind, stage))


def pause(case: Case, now: datetime.datetime) -> None:
    """Returned for correction: the SLA clock stops with the working days that were left."""
    left = None
    if case.due_at is not None:
        left = sla.working_days_between(sla.local_date(now), sla.local_date(case.due_at))
    case.sla_remaining_days = left
    case.paused_at = now
