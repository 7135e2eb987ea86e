"""What cases announce, and to whom: the case events' texts and the one-line calls the actions make.

The texts are registered with ``notifications`` (a mechanism that knows no case) by
:func:`register_events`, called from ``CasesConfig.ready()``; step and outcome codes in a
notification's context are shown as words by :func:`words`.

Each ``notify_*`` helper must be called inside the cases action's transaction (after its
viewflow task ran), so the notification exists if and only if the action committed. They
are idempotent: calling one twice for the same occurrence reaches nobody twice.
"""

from __future__ import annotations

import datetime
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import models
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from accounts.models import Actor
from jurisdictions.models import Department
from jurisdictions.scope import codes_with, users_with_perm_at
from notifications.outbox import notify
from notifications.secret_texts import text_sealed

from . import nodes
from .models import Outcome

ACTIVE = (STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED)


class CaseEvent(models.TextChoices):
    """The case events users receive (codes are stored on notifications; max. 32 characters)."""

    TASK_ASSIGNED = "task.assigned", _("A task was assigned to me")
    TASK_QUEUED = "task.queued", _("New tasks in my queue")
    CASE_RETURNED = "case.returned", _("A case was returned for correction")
    CASE_DECIDED = "case.decided", _("A decision was made on a case")
    LETTER_READY = "letter.ready", _("A decision letter is ready")
    SLA_APPROACHING = "sla.approaching", _("A due date is approaching")
    SLA_OVERDUE = "sla.overdue", _("A task is overdue")
    CASE_ESCALATED = "case.escalated", _("An overdue case was escalated to me")


# Texted to the person served when a case is registered (no preference: not a staff event).
CASE_REGISTERED = "case.registered"
# A registration text not sent within this time is dropped (its code wiped from the outbox).
REGISTERED_TEXT_LIFETIME = datetime.timedelta(days=7)


# Steps as they read inside a sentence ("the task “intake review” of case ...").
STEP_WORDS = {
    nodes.INTAKE: _("intake review"),
    nodes.CORRECT: _("correction"),
    nodes.APPROVE: _("approval"),
    nodes.PROVINCE_APPROVE: _("approval by the province"),
}


def words(context: dict[str, Any]) -> dict[str, Any]:
    """Codes in a case notification's context (step, outcome) shown as words of the current language."""
    shown = dict(context)
    step = str(context.get("step", ""))
    department = nodes.department_of(step)
    if department in Department.values:
        shown["step"] = _("verification by %(department)s") % {"department": Department(department).label}
    elif step in STEP_WORDS:
        shown["step"] = STEP_WORDS[step]
    elif nodes.extra_node(step) is not None:
        shown["step"] = nodes.label(step)
    outcome = context.get("outcome", "")
    if outcome in Outcome.values:
        shown["outcome"] = Outcome(outcome).label
    return shown


def register_events() -> None:
    """Register the case events' texts and defaults with ``notifications`` (from ``CasesConfig.ready``)."""
    from notifications.events import EventSpec, register_event

    texts: dict[str, dict[str, Any]] = {
        CaseEvent.TASK_ASSIGNED: {
            "title": _("Task assigned to you: case %(case)s"),
            "body": _("You have been given the task “%(step)s” of case %(case)s."),
            "email": True,
        },
        CaseEvent.TASK_QUEUED: {
            "title": _("New tasks in your queue: %(count)s"),
            "body": _("%(count)s new tasks are waiting in your queue, the latest for case %(case)s (%(step)s)."),
            "email": True,
            "batched": True,
        },
        CaseEvent.CASE_RETURNED: {
            "title": _("Case %(case)s was returned for correction"),
            "body": _("Case %(case)s was returned for correction. Reason: %(reason)s"),
            "email": True,
        },
        CaseEvent.CASE_DECIDED: {
            "title": _("Decision on case %(case)s: %(outcome)s"),
            "body": _("A decision was made on case %(case)s: %(outcome)s."),
        },
        CaseEvent.LETTER_READY: {
            "title": _("Decision letter ready: case %(case)s"),
            "body": _("The decision letter of case %(case)s is ready."),
            "sms": _(
                "【Veterans Affairs】Your application has been decided and the decision letter is ready. "
                "Please bring your identity document to the county bureau to collect it."
            ),
        },
        CaseEvent.SLA_APPROACHING: {
            "title": _("Due soon: case %(case)s"),
            "body": _("The step “%(step)s” of case %(case)s is due on %(due)s (%(days)s working days left)."),
        },
        CaseEvent.SLA_OVERDUE: {
            "title": _("Overdue: case %(case)s"),
            "body": _("The step “%(step)s” of case %(case)s was due on %(due)s and is overdue."),
            "email": True,
        },
        CaseEvent.CASE_ESCALATED: {
            "title": _("Escalated to you: overdue case %(case)s"),
            "body": _("Case %(case)s has been overdue since %(due)s at the step “%(step)s” and is escalated to you."),
            "email": True,
        },
    }
    for event in CaseEvent:
        register_event(event.value, EventSpec(label=event.label, format=words, **texts[event]))
    register_event(
        CASE_REGISTERED,
        EventSpec(
            label=_("A case was registered"),
            title=_("Case %(case)s was registered"),
            body=_("Case %(case)s was registered."),
            sms=_(
                "【Veterans Affairs】Your matter was registered as case %(case)s. Query code: %(code)s. "
                "Follow it on the public tracking page with this code."
            ),
            preference=False,
        ),
    )


# --- who ----------------------------------------------------------------------------------------


def case_link(case: Any) -> str:
    try:
        return reverse("cases:detail", args=[case.pk])
    except NoReverseMatch:
        return ""


def active_tasks(case: Any) -> list[Task]:
    if not case.process_id:
        return []
    return list(Task.objects.filter(process_id=case.process_id, status__in=ACTIVE).order_by("pk"))


def _node(task: Task) -> str:
    return str(task.flow_task.name)


def pool_for_node(node: str, division_code: str) -> list[Any]:
    """Everyone who may pick up a task of ``node`` for a case in ``division_code``."""
    try:
        codename = nodes.codename_for(node)
    except ValueError:
        return []
    return users_with_perm_at(codename, nodes.where_held(node, division_code))


def pool_for_task(task: Task, case: Any) -> list[Any]:
    """Everyone who may pick up ``task``: the pool of its step over the case, or only the holders at
    the body the task names (``cases.nodes.task_body``)."""
    node = _node(task)
    body = nodes.task_body(task)
    if not body:
        return pool_for_node(node, nodes.working_division(node, case))
    codename = nodes.codename_for(node)
    return [u for u in users_with_perm_at(codename, body) if body in codes_with(u, codename)]


def responsible(case: Any) -> tuple[list[Any], str]:
    """Who must act on the case now (task owners, else the tasks' pools) and the step's node name."""
    users: dict[int, Any] = {}
    step = ""
    for task in active_tasks(case):
        step = step or _node(task)
        if task.owner_id is not None:
            users[task.owner_id] = task.owner
        else:
            users.update({u.pk: u for u in pool_for_task(task, case)})
    return list(users.values()), step


def _others(users: list[Any], actor: Actor | None) -> list[Any]:
    actor_id = getattr(actor, "pk", None)
    return [u for u in users if u.pk != actor_id]


# --- what ---------------------------------------------------------------------------------------


_collecting = threading.local()


@contextmanager
def new_tasks() -> Iterator[list[Task]]:
    """Collect the tasks created inside the block (viewflow creates them as an action runs a task)."""
    stack: list[list[Task]] = getattr(_collecting, "stack", None) or []
    _collecting.stack = stack
    created: list[Task] = []
    stack.append(created)
    try:
        yield created
    finally:
        stack.remove(created)


def task_saved(sender: Any, instance: Task, created: bool = False, **kwargs: Any) -> None:
    """``post_save`` of viewflow's Task (connected in ``CasesConfig.ready``): note new tasks for :func:`new_tasks`."""
    if created:
        for collected in getattr(_collecting, "stack", None) or ():
            collected.append(instance)


def notify_new_tasks(case: Any, *, actor: Actor | None = None, tasks: list[Task] | None = None) -> None:
    """Tell the pool of each new task that it reached their queue (batched; once per task).

    ``tasks``: the tasks the action created (:func:`new_tasks`), of which the ones still open and
    unclaimed are announced; siblings announced by an earlier action are not asked again. Without
    it, every open unclaimed task of the case (the dedupe key still reaches nobody twice).
    """
    if tasks is None:
        candidates = active_tasks(case)
    else:
        human = [t.pk for t in tasks if t.process_id == case.process_id and _node(t) in nodes.all_human_nodes()]
        # Read again: a task created during the action may have been finished by it as well.
        candidates = list(Task.objects.filter(pk__in=human, status__in=ACTIVE).order_by("pk")) if human else []
    for task in candidates:
        if task.owner_id is not None:
            continue
        node = _node(task)
        notify(
            event=CaseEvent.TASK_QUEUED,
            recipients=_others(pool_for_task(task, case), actor),
            context={"case": case.number, "step": node},
            dedupe_key=f"task.queued:{task.pk}",
            division_code=case.division_id,
            link=case_link(case),
        )


def notify_task_assigned(task: Task, *, case: Any, to_user: Any, actor: Actor | None = None) -> None:
    """Someone else gave ``task`` to ``to_user`` (a reassignment; claiming for oneself notifies nobody)."""
    if actor is not None and getattr(actor, "pk", None) == to_user.pk:
        return
    notify(
        event=CaseEvent.TASK_ASSIGNED,
        recipients=[to_user],
        context={"case": case.number, "step": _node(task)},
        dedupe_key=f"task.assigned:{task.pk}:{to_user.pk}:{task.assigned.isoformat() if task.assigned else ''}",
        division_code=case.division_id,
        link=case_link(case),
    )


def notify_case_returned(case: Any, *, reason: str = "", actor: Actor | None = None) -> None:
    """The case went back for correction: its filer hears why (the correction task's pool is queued)."""
    notify(
        event=CaseEvent.CASE_RETURNED,
        recipients=_others([case.filed_by], actor),
        context={"case": case.number, "reason": reason[:300]},
        dedupe_key=f"case.returned:{case.pk}:{case.paused_at.isoformat() if case.paused_at else case.status}",
        division_code=case.division_id,
        link=case_link(case),
    )


def notify_case_registered(case: Any) -> None:
    """The person served receives the case number and its 查询码 by SMS, when a phone is on file.

    The code is sealed in the outbox row until sent (``notifications.secret_texts``): with the
    last six digits of the ID number and a one-time code it opens the case's public page.
    """
    phone = (getattr(case.subject, "phone", "") or "").strip()
    if not phone or not case.query_code:
        return
    text_sealed(
        CASE_REGISTERED,
        phone=phone,
        secrets={"code": case.query_code},
        context={"case": case.number},
        until=timezone.now() + REGISTERED_TEXT_LIFETIME,
        dedupe_key=f"case.registered:{case.pk}",
        division_code=case.division_id,
    )


def notify_case_decided(case: Any, *, actor: Actor | None = None) -> None:
    """The approver decided (approved, partly approved or rejected): the filer hears the outcome."""
    notify(
        event=CaseEvent.CASE_DECIDED,
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
        event=CaseEvent.LETTER_READY,
        recipients=[case.filed_by],
        recipient_phone=(getattr(case.subject, "phone", "") or "").strip(),
        context={"case": case.number},
        dedupe_key=f"letter.ready:{case.pk}:{letter_key}",
        division_code=case.division_id,
        link=case_link(case),
    )


def notify_overdue(case: Any, *, users: list[Any], context: dict[str, Any]) -> None:
    notify(
        event=CaseEvent.SLA_OVERDUE,
        recipients=users,
        context=context,
        dedupe_key=f"sla.overdue:{case.pk}:{case.due_at.isoformat()}",
        division_code=case.division_id,
        link=case_link(case),
    )


def notify_escalated(case: Any, *, supervisors: list[Any], context: dict[str, Any]) -> None:
    notify(
        event=CaseEvent.CASE_ESCALATED,
        recipients=supervisors,
        context=context,
        dedupe_key=f"case.escalated:{case.pk}:{case.due_at.isoformat()}",
        division_code=case.division_id,
        link=case_link(case),
    )


def notify_approaching(case: Any, *, users: list[Any], context: dict[str, Any]) -> None:
    notify(
        event=CaseEvent.SLA_APPROACHING,
        recipients=users,
        context=context,
        dedupe_key=f"sla.approaching:{case.pk}:{case.due_at.isoformat()}",
        division_code=case.division_id,
        link=case_link(case),
    )
