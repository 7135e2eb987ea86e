"""Live figures for a division subtree: indexed group-bys in the database, never loops over rows.

Every function takes a :class:`~django.db.models.Q` that already combines the user's scope
(:func:`jurisdictions.scope.scope_q`) with the requested subtree (:func:`subtree_q`), and
returns small plain dicts keyed by the choice values. Each is one ``GROUP BY`` (or one
aggregate) over the denormalised ``province_code``/``city_code``/``county_code`` columns.

Definitions used by the dashboards and the frozen report snapshots:

- **Basic information complete** (phase 1): ethnicity, political affiliation and household
  registration address are filled in, and for people who served (not families) the enlistment
  date too. Name, sex, birth date, ID number and category are mandatory on every record.
- **Signature confirmation** (签字确认): ``confirmed_at`` and ``confirmed_by`` are set.
- **Collection done** (phase 1): both of the above. Only subjects on file (status active) count.
- **Backlog**: cases in a stage where someone must act (submitted, verification, approval,
  returned for correction, approved but the database not yet updated), by age since filing.
- **SLA compliance**: of cases whose stage clock is running (a due date, not paused), the share
  not past their due date.
- **Problem and missing data** (phase 2, from ``crosscheck``): discrepancies by type and status;
  subjects with a live discrepancy (open, sent down, corrected awaiting re-check) and subjects
  whose discrepancies were all corrected and confirmed (or no longer found). These count from
  the discrepancy table only, so their cost follows the number of discrepancies, not of people.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Case as SqlCase
from django.db.models import Count, IntegerField, Q, Value, When
from django.db.models.functions import TruncWeek
from django.utils import timezone

from cases import summary as case_summary
from cases.models import Case, Status
from crosscheck.models import LIVE_STATUSES, Discrepancy, DiscrepancyStatus
from jurisdictions.models import Level, level_of_code
from subjects import summary as subject_summary
from subjects.models import Subject, SubjectStatus

# The column that names a division's children, by the division's level.
CHILD_COLUMN = {
    Level.NATION: "province_code",
    Level.PROVINCE: "city_code",
    Level.CITY: "county_code",
    Level.COUNTY: "division_id",
}
_OWN_COLUMN = {Level.PROVINCE: "province_code", Level.CITY: "city_code", Level.COUNTY: "county_code"}

# The definitions live with the data (and its summary tables): subjects.summary, cases.summary.
COMPLETE_Q = subject_summary.COMPLETE_Q
CONFIRMED_Q = subject_summary.CONFIRMED_Q
BACKLOG_STATUSES = case_summary.BACKLOG_STATUSES
TIMED_STATUSES = case_summary.TIMED_STATUSES
DECIDED_STATUSES = (Status.APPROVED, Status.REJECTED, Status.APPLIED, Status.CLOSED)
# Upper bounds (calendar days since the local day of filing) of the age bands; the last is open-ended.
AGE_BANDS = (7, 30, 90)
AGE_BAND_KEYS = ("0-7", "8-30", "31-90", "90+")
THROUGHPUT_WEEKS = 12


def subtree_q(code: str, prefix: str = "") -> Q:
    """Rows of a Located model inside ``code``'s subtree (equality on an indexed column)."""
    level = level_of_code(code)
    if level is None:
        return Q(pk__in=[])
    if level == Level.NATION:
        return Q()
    column = _OWN_COLUMN.get(level, "division_id")
    return Q(**{f"{prefix}{column}": code})


def child_column(code: str) -> str:
    level = level_of_code(code)
    return CHILD_COLUMN.get(level, "division_id") if level is not None else "division_id"


# --- Subjects -----------------------------------------------------------------------------


def _collection_aggregates(active_only: bool) -> dict[str, Count]:
    active = Q(status=SubjectStatus.ACTIVE) if active_only else Q()
    return {
        "complete": Count("id", filter=active & COMPLETE_Q),
        "confirmed": Count("id", filter=active & CONFIRMED_Q),
        "done": Count("id", filter=active & COMPLETE_Q & CONFIRMED_Q),
    }


def subject_breakdown(q: Q, column: str | None = None) -> list[dict[str, Any]]:
    """One scan of the subtree: counts per (``column``,) category and status, with phase 1 counts.

    Rows: ``{column?, "category", "status", "n", "complete", "confirmed", "done"}``; at most
    children × 13 × 4 rows, from which :func:`fold_subjects`, :func:`fold_collection` and
    :func:`fold_children` derive every subject table without touching the data again.
    """
    keys = ([column] if column else []) + ["category", "status"]
    rows = (
        Subject.objects.filter(q)
        .order_by()
        .values(*keys)
        .annotate(n=Count("id"), **_collection_aggregates(active_only=False))
    )
    return [dict(row) for row in rows]


def fold_subjects(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """``{"total", "by_category", "by_status", "matrix"}`` from :func:`subject_breakdown` rows."""
    by_category: dict[str, int] = {}
    by_status: dict[str, int] = {}
    matrix: dict[str, dict[str, int]] = {}
    total = 0
    for row in rows:
        n = int(row["n"])
        total += n
        by_category[row["category"]] = by_category.get(row["category"], 0) + n
        by_status[row["status"]] = by_status.get(row["status"], 0) + n
        cell = matrix.setdefault(row["category"], {})
        cell[row["status"]] = cell.get(row["status"], 0) + n
    return {"total": total, "by_category": by_category, "by_status": by_status, "matrix": matrix}


def _fold_phase1(rows: list[dict[str, Any]]) -> dict[str, int]:
    result = {"on_file": 0, "complete": 0, "confirmed": 0, "done": 0}
    for row in rows:
        if row["status"] != SubjectStatus.ACTIVE:
            continue  # only subjects on file count towards collection
        result["on_file"] += int(row["n"])
        for key in ("complete", "confirmed", "done"):
            result[key] += int(row[key])
    return result


def fold_collection(rows: list[dict[str, Any]]) -> dict[str, int]:
    """Phase 1 progress over subjects on file: ``{"on_file", "complete", "confirmed", "done"}``."""
    return _fold_phase1(rows)


def fold_children(rows: list[dict[str, Any]], column: str) -> dict[str, dict[str, int]]:
    """Phase 1 progress per child division (rows from ``subject_breakdown(q, column)``)."""
    grouped: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        grouped.setdefault(row[column], []).append(row)
    folded = {code: _fold_phase1(group) for code, group in grouped.items()}
    return {code: counts for code, counts in folded.items() if counts["on_file"]}


def subject_counts(q: Q) -> dict[str, Any]:
    """Subjects by category and status (one GROUP BY): ``{"total", "by_category", "by_status", "matrix"}``."""
    return fold_subjects(subject_breakdown(q))


# --- Cases --------------------------------------------------------------------------------


def _local_midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _age_band(now: dt.datetime) -> SqlCase:
    """Band ``i`` when filed at most ``AGE_BANDS[i]`` calendar days before today (local days)."""
    today = timezone.localdate(now)
    whens = [
        When(created_at__gte=_local_midnight(today - dt.timedelta(days=days)), then=Value(i))
        for i, days in enumerate(AGE_BANDS)
    ]
    return SqlCase(*whens, default=Value(len(AGE_BANDS)), output_field=IntegerField())


def open_cases(q: Q, now: dt.datetime | None = None) -> list[dict[str, Any]]:
    """One scan of the subtree's open cases: ``{"status", "band", "n", "timed", "overdue"}`` rows.

    ``timed``: the stage clock runs (a due date, not paused, in a timed stage); ``overdue``:
    and its due day is past (due dates are the end of a local day). :func:`fold_backlog` and
    :func:`fold_sla` read these rows.
    """
    now = now or timezone.now()
    start_of_today = _local_midnight(timezone.localdate(now))
    running = Q(status__in=TIMED_STATUSES, due_at__isnull=False, paused_at__isnull=True)
    rows = (
        Case.objects.filter(q, status__in=BACKLOG_STATUSES)
        .order_by()
        .annotate(band=_age_band(now))
        .values("status", "band")
        .annotate(
            n=Count("id"),
            timed=Count("id", filter=running),
            overdue=Count("id", filter=running & Q(due_at__lt=start_of_today)),
        )
    )
    return [dict(row) for row in rows]


def fold_backlog(rows: list[dict[str, Any]]) -> dict[str, dict[str, int]]:
    """Open cases by stage and age band: ``{stage: {band: n}}``."""
    result: dict[str, dict[str, int]] = {}
    for row in rows:
        result.setdefault(row["status"], {})[AGE_BAND_KEYS[row["band"]]] = int(row["n"])
    return result


def fold_sla(rows: list[dict[str, Any]]) -> dict[str, dict[str, int]]:
    """Cases with a running stage clock, per stage: ``{stage: {"timed", "overdue"}}``."""
    result: dict[str, dict[str, int]] = {}
    for row in rows:
        if not row["timed"]:
            continue
        entry = result.setdefault(row["status"], {"timed": 0, "overdue": 0})
        entry["timed"] += int(row["timed"])
        entry["overdue"] += int(row["overdue"])
    return result


def week_start(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def throughput(q: Q, now: dt.datetime | None = None, weeks: int = THROUGHPUT_WEEKS) -> list[dict[str, Any]]:
    """Cases filed and decided per week (Monday, local time) over the last ``weeks`` weeks, oldest first."""
    now = now or timezone.now()
    first = week_start(timezone.localtime(now).date()) - dt.timedelta(weeks=weeks - 1)
    since = timezone.make_aware(dt.datetime.combine(first, dt.time.min))
    tz = timezone.get_current_timezone()
    filed = (
        Case.objects.filter(q, created_at__gte=since)
        .order_by()
        .annotate(week=TruncWeek("created_at", tzinfo=tz))
        .values("week")
        .annotate(n=Count("id"))
    )
    decided = (
        Case.objects.filter(q, decided_at__gte=since)
        .order_by()
        .annotate(week=TruncWeek("decided_at", tzinfo=tz))
        .values("week")
        .annotate(n=Count("id"))
    )

    def by_week(rows: Any) -> dict[dt.date, int]:
        return {_as_date(row["week"]): int(row["n"]) for row in rows}

    filed_by, decided_by = by_week(filed), by_week(decided)
    weeks_list = [first + dt.timedelta(weeks=i) for i in range(weeks)]
    return [{"week": w.isoformat(), "filed": filed_by.get(w, 0), "decided": decided_by.get(w, 0)} for w in weeks_list]


def _as_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


def cases_in_period(q: Q, start: dt.date, end: dt.date) -> dict[str, int]:
    """Cases filed and decided between ``start`` and ``end`` (inclusive, local dates)."""
    lo = timezone.make_aware(dt.datetime.combine(start, dt.time.min))
    hi = timezone.make_aware(dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min))
    row = Case.objects.filter(q).aggregate(
        filed=Count("id", filter=Q(created_at__gte=lo, created_at__lt=hi)),
        decided=Count("id", filter=Q(decided_at__gte=lo, decided_at__lt=hi)),
    )
    return {key: int(value or 0) for key, value in row.items()}


def case_stage_counts(q: Q) -> dict[str, int]:
    """Cases by status (stage), all of them (one GROUP BY)."""
    rows = Case.objects.filter(q).order_by().values("status").annotate(n=Count("id"))
    return {row["status"]: int(row["n"]) for row in rows}


# --- Problem and missing data (crosscheck) -------------------------------------------------

CLOSED_PROBLEM_STATUSES = (DiscrepancyStatus.CONFIRMED, DiscrepancyStatus.RESOLVED)


def problems(q: Q) -> dict[str, Any]:
    """``{"by_kind": {kind: {status: n}}, "subjects_live": n, "subjects_corrected": n}`` (three queries)."""
    rows = Discrepancy.objects.filter(q).order_by().values("kind", "status").annotate(n=Count("id"))
    by_kind: dict[str, dict[str, int]] = {}
    for row in rows:  # at most kinds × statuses rows
        by_kind.setdefault(row["kind"], {})[row["status"]] = int(row["n"])
    live = Discrepancy.objects.filter(q, status__in=LIVE_STATUSES)
    subjects_live = live.aggregate(n=Count("subject", distinct=True))["n"] or 0
    corrected = (
        Discrepancy.objects.filter(q, status__in=CLOSED_PROBLEM_STATUSES)
        .exclude(subject__in=live.values("subject"))
        .aggregate(n=Count("subject", distinct=True))["n"]
        or 0
    )
    return {"by_kind": by_kind, "subjects_live": int(subjects_live), "subjects_corrected": int(corrected)}
