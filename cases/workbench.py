"""What cases shows on the workbench (``core.panels``), on the person's page, and in the quick search.

Each panel is one query function scoped to the user (``jurisdictions.scope``) returning its
template's context, or ``None`` when it does not apply to the user's roles. Registered in
``CasesConfig.ready()`` (:func:`register`).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, F, Q
from django.utils import timezone
from viewflow.workflow.models import Task

from core import panels
from jurisdictions import scope
from jurisdictions.models import Division
from jurisdictions.perms import APPROVE_CASES, HANDLE_CASES, SUPERVISE

from . import nodes, queries, sla
from .models import Case, Status

LIMIT = 10
DUE_SOON_WORKING_DAYS = 3
# Statuses in which someone must act before the due date (a returned case's clock is paused).
ACTIVE_STATUSES = (Status.SUBMITTED, Status.VERIFYING, Status.PENDING_APPROVAL)


def _rows(tasks: list[Task], flag: Any) -> list[dict[str, Any]]:
    rows = []
    for task in tasks:
        case = task.process.case
        rows.append({"task": task, "case": case, "label": nodes.label(task.flow_task.name), "flag": flag(case)})
    return rows


def _by_due(tasks: Any) -> Any:
    """Overdue (earliest due) first, then by due date; tasks of cases without one last."""
    return tasks.order_by(F("process__case__due_at").asc(nulls_last=True), "created", "id")


def works_on_tasks(user: Any) -> bool:
    return any(scope.codes_with(user, nodes.codename_for(node)) for node in nodes.all_human_nodes())


# --- workbench panels -----------------------------------------------------------------------


def my_tasks(user: Any) -> dict[str, Any] | None:
    """My open tasks (overdue first) and the count of my team's unclaimed ones."""
    if not works_on_tasks(user):
        return None
    tasks = list(_by_due(queries._open_tasks().filter(owner=user))[: LIMIT + 1])
    counts = queries.nav_counts(user)
    return {
        "rows": _rows(tasks[:LIMIT], sla.flagger()),
        "more": counts["mine"] - LIMIT if len(tasks) > LIMIT else 0,
        "mine": counts["mine"],
        "queue": counts["queue"],
    }


def decisions_waiting(user: Any) -> dict[str, Any] | None:
    """Approvers: the approval tasks waiting in their jurisdiction (unclaimed, or claimed by them)."""
    if not scope.codes_with(user, APPROVE_CASES):
        return None
    tasks = queries._open_tasks().filter(
        queries._workable_q(user, among=list(nodes.APPROVAL_NODES)), Q(owner__isnull=True) | Q(owner=user)
    )
    found = list(_by_due(tasks)[: LIMIT + 1])
    return {"rows": _rows(found[:LIMIT], sla.flagger()), "more": len(found) > LIMIT}


def department_queue(user: Any) -> dict[str, Any] | None:
    """Liaisons: their department's unclaimed verification tasks."""
    verify_nodes = [node for node in nodes.VERIFY_NODES if scope.codes_with(user, nodes.codename_for(node))]
    if not verify_nodes:
        return None
    tasks = queries._open_tasks().filter(queries._workable_q(user, among=verify_nodes), owner__isnull=True)
    found = list(_by_due(tasks)[: LIMIT + 1])
    return {"rows": _rows(found[:LIMIT], sla.flagger()), "more": len(found) > LIMIT}


def returned_to_me(user: Any) -> dict[str, Any] | None:
    """Caseworkers: returned cases waiting for correction, claimed by me or still unclaimed in my jurisdiction."""
    if not scope.codes_with(user, HANDLE_CASES):
        return None
    tasks = queries._open_tasks().filter(
        queries._workable_q(user, among=[nodes.CORRECT]), Q(owner=user) | Q(owner__isnull=True)
    )
    found = list(tasks.order_by("created", "id")[: LIMIT + 1])
    return {"rows": _rows(found[:LIMIT], sla.flagger()), "more": len(found) > LIMIT}


def due_soon(user: Any) -> dict[str, Any] | None:
    """Cases I work on that fall due within the next working days (the working-day calendar)."""
    handle = scope.codes_with(user, HANDLE_CASES)
    approve = scope.codes_with(user, APPROVE_CASES)
    if not handle and not approve:
        return None
    q = Q(pk__in=[])
    if handle:
        q |= scope.scope_q(user, codename=HANDLE_CASES)
    if approve:
        q |= scope.scope_q(user, codename=APPROVE_CASES) & Q(status=Status.PENDING_APPROVAL)
    now = timezone.now()
    until = sla.end_of_day(sla.add_working_days(timezone.localdate(), DUE_SOON_WORKING_DAYS))
    cases = list(
        Case.objects.filter(q, status__in=ACTIVE_STATUSES, paused_at__isnull=True, due_at__gte=now, due_at__lte=until)
        .select_related("subject", "division")
        .only(*queries.LIST_FIELDS)
        .order_by("due_at", "id")[: LIMIT + 1]
    )
    return {"cases": cases[:LIMIT], "more": len(cases) > LIMIT, "days": DUE_SOON_WORKING_DAYS, "until": until}


def overdue_by_county(user: Any) -> dict[str, Any] | None:
    """Supervisors: overdue open cases per county of their jurisdiction, each linking to that county's list."""
    if not scope.codes_with(user, SUPERVISE):
        return None
    counts = list(
        Case.objects.filter(
            scope.scope_q(user, codename=SUPERVISE),
            status__in=ACTIVE_STATUSES,
            paused_at__isnull=True,
            due_at__lt=timezone.now(),
        )
        .values("county_code")
        .annotate(n=Count("id"))
        .order_by("county_code")
    )
    names = dict(Division.objects.filter(code__in=[row["county_code"] for row in counts]).values_list("code", "name"))
    rows = [{"code": row["county_code"], "name": names.get(row["county_code"], ""), "n": row["n"]} for row in counts]
    return {"rows": rows, "total": sum(row["n"] for row in rows)}


def file_button(user: Any, **_objects: Any) -> dict[str, Any] | None:
    """The "new case" button (workbench: choose the person first)."""
    return {} if scope.codes_with(user, HANDLE_CASES) else None


# --- the person's page ------------------------------------------------------------------------


def subject_file_button(user: Any, *, subject: Any) -> dict[str, Any] | None:
    if not scope.has_perm_at(user, HANDLE_CASES, subject.division_id):
        return None
    return {"subject": subject}


def subject_cases(user: Any, *, subject: Any) -> dict[str, Any] | None:
    """The person's cases, newest first (the person's page is only shown to who may see the person)."""
    cases = list(
        Case.objects.filter(subject=subject)
        .select_related("division")
        .only(*[f for f in queries.LIST_FIELDS if not f.startswith("subject__")])
        .order_by("-created_at", "-id")[:100]
    )
    return {
        "subject": subject,
        "cases": cases,
        "may_file": scope.has_perm_at(user, HANDLE_CASES, subject.division_id),
        "flag": sla.flagger(),
    }


# --- quick search -----------------------------------------------------------------------------


def search_cases(user: Any, *, term: str) -> dict[str, Any] | None:
    """Cases by number, person's name or full ID number (blind index), in the user's jurisdiction."""
    term = term.strip()
    if not term:
        return None
    rows, _cursor = queries.keyset_page(queries.case_list(user, queries.CaseFilters(search=term)), size=LIMIT)
    return {"cases": rows, "more": bool(_cursor)}


def register() -> None:
    register_panel = panels.register
    Panel = panels.Panel
    register_panel(panels.WORKBENCH, Panel("my-tasks", "cases/panels/my_tasks.html", my_tasks, order=10))
    register_panel(panels.WORKBENCH, Panel("decisions", "cases/panels/decisions.html", decisions_waiting, order=20))
    register_panel(
        panels.WORKBENCH, Panel("department-queue", "cases/panels/department_queue.html", department_queue, order=20)
    )
    register_panel(panels.WORKBENCH, Panel("returned", "cases/panels/returned.html", returned_to_me, order=30))
    register_panel(panels.WORKBENCH, Panel("due-soon", "cases/panels/due_soon.html", due_soon, order=40))
    register_panel(
        panels.WORKBENCH, Panel("overdue", "cases/panels/overdue_by_county.html", overdue_by_county, order=15)
    )
    register_panel(panels.WORKBENCH_ACTIONS, Panel("file-case", "cases/panels/file_button.html", file_button))
    register_panel(
        panels.SUBJECT_ACTIONS, Panel("file-case", "cases/panels/subject_file_button.html", subject_file_button)
    )
    register_panel(panels.SUBJECT, Panel("cases", "cases/panels/subject_cases.html", subject_cases, order=20))
    register_panel(panels.SEARCH, Panel("cases", "cases/panels/search_cases.html", search_cases, order=20))
    from .views import ratings_panel

    register_panel(panels.CASE, Panel("ratings", "cases/panels/ratings.html", ratings_panel, order=90))
