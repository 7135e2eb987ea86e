"""Steps: work that waits for a person and is not a step of a case's process.

A roster to approve, a township's confirmations to finish, a spot check, a transfer to accept, a
quality review, a 督办 order's report: each is a viewflow task of :class:`core.flows.StepFlow`
(one human node, ``step``), so that it is listed with every other task — ``/api/v1/tasks/``, the
inbox (收件箱), the workbench — and counted by the SLA scan. The app that owns the work registers
a :class:`StepKind` in its ``AppConfig.ready()`` (any app may: ``core`` is the lowest layer) and
calls :func:`open_step` in the action that creates the need and :func:`close_step` in the action
that meets it (both inside the action's transaction). The lists (``cases.queries``) read the
registry; the step is worked on its own page (``StepKind.url``), never through the case task API.

A step's process carries, in ``Process.data``: ``step`` (the kind), ``division`` (the code of the
body that works on it: holders of ``StepKind.codename`` there — or above it, unless ``exact`` —
list it), ``due`` (ISO date, or absent), ``title`` parameters (``params``), ``key`` (to tell apart
several open steps of one object) and ``not_by`` (users who may not work on it, maker-checker:
``{"<user id>": true}``). ``Process.artifact`` is the object the step is about.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from viewflow.workflow.models import Process, Task
from viewflow.workflow.status import STATUS

OPEN = (STATUS.NEW, STATUS.ASSIGNED)
# Keys of ``Process.data``.
KIND_KEY = "step"
DIVISION_KEY = "division"
DUE_KEY = "due"
PARAMS_KEY = "params"
OBJECT_KEY = "key"
NOT_BY_KEY = "not_by"
OVERDUE_KEY = "overdue_seen"  # the due date whose overdue reaction (StepKind.overdue) has run


@dataclass(frozen=True)
class StepKind:
    """A kind of step, registered by the app that owns the work.

    ``name``: unique, stored in ``Process.data["step"]``; ``codename``: the jurisdiction permission
    that lets someone work on it (held over the step's division); ``label``: its name on pages and
    in the API (lazy translation); ``title``: a line that tells this step from others of its kind,
    from the stored parameters (no query); ``url``: the page where it is worked (``reverse``, no
    query); ``exact``: only holders at the step's very division, not above it; ``overdue``: what
    the SLA scan does once when the step is overdue (a notice, an escalation), or nothing.
    """

    name: str
    codename: str
    label: Any
    title: Callable[[dict[str, Any]], str]
    url: Callable[[Task], str]
    exact: bool = False
    overdue: Callable[[Task], None] | None = None


_KINDS: dict[str, StepKind] = {}


def register(kind: StepKind) -> None:
    _KINDS[kind.name] = kind


def kinds() -> list[StepKind]:
    return list(_KINDS.values())


def kind_of(task: Task) -> StepKind | None:
    data = task.process.data if isinstance(task.process.data, dict) else {}
    return _KINDS.get(str(data.get(KIND_KEY, "")))


def flow_task_ref() -> str:
    """viewflow's reference of the one human node every step is a task of (``Task.flow_task``)."""
    from viewflow.workflow.fields import get_task_ref

    from .flows import StepFlow

    return str(get_task_ref(StepFlow.step))


def is_step(task: Task) -> bool:
    from .flows import StepFlow

    node = task.flow_task
    return getattr(node, "flow_class", None) is StepFlow and getattr(node, "name", "") == "step"


def open_step(
    kind: str,
    about: models.Model,
    *,
    division: str,
    due: datetime.date | None = None,
    params: dict[str, Any] | None = None,
    key: str = "",
    not_by: Iterable[Any] = (),
) -> Task:
    """Start a step (inside the caller's transaction) and return its open task."""
    from .flows import StepFlow

    if kind not in _KINDS:
        raise LookupError(f"no step kind {kind!r} is registered")
    data = {
        KIND_KEY: kind,
        DIVISION_KEY: str(division),
        PARAMS_KEY: dict(params or {}),
        OBJECT_KEY: key,
        NOT_BY_KEY: {str(pk): True for pk in not_by if pk is not None},
    }
    if due is not None:
        data[DUE_KEY] = due.isoformat()
    process = StepFlow.start.run(data=data, about=about)
    return Task.objects.select_related("process").get(process=process, flow_task=flow_task_ref())


def open_tasks_about(about: models.Model, kind: str = "", key: str | None = None) -> models.QuerySet[Task]:
    """The open step tasks about ``about`` (of ``kind``, with ``key`` when given)."""
    qs = Task.objects.filter(
        flow_task=flow_task_ref(),
        status__in=OPEN,
        process__artifact_content_type=ContentType.objects.get_for_model(about),
        process__artifact_object_id=about.pk,
    ).select_related("process")
    if kind:
        qs = qs.filter(**{f"process__data__{KIND_KEY}": kind})
    if key is not None:
        qs = qs.filter(**{f"process__data__{OBJECT_KEY}": key})
    return qs


def close_step(about: models.Model, kind: str, *, actor: Any = None, key: str | None = None) -> int:
    """Complete the open steps of ``kind`` about ``about`` (inside the caller's transaction); how many."""
    done = 0
    for task in open_tasks_about(about, kind, key).select_for_update(of=("self",)):
        complete(task, actor=actor)
        done += 1
    return done


def complete(task: Task, *, actor: Any = None) -> None:
    """Complete one step task headlessly (its process then ends)."""
    with task.activation() as activation:
        if activation.task.status == STATUS.NEW and actor is not None and getattr(actor, "pk", None):
            activation.assign(actor)
        activation.start(None)
        activation.execute()


def cancel_steps(about: models.Model, kind: str = "", *, key: str | None = None) -> int:
    """Cancel the open steps about ``about`` (the need went away: the object was withdrawn or deleted)."""
    done = 0
    now = timezone.now()
    for task in open_tasks_about(about, kind, key).select_for_update(of=("self",)):
        Task.objects.filter(pk=task.pk).update(status=STATUS.CANCELED, finished=now)
        Process.objects.filter(pk=task.process_id).update(status=STATUS.CANCELED, finished=now)
        done += 1
    return done


def due_of(task: Task) -> datetime.date | None:
    raw = (task.process.data or {}).get(DUE_KEY)
    try:
        return datetime.date.fromisoformat(str(raw)) if raw else None
    except ValueError:
        return None


def division_of(task: Task) -> str:
    return str((task.process.data or {}).get(DIVISION_KEY, ""))


def title_of(task: Task) -> str:
    kind = kind_of(task)
    if kind is None:
        return ""
    return str(kind.title(dict((task.process.data or {}).get(PARAMS_KEY) or {})))


def url_of(task: Task) -> str:
    kind = kind_of(task)
    return kind.url(task) if kind is not None else ""


def excluded(task: Task, user: Any) -> bool:
    """Whether ``user`` may not work on the step (maker-checker)."""
    return str(getattr(user, "pk", "")) in ((task.process.data or {}).get(NOT_BY_KEY) or {})
