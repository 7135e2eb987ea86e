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

from django.db import connections, router
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


def _own_sql(code: str) -> tuple[str, str]:
    # The nation has no rows of its own: its figures are the sum of its provinces'.
    return ("parent", NATION) if code == NATION else ("code", code)


_PHASE1_SUMS = (
    "SUM(n), SUM(CASE WHEN complete THEN n ELSE 0 END), SUM(CASE WHEN confirmed THEN n ELSE 0 END), "
    "SUM(CASE WHEN complete AND confirmed THEN n ELSE 0 END)"
)


def subject_figures(code: str) -> tuple[list[dict[str, Any]], dict[str, dict[str, int]]]:
    """``code``'s subject figures in one statement, summed by the database: its totals by category
    and status, and its children's progress.

    - totals: the rows of :func:`subject_breakdown` without the children (``{"category",
      "status", "n", "complete", "confirmed", "done"}``, at most categories × statuses rows),
      which the category, collection and phase 2 tables fold (:func:`figures.fold_subjects`,
      :func:`figures.fold_collection`), from the division's own rows (the nation: its provinces');
    - children: as :func:`figures.fold_children`, ``{child: {"on_file", "complete", "confirmed",
      "done"}}`` over the subjects on file, one row per child.

    The page receives a few dozen rows rather than every child × key (780 for a province), in
    one round trip.
    """
    table = SubjectCount._meta.db_table
    column, value = _own_sql(code)
    sql = (
        f"SELECT 0, category, status, {_PHASE1_SUMS} FROM {table} WHERE {column} = %s "  # noqa: S608 - names are ours
        f"GROUP BY category, status "
        f"UNION ALL SELECT 1, code, '', {_PHASE1_SUMS} FROM {table} WHERE parent = %s AND status = %s GROUP BY code"
    )
    totals: list[dict[str, Any]] = []
    children: dict[str, dict[str, int]] = {}
    # Where the ORM would read it: a replica inside ``reading_from_replica`` (core.replicas).
    with connections[router.db_for_read(SubjectCount)].cursor() as cursor:
        cursor.execute(sql, [value, code, str(figures.SubjectStatus.ACTIVE)])
        for part, first, status, *sums in cursor.fetchall():
            n, complete, confirmed, done = (int(x or 0) for x in sums)
            if not n:
                continue
            if part == 0:
                totals.append(
                    {
                        "category": first,
                        "status": status,
                        "n": n,
                        "complete": complete,
                        "confirmed": confirmed,
                        "done": done,
                    }
                )
            else:
                children[first] = {"on_file": n, "complete": complete, "confirmed": confirmed, "done": done}
    return totals, children


def subject_totals(code: str) -> list[dict[str, Any]]:
    """The totals of :func:`subject_figures`."""
    return subject_figures(code)[0]


def children_progress(code: str) -> dict[str, dict[str, int]]:
    """The children's progress of :func:`subject_figures`."""
    return subject_figures(code)[1]


def band_of(day: dt.date, today: dt.date) -> int:
    """The age band of a case filed on local ``day`` (calendar days, as :func:`figures.open_cases`)."""
    age = (today - day).days
    for i, limit in enumerate(figures.AGE_BANDS):
        if age <= limit:
            return i
    return len(figures.AGE_BANDS)


def _case_rows(code: str, facts: tuple[int, ...]) -> list[dict[str, Any]]:
    return summary.read(CaseCount, group=["fact", "status", "day"], fact__in=facts, **_where_own(code))


def _buckets(today: dt.date, since: dt.date, month_start: dt.date) -> tuple[str, list[Any]]:
    """SQL mapping each case row's ``day`` to the first day of its bucket: a day standing for every
    day whose figures it shares, so the rows a dashboard receives are per bucket, not per day.

    - ``AGE``: the oldest day of its age band (``band_of`` gives the same band);
    - ``CLOCK``: yesterday when overdue (due before today), else today;
    - ``FILED``/``DECIDED`` (from ``since``): the latest of the boundaries — each week's Monday, the
      month's first day, tomorrow and the day after the throughput window — not after it, so a
      bucket lies in one week and wholly inside or outside the month so far and the window.
    """
    whens, params = ["WHEN day IS NULL THEN NULL"], []
    for limit in figures.AGE_BANDS:
        whens.append("WHEN fact = %s AND day >= %s THEN %s")
        params += [case_summary.AGE, today - dt.timedelta(days=limit), today - dt.timedelta(days=limit)]
    whens.append("WHEN fact = %s THEN %s")
    params += [case_summary.AGE, today - dt.timedelta(days=figures.AGE_BANDS[-1] + 1)]
    whens.append("WHEN fact = %s AND day < %s THEN %s")
    params += [case_summary.CLOCK, today, today - dt.timedelta(days=1)]
    whens.append("WHEN fact = %s THEN %s")
    params += [case_summary.CLOCK, today]
    boundaries = {month_start, today + dt.timedelta(days=1), today + dt.timedelta(days=7)}
    week = figures.week_start(since)
    while week <= today + dt.timedelta(days=7):
        boundaries.add(week)
        week += dt.timedelta(weeks=1)
    for start in sorted(boundaries, reverse=True):
        whens.append("WHEN day >= %s THEN %s")
        params += [start, start]
    return "CASE " + " ".join(whens) + " ELSE day END", params


def case_rows(code: str, now: dt.datetime | None = None) -> list[dict[str, Any]]:
    """Every case row the dashboard reads, in one read: the stages and clocks, and the cases filed
    and decided since the first week of the throughput window (which starts before the month of
    the period table). Hand them to :func:`open_cases`, :func:`throughput` and
    :func:`cases_in_period` as ``rows``.

    The database sums them per bucket of days (:func:`_buckets`), not per day: a few dozen rows
    (stages × age bands, clocks, weeks) whatever the number of days the table holds, with the
    same figures as the rows per day (``tests/reports/test_summaries.py``).
    """
    today = timezone.localdate(now) if now is not None else timezone.localdate()
    month_start = today.replace(day=1)
    since = min(_throughput_start(today), month_start)
    bucket, params = _buckets(today, since, month_start)
    column, value = _own_sql(code)
    table = CaseCount._meta.db_table
    sql = (
        f"SELECT fact, status, bucket, SUM(n) FROM (SELECT fact, status, {bucket} AS bucket, n "  # noqa: S608
        f"FROM {table} WHERE {column} = %s AND (fact IN (%s, %s) OR day >= %s)) rows "
        f"GROUP BY fact, status, bucket"
    )
    with connections[router.db_for_read(CaseCount)].cursor() as cursor:
        cursor.execute(sql, [*params, value, case_summary.AGE, case_summary.CLOCK, since])
        fetched = cursor.fetchall()
    return [
        {"fact": fact, "status": status, "day": _as_date(day), "total": total}
        for fact, status, day, total in fetched
        if total
    ]


def _as_date(value: Any) -> dt.date | None:
    """A date from the database (SQLite returns a computed date as text)."""
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


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
    rows = summary.read(CaseCount, group=["status"], fact=case_summary.AGE, **_where_own(code))
    return {row["status"]: int(row["total"]) for row in rows}


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
