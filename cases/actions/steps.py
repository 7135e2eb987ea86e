"""Who holds a task: claim, release, reassign (the caller checked ``cases.policy``).

A claim is one conditional UPDATE of the task row ("set the owner where there is none and the
task is open"): of two people claiming at once exactly one wins, and it takes no case lock.
Completing a task locks the case and the task row (``cases.queries.access_task(lock=True)``
or the action itself), so a claim never slips in between a completion's check and its work.
"""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from accounts.models import Actor
from audit.log import audited, record, write_with_events
from core.errors import Conflict

from ..models import Case
from ..notify import notify_task_assigned
from ..queries import forget_nav_counts
from ._base import lock_of_process, node_of

OPEN = (STATUS.NEW, STATUS.ASSIGNED)


def _lock_task(task: Task) -> tuple[Case, Task]:
    case = lock_of_process(task.process_id)
    task = Task.objects.select_related("process").get(pk=task.pk)
    if task.status not in (STATUS.NEW, STATUS.ASSIGNED):
        raise Conflict(_("This task has already been completed or cancelled."), current_status=case.status)
    return case, task


def _claim_sql() -> str:
    """The conditional UPDATE of a claim (its parameters: owner, status, assigned, task, the open statuses)."""
    quote = connection.ops.quote_name
    return (
        f"UPDATE {quote(Task._meta.db_table)} SET owner_id = %s, status = %s, assigned = %s "  # noqa: S608 (quoted names)
        "WHERE id = %s AND owner_id IS NULL AND status IN (%s, %s)"
    )


@audited
def do_claim_task(task: Task, *, actor: Actor, case: Case | None = None) -> Task:
    """Give ``task`` to ``actor`` if nobody holds it (``case``: the task's case, as the caller read it).

    The claim's event is recorded first and appended only if the conditional UPDATE wrote, in the
    same statement (``audit.log.write_with_events``): a claim costs one write statement.
    """
    now = timezone.now()
    if case is None:
        case = Case.objects.get(process_id=task.process_id)
    record(event_type="task.claimed", actor=actor, obj=case, data={"task": task.pk, "node": node_of(task)})
    assigned = Task._meta.get_field("assigned").get_db_prep_save(now, connection)
    claimed = write_with_events(_claim_sql(), [getattr(actor, "pk", None), STATUS.ASSIGNED, assigned, task.pk, *OPEN])
    if not claimed:
        current = Task.objects.filter(pk=task.pk).values_list("owner_id", "status").first()
        if current is None or current[1] not in OPEN:
            raise Conflict(_("This task has already been completed or cancelled."), current_status=case.status)
        if current[0] == getattr(actor, "pk", None):
            return task
        raise Conflict(_("Someone else claimed this task first."), current_status=case.status)
    task.owner, task.status, task.assigned = actor, STATUS.ASSIGNED, now
    forget_nav_counts(getattr(actor, "pk", None))
    return task


@audited
def do_release_task(task: Task, *, actor: Actor) -> Task:
    case, task = _lock_task(task)
    if task.owner_id is None:
        raise Conflict(_("This task is not claimed."), current_status=case.status)
    previous = task.owner.username if task.owner else ""
    previous_id = task.owner_id
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
    forget_nav_counts(getattr(actor, "pk", None), previous_id)
    return task


@audited
def do_reassign_task(task: Task, *, actor: Actor, to_user: Any) -> Task:
    """A supervisor gives the task to someone (the caller checked they may work on it)."""
    case, task = _lock_task(task)
    previous = task.owner.username if task.owner else ""
    previous_id = task.owner_id
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
    forget_nav_counts(getattr(actor, "pk", None), to_user.pk, previous_id)
    return task
