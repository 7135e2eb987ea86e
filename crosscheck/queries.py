"""Scoped reads of the cross-check and its ``access_*`` helpers (404 outside, 403 not allowed)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from core import replicas
from jurisdictions import scope
from jurisdictions.models import NATION_CODE, Department, Division, Level, ancestor_codes, level_of_code
from jurisdictions.roles import VIEW, verify_permission

from .models import (
    DatasetBatch,
    Discrepancy,
    DiscrepancyStatus,
    DuplicateSuspect,
    Overpayment,
    Run,
)

SUPERVISE = "supervise"


def _overlap_q(user: Any, field: str, codename: str = VIEW) -> Q:
    """Rows whose division column (``""`` = nation) contains, or lies within, one of the user's grants."""
    q = Q(pk__in=[])
    for code in scope.codes_with(user, codename):
        if code == NATION_CODE:
            return Q()
        containing = ["", *[c for c in ancestor_codes(code) if c != NATION_CODE]]
        q |= Q(**{f"{field}__in": containing}) | Q(**{f"{field}__startswith": code})
    return q


def require_supervisor(user: Any) -> None:
    """Run history, batches and tracking are supervisor pages: 403 for anyone else."""
    if not scope.codes_with(user, SUPERVISE):
        raise PermissionDenied(_("Only supervisors may see this page."))


def loader_departments(user: Any) -> list[str]:
    """Departments whose data the user may upload: every one for a supervisor, their own for a liaison."""
    if scope.codes_with(user, SUPERVISE):
        return list(Department.values)
    return [d for d in Department.values if scope.codes_with(user, verify_permission(d))]


def require_loader(user: Any) -> None:
    """Dataset pages are for supervisors and liaisons: 403 for anyone else."""
    if not loader_departments(user):
        raise PermissionDenied(_("Only supervisors and department liaisons may see this page."))


def _may_load(user: Any, department: str, code: str) -> bool:
    return scope.has_perm_at(user, SUPERVISE, code) or scope.has_perm_at(user, verify_permission(department), code)


def _grant_codes(user: Any, department: str) -> list[str]:
    codes = set(scope.codes_with(user, SUPERVISE))
    if department in Department.values:
        codes.update(scope.codes_with(user, verify_permission(department)))
    return sorted(codes, key=lambda c: (len(c) if c != NATION_CODE else 0, c))


def access_upload(user: Any, department: str, division: str = "", *, run: bool = False) -> str:
    """The division code (``""`` = nation) a user uploads a department's data for, or starts a run in.

    400 for an unknown department; 404 for a division outside the user's jurisdiction; 403 when it
    is visible but the user neither supervises there nor is that department's liaison there.
    Without ``division``, the user's widest grant. A run without a department is for supervisors.
    """
    if department and department not in Department.values:
        raise ValidationError({"department": [_("Unknown department.")]})
    if not department and not run:
        raise ValidationError({"department": [_("This field is required.")]})
    if division:
        code = scope.access_division(user, division).code
    else:
        codes = _grant_codes(user, department) if department else scope.codes_with(user, SUPERVISE)
        if not codes:
            raise PermissionDenied(_("Only supervisors and the department's liaisons may do this."))
        code = codes[0]
    allowed = scope.has_perm_at(user, SUPERVISE, code) or (department and _may_load(user, department, code))
    if not allowed:
        raise PermissionDenied(_("Only supervisors and the department's liaisons may do this."))
    return "" if code == NATION_CODE else code


def runs_for(user: Any) -> QuerySet[Run]:
    return Run.objects.filter(_overlap_q(user, "division_code", SUPERVISE))


def access_run(user: Any, run_id: Any) -> Run:
    run = runs_for(user).filter(pk=run_id).first()
    if run is None:
        raise Http404(_("Not found."))
    return run


def batches_for(user: Any) -> QuerySet[DatasetBatch]:
    """Batches over the user's supervised divisions, and their own department's for a liaison."""
    q = _overlap_q(user, "coverage_code", SUPERVISE)
    for department in Department.values:
        codename = verify_permission(department)
        if scope.codes_with(user, codename):
            q |= Q(department=department) & _overlap_q(user, "coverage_code", codename)
    return DatasetBatch.objects.filter(q)


def access_batch(user: Any, batch_id: Any) -> DatasetBatch:
    batch = batches_for(user).filter(pk=batch_id).first()
    if batch is None:
        raise Http404(_("Not found."))
    return batch


def discrepancies_for(user: Any) -> QuerySet[Discrepancy]:
    return scope.scoped(Discrepancy.objects.all(), user).select_related("subject", "case", "batch")


def access_discrepancy(user: Any, pk: Any, *, codename: str | None = None) -> Discrepancy:
    item = Discrepancy.objects.select_related("subject", "case", "batch").filter(pk=pk).first()
    return scope.access_located(user, item, codename=codename)  # type: ignore[return-value]


def may_send_down(user: Any, county_code: str) -> bool:
    return scope.has_perm_at(user, SUPERVISE, county_code)


def suspects_for(user: Any) -> QuerySet[DuplicateSuspect]:
    q = scope.scope_q(user) | scope.scope_q(user, prefix="subject_b__")
    return DuplicateSuspect.objects.filter(q).select_related("subject_a", "subject_b")


def access_suspect(user: Any, pk: Any, *, decide: bool = False) -> DuplicateSuspect:
    """404 unless the user sees one of the two records; 403 to decide without handling or supervising there."""
    suspect = suspects_for(user).filter(pk=pk).first()
    if suspect is None:
        raise Http404(_("Not found."))
    if decide:
        codes = (suspect.subject_a.division_id, suspect.subject_b.division_id)
        allowed = any(scope.has_perm_at(user, c, d) for c in ("handle_cases", SUPERVISE) for d in codes)
        if not allowed:
            raise PermissionDenied(_("You are not allowed to do this here."))
    return suspect


def require_merge_rights(user: Any, suspect: DuplicateSuspect) -> None:
    """403 unless the user may act on both records: a merge moves benefits between them.

    Two records in different counties can therefore only be merged by someone above both
    (e.g. the city supervisor); marking them distinct needs only one side.
    """
    for division_code in (suspect.subject_a.division_id, suspect.subject_b.division_id):
        if not any(scope.has_perm_at(user, c, division_code) for c in ("handle_cases", SUPERVISE)):
            raise PermissionDenied(_("Only someone responsible for both records may merge them."))


def overpayments_for(user: Any) -> QuerySet[Overpayment]:
    return scope.scoped(Overpayment.objects.all(), user)


# --- tracking -----------------------------------------------------------------------------------


@dataclass
class TrackingRow:
    code: str
    name: str
    found: int = 0
    open: int = 0
    sent: int = 0
    corrected: int = 0
    confirmed: int = 0
    overdue: int = 0


_CHILD_COLUMN = {Level.NATION: "province_code", Level.PROVINCE: "city_code", Level.CITY: "county_code"}


def tracking(user: Any, division: Division) -> list[TrackingRow]:
    """Per child division of ``division``: items found, open, sent, corrected, confirmed, overdue.

    "Sent" counts everything sent down (whatever happened since), "corrected" the cases applied
    (awaiting or past the re-check), "confirmed" those a later run no longer found, "overdue"
    the sent items whose case is past its due date. Counted on a replica that has replayed the
    user's writes, when replicas are configured (:mod:`core.replicas`); the scope on the primary.
    """
    items = discrepancies_for(user)
    with replicas.reading_from_replica(user):
        return _tracking(items, division)


def _tracking(items: QuerySet[Discrepancy], division: Division) -> list[TrackingRow]:
    level = Level(division.level)
    column = _CHILD_COLUMN.get(level, "county_code")
    if division.code != NATION_CODE:
        own = {Level.PROVINCE: "province_code", Level.CITY: "city_code"}.get(level, "county_code")
        items = items.filter(**{own: division.code[:6] if level >= Level.COUNTY else division.code})
    now = timezone.now()
    rows = (
        items.order_by()
        .values(column)
        .annotate(
            found=Count("pk"),
            open=Count("pk", filter=Q(status=DiscrepancyStatus.OPEN)),
            sent=Count("pk", filter=Q(case__isnull=False)),
            corrected=Count("pk", filter=Q(status__in=[DiscrepancyStatus.CORRECTED, DiscrepancyStatus.CONFIRMED])),
            confirmed=Count("pk", filter=Q(status=DiscrepancyStatus.CONFIRMED)),
            overdue=Count(
                "pk",
                filter=Q(status=DiscrepancyStatus.SENT, case__due_at__lt=now, case__paused_at__isnull=True),
            ),
        )
    )
    names = dict(Division.objects.filter(code__in=[r[column] for r in rows]).values_list("code", "name"))
    result = [
        TrackingRow(
            code=r[column],
            name=names.get(r[column], r[column]),
            found=r["found"],
            open=r["open"],
            sent=r["sent"],
            corrected=r["corrected"],
            confirmed=r["confirmed"],
            overdue=r["overdue"],
        )
        for r in rows
    ]
    return sorted(result, key=lambda row: row.code)


def tracking_root(user: Any) -> Division:
    """Where a supervisor's tracking starts: the single division they supervise, or the nation."""
    codes = scope.codes_with(user, SUPERVISE)
    if len(codes) == 1 and codes[0] != NATION_CODE:
        return Division.objects.get(code=codes[0])
    return (
        Division.objects.get(code=NATION_CODE)
        if Division.objects.filter(code=NATION_CODE).exists()
        else Division(code=NATION_CODE, name=_("Nation"), level=Level.NATION)
    )


def is_county_or_below(code: str) -> bool:
    level = level_of_code(code)
    return level is not None and level >= Level.COUNTY
