"""Who holds a task: claim, release, reassign (the caller checked ``cases.policy``)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from accounts.models import Actor
from audit.log import record
from core.errors import Conflict

from ..models import Case
from ..notify import notify_task_assigned
from ._base import lock, node_of


def _lock_task(task: Task) -> tuple[Case, Task]:
    case = lock(task.process.case.pk)
    task = Task.objects.select_related("process").get(pk=task.pk)
    if task.status not in (STATUS.NEW, STATUS.ASSIGNED):
        raise Conflict(_("This task has already been completed or cancelled."), current_status=case.status)
    return case, task


@transaction.atomic
def do_claim_task(task: Task, *, actor: Actor) -> Task:
    case, task = _lock_task(task)
    if task.owner_id is not None:
        if task.owner_id == getattr(actor, "pk", None):
            return task
        raise Conflict(_("Someone else claimed this task first."), current_status=case.status)
    task.owner = actor
    task.status = STATUS.ASSIGNED
    task.assigned = timezone.now()
    task.save(update_fields=["owner", "status", "assigned"])
    record(event_type="task.claimed", actor=actor, obj=case, data={"task": task.pk, "node": node_of(task)})
    return task


@transaction.atomic
def do_release_task(task: Task, *, actor: Actor) -> Task:
    case, task = _lock_task(task)
    if task.owner_id is None:
        raise Conflict(_("This task is not claimed."), current_status=case.status)
    previous = task.owner.username if task.owner else ""
    task.owner = None
    task.status = STATUS.NEW
    task.assigned = None
    task.save(update_fields=["owner", "status", "assigned"])
    record(
        event_type="task.released",
        actor=actor,
        obj=case,
        data={"task": task.pk, "node": node_of(task), "owner": previous},
    )
    return task


@transaction.atomic
def do_reassign_task(task: Task, *, actor: Actor, to_user: Any) -> Task:
    """A supervisor gives the task to someone (the caller checked they may work on it)."""
    case, task = _lock_task(task)
    previous = task.owner.username if task.owner else ""
    task.owner = to_user
    task.status = STATUS.ASSIGNED
    task.assigned = timezone.now()
    task.save(update_fields=["owner", "status", "assigned"])
    record(
        event_type="task.reassigned",
        actor=actor,
        obj=case,
        data={"task": task.pk, "node": node_of(task), "from": previous, "to": to_user.username},
    )
    notify_task_assigned(task, case=case, to_user=to_user, actor=actor)
    return task
