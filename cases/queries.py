"""Reading cases and tasks, always through the jurisdiction scope.

``access_case`` / ``access_task`` / ``access_attachment``: 404 outside the user's jurisdiction
(unless an exception grant in force shares the case with them, ``cases.policy.shared_with``),
403 when visible but the user may not act. Lists (cases, my tasks, the queue) are scoped querysets built on
``jurisdictions.scope``, never on viewflow's own queue (which ignores the hierarchy).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from audit.models import AuditEvent
from jurisdictions import scope
from jurisdictions.perms import SUPERVISE

from . import nodes
from .models import OPEN_STATUSES, Attachment, Case, CaseGrant, Status
from .nodes import HUMAN_NODES, flow_task_ref
from .policy import TaskAccess, may_see, may_work_on, shared_with

# --- objects ---------------------------------------------------------------------------------


def access_case(user: Any, case_id: Any, *, codename: str | None = None) -> Case:
    try:
        pk = int(case_id)
    except (TypeError, ValueError):
        raise Http404(_("Not found.")) from None
    case = Case.objects.select_related("subject", "division", "filed_by", "decided_by").filter(pk=pk).first()
    if case is not None and not scope.can_see(user, case.division_id) and shared_with(user, case):
        # Shared by an exception grant: open to read; a jurisdiction permission is never implied.
        if codename is not None:
            raise PermissionDenied(_("This case is shared with you to read and verify only."))
        return case
    scope.access_located(user, case, codename=codename)
    assert case is not None
    return case


def access_task(user: Any, task_id: Any, *, act: bool = True) -> TaskAccess:
    """A case task the user may see (404 otherwise) and, with ``act``, work on (403 otherwise), with its case."""
    try:
        pk = int(task_id)
    except (TypeError, ValueError):
        raise Http404(_("Not found.")) from None
    task = Task.objects.select_related("process", "owner").filter(pk=pk, process__case__isnull=False).first()
    if task is None:
        raise Http404(_("Not found."))
    case = Case.objects.select_related("subject").get(process_id=task.process_id)
    if not may_see(user, case):
        raise Http404(_("Not found."))
    node = task.flow_task.name
    if node not in HUMAN_NODES:
        raise Http404(_("Not found."))
    if act and not may_work_on(user, node, case):
        raise PermissionDenied(_("This task is for another role or department."))
    return TaskAccess(task=task, case=case)


def access_attachment(user: Any, attachment_id: Any) -> Attachment:
    """A document of a case the user may see (404 otherwise: unknown and out of scope look alike)."""
    try:
        pk = int(attachment_id)
    except (TypeError, ValueError):
        raise Http404(_("Not found.")) from None
    attachment = Attachment.objects.select_related("case").filter(pk=pk).first()
    if attachment is None:
        raise Http404(_("Not found."))
    if not may_see(user, attachment.case):
        raise Http404(_("Not found."))
    return attachment


# --- lists -----------------------------------------------------------------------------------


def _workable_q(user: Any, among: Iterable[str] = HUMAN_NODES) -> Q:
    """Tasks of nodes (``among`` the human steps) the user may work on, in the part of the tree where they may."""
    q = Q(pk__in=[])
    for node in among:
        codename = nodes.codename_for(node)
        if scope.codes_with(user, codename):
            q |= Q(flow_task=flow_task_ref(node)) & scope.scope_q(user, codename=codename, prefix="process__case__")
    return q


def _open_tasks() -> QuerySet[Task]:
    return Task.objects.filter(
        process__case__isnull=False,
        status__in=[STATUS.NEW, STATUS.ASSIGNED],
        flow_task__in=[flow_task_ref(n) for n in HUMAN_NODES],
    ).select_related("owner", "process__case", "process__case__subject", "process__case__division")


SORTS = {
    "waiting": ("created", "id"),  # oldest first: longest waiting
    "due": ("process__case__due_at", "id"),
}


def my_tasks(user: Any, *, sort: str = "waiting") -> QuerySet[Task]:
    return _open_tasks().filter(owner=user).order_by(*SORTS.get(sort, SORTS["waiting"]))


def queue_tasks(
    user: Any, *, sort: str = "waiting", department: str = "", node: str = "", division: str = ""
) -> QuerySet[Task]:
    """Unclaimed tasks the user's team works on: their roles and departments, in their jurisdiction
    (hierarchy-aware); supervisors see every task in theirs."""
    q = _workable_q(user)
    if scope.codes_with(user, SUPERVISE):
        q |= scope.scope_q(user, codename=SUPERVISE, prefix="process__case__")
    qs = _open_tasks().filter(q).filter(owner__isnull=True)
    if department:
        qs = qs.filter(flow_task=flow_task_ref(nodes.verify_node(department)))
    if node:
        qs = qs.filter(flow_task=flow_task_ref(node))
    if division:
        qs = qs.filter(Q(process__case__division_id=division) | Q(process__case__county_code=division))
    return qs.order_by(*SORTS.get(sort, SORTS["waiting"]))


def supervised_tasks(user: Any) -> QuerySet[Task]:
    """Every open task in the supervisor's jurisdiction, claimed or not (for reassignment)."""
    if not scope.codes_with(user, SUPERVISE):
        return _open_tasks().none()
    return _open_tasks().filter(scope.scope_q(user, codename=SUPERVISE, prefix="process__case__")).order_by("created")


def nav_counts(user: Any) -> dict[str, int]:
    return {
        "mine": _open_tasks().filter(owner=user).count(),
        "queue": _open_tasks().filter(_workable_q(user), owner__isnull=True).count(),
    }


def shared_grants(user: Any) -> QuerySet[CaseGrant]:
    """The exception grants in force for ``user`` (the "shared with me" list), newest first, with their cases."""
    today = timezone.localdate()
    return (
        CaseGrant.objects.filter(user=user, ended_at__isnull=True, starts_on__lte=today, ends_on__gt=today)
        .select_related("case", "case__subject", "case__division", "granted_by")
        .order_by("-created_at", "-id")
    )


def shared_count(user: Any) -> int:
    return shared_grants(user).count() if getattr(user, "is_authenticated", False) else 0


def grants_of(case: Case) -> QuerySet[CaseGrant]:
    """Every exception grant of the case (in force, future, ended), newest first."""
    return case.grants.select_related("user", "granted_by", "ended_by").order_by("-created_at", "-id")


def open_tasks_of(case: Case) -> list[Task]:
    if not case.process_id:
        return []
    return list(
        Task.objects.filter(process_id=case.process_id, status__in=[STATUS.NEW, STATUS.ASSIGNED])
        .filter(flow_task__in=[flow_task_ref(n) for n in HUMAN_NODES])
        .select_related("owner")
        .order_by("id")
    )


def timeline(case: Case) -> QuerySet[AuditEvent]:
    return (
        AuditEvent.objects.filter(object_type="cases.case", object_id=str(case.pk))
        .select_related("actor")
        .order_by("id")
    )


@dataclass
class CaseFilters:
    status: str = ""
    kind: str = ""
    stage: str = ""
    overdue: bool = False
    township: str = ""
    assignee: str = ""
    search: str = ""


def search_q(term: str) -> Q:
    """Case number, subject name, or a full ID number (matched by its blind index, never stored in clear)."""
    term = term.strip()
    if not term:
        return Q()
    q = Q(number=term) | Q(number__startswith=term) | Q(subject__name__icontains=term)
    if len(term) in (15, 18):
        try:
            from subjects.ids import blind_index

            q |= Q(subject__id_number_hmac=blind_index(term))
        except Exception:  # noqa: S110 - not a valid ID number: search by the other keys only
            pass
    return q


# What a list row shows (pages and API): loading whole subjects (encrypted ID, provenance, ...) for
# 50 rows cost more than the page query itself.
LIST_FIELDS = (
    "id",
    "number",
    "kind",
    "status",
    "outcome",
    "title",
    "created_at",
    "due_at",
    "paused_at",
    "division_id",
    "province_code",
    "city_code",
    "county_code",
    "subject_id",
    "subject__name",
    "division__name",
)


def case_list(user: Any, filters: CaseFilters | None = None) -> QuerySet[Case]:
    """Cases the user may see, newest first (keyset pagination on ``(created_at, id)``)."""
    filters = filters or CaseFilters()
    qs = scope.scoped(Case.objects.all(), user).select_related("subject", "division").only(*LIST_FIELDS)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.stage:
        qs = qs.filter(
            process__task__flow_task=flow_task_ref(filters.stage),
            process__task__status__in=[
                STATUS.NEW,
                STATUS.ASSIGNED,
            ],
        ).distinct()
    if filters.overdue:
        qs = qs.filter(due_at__lt=timezone.now(), paused_at__isnull=True, status__in=OPEN_STATUSES)
    if filters.township:
        # A township, or a whole county (the supervisor's overdue counts link to one county's list).
        qs = qs.filter(Q(division_id=filters.township) | Q(county_code=filters.township))
    if filters.assignee:
        qs = qs.filter(
            process__task__owner__username=filters.assignee,
            process__task__status__in=[STATUS.NEW, STATUS.ASSIGNED],
        ).distinct()
    if filters.search:
        qs = qs.filter(search_q(filters.search))
    return qs.order_by("-created_at", "-id")


def keyset_page(qs: QuerySet[Case], *, after: str = "", size: int = 50) -> tuple[list[Case], str]:
    """One page after the cursor ``"<created_at iso>|<id>"``; returns the rows and the next cursor."""
    if after:
        try:
            stamp, _sep, raw_id = after.rpartition("|")
            created = datetime.datetime.fromisoformat(stamp)
            last_id = int(raw_id)
        except ValueError:
            created, last_id = None, 0
        if created is not None:
            qs = qs.filter(Q(created_at__lt=created) | Q(created_at=created, id__lt=last_id))
    rows = list(qs[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    cursor = f"{rows[-1].created_at.isoformat()}|{rows[-1].pk}" if more and rows else ""
    return rows, cursor


def related_open_case_statuses() -> list[str]:
    return [str(s) for s in OPEN_STATUSES if s != Status.REJECTED]
