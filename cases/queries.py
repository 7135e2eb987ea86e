"""Reading cases and tasks, always through the jurisdiction scope.

``access_case`` / ``access_task`` / ``access_attachment``: 404 outside the user's jurisdiction
(unless an exception grant in force shares the case with them, ``cases.policy.shared_with``),
403 when visible but the user may not act. Lists (cases, my tasks, the queue) are scoped querysets built on
``jurisdictions.scope``, never on viewflow's own queue (which ignores the hierarchy).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import astuple, dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy
from viewflow.workflow.models import Process, Task
from viewflow.workflow.status import STATUS

from accounts.models import User, relatives_cache_spec
from audit.models import AuditEvent
from core import cache as shared_cache
from core import steps
from core.keyset import BadCursor, Page, Shaped, Sort, Source, Total, paginate, total
from core.planned import PlannedValuesIterable, Row, planned_cursor
from jurisdictions import scope
from jurisdictions.models import NATION_CODE
from jurisdictions.perms import SUPERVISE, VIEW
from subjects.models import Subject

from . import extensions, locks, nodes
from .models import OPEN_STATUSES, Attachment, Case, CaseGrant, Status
from .nodes import all_human_nodes, flow_task_ref
from .policy import TaskAccess, at_its_body, may_see, may_work_on, shared_with

# --- objects ---------------------------------------------------------------------------------


def access_case(user: Any, case_id: Any, *, codename: str | None = None) -> Case:
    try:
        pk = int(case_id)
    except (TypeError, ValueError):
        raise Http404(_("Not found.")) from None
    case = Case.objects.select_related("subject", "division", "filed_by", "decided_by").filter(pk=pk).first()
    if case is not None and extensions.hidden_from(user, case):
        raise Http404(_("Not found."))
    if case is not None and not scope.can_see(user, case.division_id) and shared_with(user, case):
        # Shared by an exception grant: open to read; a jurisdiction permission is never implied.
        if codename is not None:
            raise PermissionDenied(_("This case is shared with you to read and verify only."))
        return case
    scope.access_located(user, case, codename=codename)
    assert case is not None
    return case


def prefetch_for(user: Any, case: Case) -> None:
    """Fetch what the checks on ``user`` and ``case`` read from the shared cache in one round trip:
    the user's memberships and declared relatives, and the keys other apps read for the case; and
    whether the user's navigation counts are cached."""
    if not getattr(user, "is_authenticated", False):
        return
    shared_cache.prefetch(
        versioned=[*scope.membership_cache_spec(user), *relatives_cache_spec(user.pk)],
        # The user's navigation counts too: a task action need not drop them when they are not there.
        plain=[*extensions.cached_keys(case), _nav_key(user.pk)],
    )


def access_task(user: Any, task_id: Any, *, act: bool = True, lock: bool = False) -> TaskAccess:
    """A case task the user may see (404 otherwise) and, with ``act``, work on (403 otherwise), with its case.

    ``lock`` (inside the caller's transaction): the case row is locked first and the task row read
    and locked after it, so that an action completing the task can take both as they are
    (``locked=``) instead of reading them again.
    """
    try:
        pk = int(task_id)
    except (TypeError, ValueError):
        raise Http404(_("Not found.")) from None
    case, task = _case_and_task(pk, lock=lock)
    if lock and case is not None:
        locks.remember(case)
    if task is None or case is None:
        raise Http404(_("Not found."))
    prefetch_for(user, case)
    if not may_see(user, case):
        raise Http404(_("Not found."))
    node = task.flow_task.name
    if node not in all_human_nodes():
        raise Http404(_("Not found."))
    if act and not may_work_on(user, node, case):
        raise PermissionDenied(_("This task is for another role or department."))
    if act and not at_its_body(user, task):
        raise PermissionDenied(_("This task is for another body."))
    return TaskAccess(task=task, case=case)


def _case_and_task(pk: int, *, lock: bool) -> tuple[Case | None, Task | None]:
    """The task with its owner and process, and its case with its subject, in one statement.

    ``lock``: the case locked, then the task row. PostgreSQL: ``FOR UPDATE OF`` the case first and
    the task after it (the order of the ``OF`` list is the order the rows are locked in: the case
    stays the first lock every case action takes, so a completion cannot deadlock with a release
    or a withdrawal, which lock the case and then touch its tasks). Written as SQL over the
    models' columns, read into instances with their fields' converters: the ORM's compilation of
    this five-table read cost more than the read. Elsewhere (SQLite): the ORM, two queries when locking.
    """
    if connection.vendor != "postgresql":
        if not lock:
            task = (
                Task.objects.select_related("owner", "process__case__subject")
                .filter(pk=pk, process__case__isnull=False)
                .first()
            )
            return (task.process.case if task is not None else None), task
        case = Case.objects.select_for_update().select_related("subject").filter(process__task__pk=pk).first()
        if case is None:
            return None, None
        return case, Task.objects.select_for_update().select_related("process", "owner").filter(pk=pk).first()
    sql, parts = _task_read_sql()
    with planned_cursor() as cursor:  # planned once per connection: the plan cost more than the read
        cursor.execute(sql + (" FOR UPDATE OF c, t" if lock else ""), [pk])
        row = cursor.fetchone()
    if row is None:
        return None, None
    loaded: list[Any] = []
    start = 0
    for model, fields in parts:
        values = row[start : start + len(fields)]
        start += len(fields)
        loaded.append(_from_row(model, fields, values) if values[0] is not None else None)
    case, subject, task, process, owner = loaded
    case.subject = subject
    task.process = process
    task.owner = owner
    process.case = case
    return case, task


_TASK_READ: list[Any] = []


def _task_read_sql() -> tuple[str, list[tuple[Any, list[Any]]]]:
    """The SQL of :func:`_case_and_task` and, per model, its fields with their converters (built once)."""
    if not _TASK_READ:
        aliases = [(Case, "c"), (Subject, "s"), (Task, "t"), (Process, "p"), (User, "u")]
        columns = ", ".join(f'{alias}."{f.column}"' for model, alias in aliases for f in model._meta.concrete_fields)
        table = {model: connection.ops.quote_name(model._meta.db_table) for model, _alias in aliases}
        sql = (
            f"SELECT {columns} FROM {table[Case]} c "  # noqa: S608 (model tables and columns, no input)
            f"JOIN {table[Task]} t ON t.process_id = c.process_id "
            f"JOIN {table[Subject]} s ON s.id = c.subject_id "
            f"JOIN {table[Process]} p ON p.id = t.process_id "
            f"LEFT JOIN {table[User]} u ON u.id = t.owner_id "
            "WHERE t.id = %s"
        )
        parts = []
        for model, _alias in aliases:
            fields = []
            for field in model._meta.concrete_fields:
                col = field.get_col(model._meta.db_table)
                converters = connection.ops.get_db_converters(col) + field.get_db_converters(connection)
                fields.append((field, col, converters))
            parts.append((model, fields))
        _TASK_READ[:] = [sql, parts]
    return _TASK_READ[0], _TASK_READ[1]


def _from_row(model: Any, fields: Any, values: Any) -> Any:
    """A model instance from its columns as a cursor returned them (the fields' converters applied, as the ORM does)."""
    converted = []
    for (_field, col, converters), value in zip(fields, values, strict=True):
        for converter in converters:
            value = converter(value, col, connection)
        converted.append(value)
    return model.from_db(connection.alias, None, converted)


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


def _workable_q(user: Any, among: Iterable[str] | None = None) -> Q:
    """Tasks of nodes (``among`` the human steps) the user may work on, in the part of the tree where they may."""
    q = Q(pk__in=[])
    for node in all_human_nodes() if among is None else among:
        codename = nodes.codename_for(node)
        codes = scope.codes_with(user, codename)
        if not codes:
            continue
        if node in nodes.PROVINCE_NODES:
            # A province step: only for those who hold the permission at a province or the nation.
            # Not the cases they approved at the county themselves (maker-checker, cases.policy).
            own = Q(process__case__county_approved_by_id=getattr(user, "pk", None))
            provinces = [code for code in codes if len(code) == 2]
            if NATION_CODE in codes:
                q |= Q(flow_task=flow_task_ref(node)) & ~own
            elif provinces:
                q |= Q(flow_task=flow_task_ref(node), process__case__province_code__in=provinces) & ~own
            continue
        extra = nodes.extra_node(node)
        if extra is not None and extra.division_path:
            # Worked by another body (a review at the level above): the permission over that body.
            if "CN" in codes:  # the nation covers every body
                q |= Q(flow_task=flow_task_ref(node))
                continue
            where = Q(pk__in=[])
            for code in codes:
                where |= Q(**{f"{extra.division_path}__startswith": code})
            q |= Q(flow_task=flow_task_ref(node)) & where
            continue
        part = Q(flow_task=flow_task_ref(node)) & scope.scope_q(user, codename=codename, prefix="process__case__")
        if extra is not None and extra.at_body:
            # A task naming its body is that body's alone (``cases.nodes.task_body``).
            part &= ~Q(data__has_key=nodes.BODY_KEY) | Q(**{f"data__{nodes.BODY_KEY}__in": codes})
        q |= part
    if among is None:
        q |= _steps_q(user)
    return q


def _steps_q(user: Any) -> Q:
    """Open steps (``core.steps``) of the kinds the user may work on, at the bodies where they may.

    A step is for the holders of its kind's permission at its division or above it (``exact``: at it
    only), never for the users it names in ``not_by`` (maker-checker).
    """
    q = Q(pk__in=[])
    pk = getattr(user, "pk", None)
    division = f"process__data__{steps.DIVISION_KEY}"
    for kind in steps.kinds():
        codes = scope.codes_with(user, kind.codename)
        if not codes:
            continue
        part = Q(flow_task=steps.flow_task_ref(), **{f"process__data__{steps.KIND_KEY}": kind.name})
        if kind.exact:
            part &= Q(**{f"{division}__in": codes})
        elif NATION_CODE not in codes:
            where = Q(pk__in=[])
            for code in codes:
                where |= Q(**{f"{division}__startswith": code})
            part &= where
        if pk is not None:
            part &= ~Q(**{f"process__data__{steps.NOT_BY_KEY}__has_key": str(pk)})
        q |= part
    return q


def _open_tasks(user: Any = None) -> QuerySet[Task]:
    """Open tasks of the human steps of cases and the open steps (``core.steps``; ``user``: without
    the cases a rule hides from them)."""
    qs = Task.objects.filter(
        Q(process__case__isnull=False, flow_task__in=[flow_task_ref(n) for n in all_human_nodes()])
        | Q(flow_task=steps.flow_task_ref()),
        status__in=[STATUS.NEW, STATUS.ASSIGNED],
    ).select_related("owner", "process", "process__case", "process__case__subject", "process__case__division")
    hidden = extensions.hidden_q(user, "process__case__") if user is not None else None
    return qs.exclude(hidden) if hidden is not None else qs


SORTS = {
    "waiting": ("created", "id"),  # oldest first: longest waiting
    "due": ("process__case__due_at", "id"),
}
# The same orders for paging the inbox pages along the keyset. "waiting" reads the index
# (owner_id, created, id) on viewflow's task table (migration 0005); "due" follows the case.
TASK_SORTS: dict[str, Sort] = {
    "waiting": Sort("waiting", "created"),
    "due": Sort("due", "process__case__due_at", nullable=True),
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
    qs = _open_tasks(user).filter(q).filter(owner__isnull=True)
    if department:
        qs = qs.filter(flow_task=flow_task_ref(nodes.verify_node(department)))
    if node:
        qs = qs.filter(flow_task=flow_task_ref(node))
    if division:
        qs = qs.filter(
            Q(process__case__division_id=division)
            | Q(process__case__county_code=division)
            | Q(**{f"process__data__{steps.DIVISION_KEY}": division})
        )
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


# Navigation counts on every page: kept in the shared cache this long, and dropped for the people a
# task action concerns (its actor, the new owner) when it commits. Someone else's new task reaches
# a team member's queue count within this many seconds.
NAV_SECONDS = 30


def _nav_key(user_id: Any) -> str:
    return f"nav:cases:{user_id}"


def nav_counts_cached(user: Any) -> dict[str, int]:
    """:func:`nav_counts` and :func:`shared_count` for the navigation, from the shared cache when warm."""
    key = _nav_key(user.pk)
    counts = shared_cache.get_plain(key)
    if counts is None:
        counts = {**nav_counts(user), "shared": shared_count(user)}
        shared_cache.set_plain(key, counts, NAV_SECONDS)
    return counts


def forget_nav_counts(*user_ids: Any) -> None:
    for user_id in user_ids:
        if user_id is not None:
            shared_cache.forget_plain(_nav_key(user_id))


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


def case_of(task: Task) -> Case | None:
    """The case a listed task belongs to, or ``None`` for a step (``core.steps``)."""
    try:
        return task.process.case
    except Case.DoesNotExist:
        return None


def open_tasks_of(case: Case) -> list[Task]:
    if not case.process_id:
        return []
    return list(
        Task.objects.filter(process_id=case.process_id, status__in=[STATUS.NEW, STATUS.ASSIGNED])
        .filter(flow_task__in=[flow_task_ref(n) for n in all_human_nodes()])
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


# What an API list row carries (``cases.api``): read as dictionaries, no model instances.
ROW_FIELDS = (
    "id",
    "number",
    "kind",
    "status",
    "outcome",
    "title",
    "subject_id",
    "subject__name",
    "division_id",
    "created_at",
    "due_at",
)


# What a page's list row carries besides (``cases.views.case_list``).
PAGE_ROW_FIELDS = (*ROW_FIELDS, "paused_at", "division__name")


class ListRow(Row):
    """A list row: a dictionary that also answers ``row.pk``, ``row.created_at`` and whether the case is open."""

    @property
    def is_open(self) -> bool:
        return self.get("status") in OPEN_STATUSES


class _ListRowIterable(PlannedValuesIterable):
    """The list's rows as :class:`ListRow`; on PostgreSQL the statement is planned once per connection
    (``core.planned``: the page's plan cost as much as reading it), its values converted as the ORM does."""

    row_type = ListRow


def as_rows(qs: QuerySet[Case], fields: tuple[str, ...] = ROW_FIELDS) -> QuerySet[Any]:
    """``qs`` (a :func:`case_list`) read as :class:`ListRow` dictionaries of ``fields``."""
    rows = qs.values(*fields)
    rows._iterable_class = _ListRowIterable
    return rows


def case_rows(user: Any, filters: CaseFilters | None = None, fields: tuple[str, ...] = ROW_FIELDS) -> Source[Any]:
    """The case list (:func:`case_list`) as :class:`ListRow` rows of ``fields``, for :func:`case_page`.

    Its page statements are compiled once per shape (``core.keyset.Shaped``): what the queryset
    depends on is the viewer's scope (the codes they may view), what the extensions hide from them,
    the filters and the fields. An overdue list (it compares with the time of the request) and a
    search (it may hold an ID number) are built on each request.
    """
    chosen = filters or CaseFilters()

    def build() -> QuerySet[Any]:
        return as_rows(case_list(user, chosen), fields)

    if chosen.overdue or chosen.search:
        return build()
    shape = ("cases.list", fields, tuple(scope.codes_with(user, VIEW)), extensions.hidden_q(user), astuple(chosen))
    try:
        hash(shape)
    except TypeError:  # an extension hides by something that is not a value: built each time
        return build()
    return Shaped(Case, shape, build)


def case_list(user: Any, filters: CaseFilters | None = None) -> QuerySet[Case]:
    """Cases the user may see, newest first (keyset pagination on ``(created_at, id)``)."""
    filters = filters or CaseFilters()
    qs = scope.scoped(Case.objects.all(), user).select_related("subject", "division").only(*LIST_FIELDS)
    hidden = extensions.hidden_q(user)
    if hidden is not None:
        qs = qs.exclude(hidden)
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


# The orders the case list offers (page column headers, the API's ``sort``), each backed by its
# keyset indexes on (county_code | city_code | province_code | division, column, id).
CASE_SORTS: dict[str, Sort] = {
    s.key: s
    for s in (
        Sort("-filed", "created_at", descending=True, label=pgettext_lazy("sort", "Newest filed first")),
        Sort("filed", "created_at", label=pgettext_lazy("sort", "Oldest filed first")),
        Sort("number", "number", label=pgettext_lazy("sort", "Case number, ascending")),
        Sort("-number", "number", descending=True, label=pgettext_lazy("sort", "Case number, descending")),
        Sort("due", "due_at", nullable=True, label=pgettext_lazy("sort", "Due soonest first")),
        Sort("-due", "due_at", descending=True, nullable=True, label=pgettext_lazy("sort", "Due latest first")),
    )
}
DEFAULT_CASE_SORT = "-filed"


def case_page(
    qs: Source[Any], *, sort: str = DEFAULT_CASE_SORT, after: str = "", before: str = "", size: int = 50
) -> Page[Case]:
    """One page of the case list in ``sort`` order, after ``after`` or before ``before`` (row-value keyset)."""
    return paginate(qs, CASE_SORTS[sort], after=after, before=before, size=size)


def keyset_page(qs: QuerySet[Case], *, after: str = "", size: int = 50) -> tuple[list[Case], str]:
    """One page after the cursor ``"<created_at iso>|<id>"`` (newest first); the rows and the next cursor."""
    try:
        page = case_page(qs, after=after, size=size)
    except BadCursor:
        page = case_page(qs, size=size)
    return page.rows, page.next


def case_total(user: Any, filters: CaseFilters, qs: Source[Any]) -> Total:
    """The number of cases the list holds: exact for a county or below, cached above it."""
    return total(qs, exact=scope.within_county(user), key=("cases", scope.codes_with(user, VIEW), filters))


def related_open_case_statuses() -> list[str]:
    return [str(s) for s in OPEN_STATUSES if s != Status.REJECTED]


def person_summary(subject: Any) -> dict[str, Any]:
    """The person a task decides on, as a summary (not the whole register record): who they are,
    their age, category and status, service period, and the benefits being paid now."""
    from subjects.models import BenefitStatus

    today = timezone.localdate()
    birth = subject.birth_date
    age = today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day)) if birth else None
    return {
        "subject": subject,
        "age": age,
        "benefits": list(subject.benefits.filter(status=BenefitStatus.ACTIVE).order_by("start", "id")),
    }
