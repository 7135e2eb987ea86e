"""A jurisdiction's live dashboard: which figures, for whom, as tables.

The filter is always the user's scope **and** the requested subtree, so even a mistaken
caller cannot count rows outside the user's jurisdiction. Each table costs one or two
aggregate queries; an export computes only the table asked for.

Above the county (city, province, nation) the subject and case figures are read from the
summary tables (:mod:`reports.summaries`: a few thousand rows whatever the register's size),
the problem figures too (``crosscheck.summary``), each read summed by the database into a few
dozen rows (totals by category and status, progress per child, cases per stage × age band, clock
and week); a county counts everything live. Above the county the figures are also cached for
``settings.LAUREL_REPORTS_CACHE_SECONDS`` (default 300; 0 turns caching off), keyed by the
division **and** the user's jurisdiction grants, so people with the same scope share them and
nobody gets figures computed for another scope. Pages say when the figures were computed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import Q
from django.utils import timezone

from core import replicas
from jurisdictions import scope
from jurisdictions.models import Division, Level
from jurisdictions.roles import VIEW

from . import figures, summaries, tables
from .tables import Table


def live_q(user: Any, code: str, prefix: str = "") -> Q:
    return scope.scope_q(user, prefix=prefix) & figures.subtree_q(code, prefix=prefix)


def child_names(codes: Iterable[str]) -> dict[str, str]:
    return dict(Division.objects.filter(code__in=sorted(set(codes))).values_list("code", "name"))


CACHE_VERSION = 3


def uses_summaries(user: Any, division: Division) -> bool:
    """Whether ``division``'s figures come from the summary tables (``reports.summaries``).

    Above the county, when the user sees the whole subtree (the dashboard's entry points check
    this already; a narrower grant falls back to the live count of what the user may see).
    ``settings.LAUREL_REPORTS_FROM_SUMMARIES = False`` counts live everywhere.
    """
    if not getattr(settings, "LAUREL_REPORTS_FROM_SUMMARIES", True):
        return False
    return division.level < Level.COUNTY and scope.can_see(user, division.code)


def cache_seconds(division: Division) -> int:
    if division.level >= Level.COUNTY:
        return 0
    return int(getattr(settings, "LAUREL_REPORTS_CACHE_SECONDS", 300))


def _scope_signature(user: Any) -> str:
    return hashlib.sha256(",".join(scope.codes_with(user, VIEW)).encode()).hexdigest()[:24]


def build(user: Any, division: Division, keys: Iterable[str] = tables.TABLE_KEYS) -> list[Table]:
    """The dashboard tables ``keys`` (in the order of :data:`tables.TABLE_KEYS`) for ``division``."""
    return build_with_time(user, division, keys)[0]


def build_with_time(
    user: Any, division: Division, keys: Iterable[str] = tables.TABLE_KEYS
) -> tuple[list[Table], dt.datetime]:
    """The tables and when their oldest figures were computed (earlier than now when cached).

    The user's scope is read from the primary; the figures from a replica that has replayed the
    user's latest write, when replicas are configured (:mod:`core.replicas`).
    """
    q = live_q(user, division.code)
    seconds = cache_seconds(division)
    signature = _scope_signature(user) if seconds else ""
    from_summaries = uses_summaries(user, division)
    with replicas.reading_from_replica(user):
        return _tables(division, set(keys), q, seconds, signature, from_summaries)


def _tables(
    division: Division, wanted: set[str], q: Q, seconds: int, signature: str, from_summaries: bool
) -> tuple[list[Table], dt.datetime]:
    now = timezone.now()
    result: list[Table] = []
    memo: dict[str, Any] = {}
    computed: list[dt.datetime] = []

    def once(name: str, compute: Callable[[], Any]) -> Any:
        if name in memo:
            return memo[name]
        if seconds:
            key = f"reports:{CACHE_VERSION}:{name}:{division.code}:{signature}"
            entry: tuple[dt.datetime, Any] | None = cache.get_or_set(key, lambda: (timezone.now(), compute()), seconds)
            at, value = entry if entry is not None else (now, compute())
        else:
            at, value = now, compute()
        computed.append(at)
        memo[name] = value
        return value

    column = figures.child_column(division.code)
    code = division.code

    def breakdown() -> Any:
        # One read feeds the category, collection and children tables. From the summaries, the
        # database sums it into the division's totals by category and status (for the first two)
        # and its children's progress: a few dozen rows.
        if from_summaries:
            return once("subject_figures", lambda: summaries.subject_figures(code))[0]
        return once("subjects", lambda: figures.subject_breakdown(q, column))

    def collection() -> Any:
        return figures.fold_collection(breakdown())

    def children_progress() -> Any:
        if from_summaries:
            return once("subject_figures", lambda: summaries.subject_figures(code))[1]
        return figures.fold_children(breakdown(), column)

    def case_rows() -> Any:
        # Above the county one read of the case summary feeds the backlog, SLA, throughput and
        # period tables.
        return once("case_rows", lambda: summaries.case_rows(code, now))

    def cases() -> Any:
        if from_summaries:
            return summaries.open_cases(code, now, case_rows())
        return once("cases", lambda: figures.open_cases(q, now))

    def problems() -> Any:
        if from_summaries:
            return once("problems", lambda: summaries.problems(code))
        return once("problems", lambda: figures.problems(q))

    if "categories" in wanted:
        result.append(tables.categories_table(figures.fold_subjects(breakdown())))
    if "collection" in wanted:
        result.append(tables.collection_table(collection()))
    if "phase2" in wanted:
        result.append(tables.phase2_table(collection(), problems()))
    if "children" in wanted:
        children = children_progress()
        # The names too are cached with the figures (keyed by the children present).
        codes = sorted(children)
        digest = hashlib.sha256(",".join(codes).encode()).hexdigest()[:16]
        result.append(tables.children_table(children, once(f"names-{digest}", lambda: child_names(codes))))
    if "problems" in wanted:
        result.append(tables.problems_table(problems()))
    if "backlog" in wanted:
        result.append(tables.backlog_table(figures.fold_backlog(cases())))
    if "sla" in wanted:
        result.append(tables.sla_table(figures.fold_sla(cases())))
    if "throughput" in wanted:
        if from_summaries:
            weekly = summaries.throughput(code, now, rows_read=case_rows())
        else:
            weekly = once("throughput", lambda: figures.throughput(q, now))
        result.append(tables.throughput_table(weekly))
    if "period" in wanted:
        today = timezone.localdate()
        month_start = today.replace(day=1)
        if from_summaries:
            in_month = summaries.cases_in_period(code, month_start, today, case_rows())
        else:
            in_month = once(f"period-{month_start}", lambda: figures.cases_in_period(q, month_start, today))
        table = tables.period_table(in_month)
        table.title = f"{table.title} ({month_start:%Y-%m-%d} – {today:%Y-%m-%d})"
        result.append(table)
    return result, min(computed, default=now)


def summary(user: Any, division: Division) -> dict[str, Any]:
    """The API summary: counts by category, status and case stage for the subtree (read as :func:`build_with_time`)."""
    from_summaries = uses_summaries(user, division)
    q = None if from_summaries else live_q(user, division.code)
    with replicas.reading_from_replica(user):
        if q is None:
            subjects = figures.fold_subjects(summaries.subject_totals(division.code))
            by_stage = summaries.case_stage_counts(division.code)
        else:
            subjects = figures.subject_counts(q)
            by_stage = figures.case_stage_counts(q)
    return {
        "division": division.code,
        "name": division.name,
        "as_of": timezone.now().isoformat(),
        "subjects": {
            "total": subjects["total"],
            "by_category": subjects["by_category"],
            "by_status": subjects["by_status"],
        },
        "cases": {"by_stage": by_stage},
    }
