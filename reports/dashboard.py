"""A jurisdiction's live dashboard: which figures, for whom, as tables.

The filter is always the user's scope **and** the requested subtree, so even a mistaken
caller cannot count rows outside the user's jurisdiction. Each table costs one or two
aggregate queries; an export computes only the table asked for.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any

from django.db.models import Q
from django.utils import timezone

from jurisdictions import scope
from jurisdictions.models import Division

from . import figures, tables
from .tables import Table


def live_q(user: Any, code: str, prefix: str = "") -> Q:
    return scope.scope_q(user, prefix=prefix) & figures.subtree_q(code, prefix=prefix)


def child_names(codes: Iterable[str]) -> dict[str, str]:
    return dict(Division.objects.filter(code__in=sorted(set(codes))).values_list("code", "name"))


def build(user: Any, division: Division, keys: Iterable[str] = tables.TABLE_KEYS) -> list[Table]:
    """The dashboard tables ``keys`` (in the order of :data:`tables.TABLE_KEYS`) for ``division``."""
    wanted = set(keys)
    q = live_q(user, division.code)
    now = timezone.now()
    result: list[Table] = []
    memo: dict[str, Any] = {}

    def once(name: str, compute: Callable[[], Any]) -> Any:
        if name not in memo:
            memo[name] = compute()
        return memo[name]

    column = figures.child_column(division.code)

    def breakdown() -> Any:
        # One scan of the subtree's subjects feeds the category, collection and children tables.
        return once("subjects", lambda: figures.subject_breakdown(q, column))

    def collection() -> Any:
        return figures.fold_collection(breakdown())

    def cases() -> Any:
        return once("cases", lambda: figures.open_cases(q, now))

    def problems() -> Any:
        return once("problems", lambda: figures.problems(q))

    if "categories" in wanted:
        result.append(tables.categories_table(figures.fold_subjects(breakdown())))
    if "collection" in wanted:
        result.append(tables.collection_table(collection()))
    if "phase2" in wanted:
        result.append(tables.phase2_table(collection(), problems()))
    if "children" in wanted:
        children = figures.fold_children(breakdown(), column)
        result.append(tables.children_table(children, child_names(children)))
    if "problems" in wanted:
        result.append(tables.problems_table(problems()))
    if "backlog" in wanted:
        result.append(tables.backlog_table(figures.fold_backlog(cases())))
    if "sla" in wanted:
        result.append(tables.sla_table(figures.fold_sla(cases())))
    if "throughput" in wanted:
        result.append(tables.throughput_table(figures.throughput(q, now)))
    if "period" in wanted:
        today = timezone.localdate()
        month_start = today.replace(day=1)
        table = tables.period_table(figures.cases_in_period(q, month_start, today))
        table.title = f"{table.title} ({month_start:%Y-%m-%d} – {today:%Y-%m-%d})"
        result.append(table)
    return result


def summary(user: Any, division: Division) -> dict[str, Any]:
    """The API summary: counts by category, status and case stage for the subtree."""
    q = live_q(user, division.code)
    subjects = figures.subject_counts(q)
    return {
        "division": division.code,
        "name": division.name,
        "as_of": timezone.now().isoformat(),
        "subjects": {
            "total": subjects["total"],
            "by_category": subjects["by_category"],
            "by_status": subjects["by_status"],
        },
        "cases": {"by_stage": figures.case_stage_counts(q)},
    }


def as_of() -> dt.datetime:
    return timezone.now()
