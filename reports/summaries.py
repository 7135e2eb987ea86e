"""The dashboards' figures read from the summary tables (``subjects.summary``, ``cases.summary``).

Same shapes as the live group-bys of :mod:`reports.figures`, and the same figures (the summary
tests compare them after random sequences of actions), but the cost follows the number of
divisions × keys, not the number of people or cases: a province reads its cities' subject rows
and its own case rows, a few thousand at most, whatever the size of the register.

Used for a division above the county (nation, province, city) whose whole subtree the user
sees; a county's figures stay live (its rows are few, and its children are townships, which the
summary tables do not break down).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q, Sum
from django.utils import timezone

from cases import summary as case_summary
from cases.models import CaseCount
from core import summary
from core.summary import NATION
from crosscheck.models import ProblemCount
from subjects.models import SubjectCount

from . import figures


def _where_children(code: str) -> dict[str, str]:
    return {"parent": code}


def _where_own(code: str) -> dict[str, str]:
    # The nation has no rows of its own: its figures are the sum of its provinces'.
    return {"parent": NATION} if code == NATION else {"code": code}


def subject_breakdown(code: str, column: str | None = None) -> list[dict[str, Any]]:
    """As :func:`reports.figures.subject_breakdown` for ``code``'s subtree (children in ``column``)."""
    rows = summary.read(
        SubjectCount, group=["code", "category", "status", "complete", "confirmed"], **_where_children(code)
    )
    merged: dict[tuple[Any, ...], dict[str, Any]] = {}
    for row in rows:
        key = (row["code"] if column else None, row["category"], row["status"])
        item = merged.get(key)
        if item is None:
            item = {"category": row["category"], "status": row["status"], "n": 0, "complete": 0, "confirmed": 0}
            item["done"] = 0
            if column:
                item[column] = row["code"]
            merged[key] = item
        n = int(row["total"])
        item["n"] += n
        if row["complete"]:
            item["complete"] += n
        if row["confirmed"]:
            item["confirmed"] += n
        if row["complete"] and row["confirmed"]:
            item["done"] += n
    return [item for item in merged.values() if item["n"]]


def band_of(day: dt.date, today: dt.date) -> int:
    """The age band of a case filed on local ``day`` (calendar days, as :func:`figures.open_cases`)."""
    age = (today - day).days
    for i, limit in enumerate(figures.AGE_BANDS):
        if age <= limit:
            return i
    return len(figures.AGE_BANDS)


def _case_rows(code: str, facts: tuple[int, ...]) -> list[dict[str, Any]]:
    return summary.read(CaseCount, group=["fact", "status", "day"], fact__in=facts, **_where_own(code))


def case_rows(code: str, now: dt.datetime | None = None) -> list[dict[str, Any]]:
    """Every case row the dashboard reads, in one read: the stages and clocks (every day), and
    the cases filed and decided since the first week of the throughput window (which starts
    before the month of the period table). Hand them to :func:`open_cases`, :func:`throughput`
    and :func:`cases_in_period` as ``rows``."""
    today = timezone.localdate(now) if now is not None else timezone.localdate()
    since = min(_throughput_start(today), today.replace(day=1))
    rows = (
        CaseCount.objects.filter(
            Q(fact__in=(case_summary.AGE, case_summary.CLOCK)) | Q(day__gte=since), **_where_own(code)
        )
        .order_by()
        .values("fact", "status", "day")
        .annotate(total=Sum("n"))
    )
    return [dict(row) for row in rows if row["total"]]


def _throughput_start(today: dt.date, weeks: int = figures.THROUGHPUT_WEEKS) -> dt.date:
    return figures.week_start(today) - dt.timedelta(weeks=weeks - 1)


def open_cases(
    code: str, now: dt.datetime | None = None, rows_read: list[dict[str, Any]] | None = None
) -> list[dict[str, Any]]:
    """As :func:`reports.figures.open_cases`: ``{"status", "band", "n", "timed", "overdue"}`` rows."""
    today = timezone.localdate(now) if now is not None else timezone.localdate()
    rows: dict[tuple[str, int], dict[str, int | str]] = {}
    clocks: dict[str, dict[str, int]] = {}
    facts = (case_summary.AGE, case_summary.CLOCK)
    read = _case_rows(code, facts) if rows_read is None else [r for r in rows_read if r["fact"] in facts]
    for row in read:
        status, n = row["status"], int(row["total"])
        if row["fact"] == case_summary.AGE:
            if status not in case_summary.BACKLOG_STATUSES or row["day"] is None:
                continue
            band = band_of(row["day"], today)
            item = rows.setdefault((status, band), {"status": status, "band": band, "n": 0, "timed": 0, "overdue": 0})
            item["n"] = int(item["n"]) + n
        else:
            clock = clocks.setdefault(status, {"timed": 0, "overdue": 0})
            clock["timed"] += n
            if row["day"] is not None and row["day"] < today:
                clock["overdue"] += n
    for status, clock in clocks.items():
        # fold_sla sums per stage: the clock counts ride on one row of their stage.
        target = next((item for (s, _b), item in sorted(rows.items()) if s == status), None)
        if target is None:
            target = rows.setdefault((status, 0), {"status": status, "band": 0, "n": 0, "timed": 0, "overdue": 0})
        target["timed"] = int(target["timed"]) + clock["timed"]
        target["overdue"] = int(target["overdue"]) + clock["overdue"]
    return [dict(item) for item in rows.values() if item["n"] or item["timed"]]


def case_stage_counts(code: str) -> dict[str, int]:
    """As :func:`reports.figures.case_stage_counts`: every case by stage."""
    out: dict[str, int] = {}
    for row in _case_rows(code, (case_summary.AGE,)):
        out[row["status"]] = out.get(row["status"], 0) + int(row["total"])
    return {status: n for status, n in out.items() if n}


def _flows(
    code: str, since: dt.date, until: dt.date, rows_read: list[dict[str, Any]] | None = None
) -> list[dict[str, Any]]:
    if rows_read is not None:
        facts = (case_summary.FILED, case_summary.DECIDED)
        return [r for r in rows_read if r["fact"] in facts and r["day"] is not None and since <= r["day"] <= until]
    return summary.read(
        CaseCount,
        group=["fact", "day"],
        fact__in=(case_summary.FILED, case_summary.DECIDED),
        day__gte=since,
        day__lte=until,
        **_where_own(code),
    )


def throughput(
    code: str,
    now: dt.datetime | None = None,
    weeks: int = figures.THROUGHPUT_WEEKS,
    rows_read: list[dict[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """As :func:`reports.figures.throughput`: cases filed and decided per local week, oldest first."""
    today = timezone.localdate(now) if now is not None else timezone.localdate()
    first = _throughput_start(today, weeks)
    filed: dict[dt.date, int] = {}
    decided: dict[dt.date, int] = {}
    for row in _flows(code, first, today + dt.timedelta(days=6), rows_read):
        target = filed if row["fact"] == case_summary.FILED else decided
        week = figures.week_start(row["day"])
        target[week] = target.get(week, 0) + int(row["total"])
    weeks_list = [first + dt.timedelta(weeks=i) for i in range(weeks)]
    return [{"week": w.isoformat(), "filed": filed.get(w, 0), "decided": decided.get(w, 0)} for w in weeks_list]


def cases_in_period(
    code: str, start: dt.date, end: dt.date, rows_read: list[dict[str, Any]] | None = None
) -> dict[str, int]:
    """As :func:`reports.figures.cases_in_period`: filed and decided between two local dates."""
    out = {"filed": 0, "decided": 0}
    for row in _flows(code, start, end, rows_read):
        out["filed" if row["fact"] == case_summary.FILED else "decided"] += int(row["total"])
    return out


def problems(code: str) -> dict[str, Any]:
    """As :func:`reports.figures.problems`: discrepancies by kind and status, and the people with a
    live problem and with only corrected ones (``crosscheck.summary``), in one read: the
    division's own rows (the nation: its provinces' discrepancy rows and its own people rows)."""
    own = Q(parent=NATION) if code == NATION else Q(code=code)
    rows = (
        ProblemCount.objects.filter(
            (Q(fact=ProblemCount.DISCREPANCIES) & own) | Q(fact=ProblemCount.SUBJECTS, code=code)
        )
        .order_by()
        .values("fact", "kind", "status")
        .annotate(total=Sum("n"))
    )
    by_kind: dict[str, dict[str, int]] = {}
    people: dict[str, int] = {}
    for row in rows:
        n = int(row["total"])
        if not n:
            continue
        if row["fact"] == ProblemCount.SUBJECTS:
            people[row["status"]] = people.get(row["status"], 0) + n
        else:
            cell = by_kind.setdefault(row["kind"], {})
            cell[row["status"]] = cell.get(row["status"], 0) + n
    return {
        "by_kind": by_kind,
        "subjects_live": people.get("live", 0),
        "subjects_corrected": people.get("corrected", 0),
    }
