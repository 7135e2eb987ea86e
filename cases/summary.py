"""Case counts for the dashboards: insert-only deltas written with every change (``core.summary``).

A case counts as up to four **facts**, each a separate row key, so that no key multiplies the
others (the table stays at divisions × stages × days, never × cases):

- ``AGE``: its stage, and for a stage where someone must act (:data:`BACKLOG_STATUSES`) the local
  day it was filed (its age band is read from that day: ``0-7``, ``8-30``, ``31-90``, ``90+``
  calendar days); every case has exactly one, so they also give the cases by stage;
- ``CLOCK``: for a timed stage whose clock runs (a due date, not paused), the local due day
  (overdue once that day is past: due dates are the end of a local day, ``cases.sla.end_of_day``);
- ``FILED``: the local day it was filed; ``DECIDED``: the local day it was decided.

Every save of a case (the ``do_*`` actions: filing, each transition, pauses, transfers) inserts
the difference between the facts the row was loaded with and those it is saved with, inside
the action's transaction. The ``compact_case_counts`` job folds rows and moves days older than
:data:`HORIZON_DAYS` (older than any window a figure reads) to :data:`core.summary.SENTINEL_DAY`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from typing import Any

from django.db.models.signals import post_delete, post_init, post_save
from django.utils import timezone

from core import summary
from core.summary import SENTINEL_DAY, Key, Located

from .models import Case, CaseCount, Status

AGE, CLOCK, FILED, DECIDED = 1, 2, 3, 4

BACKLOG_STATUSES = (
    Status.SUBMITTED,
    Status.VERIFYING,
    Status.PENDING_APPROVAL,
    Status.RETURNED,
    Status.APPROVED,
)
TIMED_STATUSES = (Status.SUBMITTED, Status.VERIFYING, Status.PENDING_APPROVAL)
# Longest look-back of a figure: 12 weeks of throughput from a Monday, the 90+ age band, a month.
HORIZON_DAYS = 100

_ATTRS = Case.COUNTED_ATTRS


def _day(at: dt.datetime | None) -> dt.date | None:
    return timezone.localtime(at).date() if at is not None else None


def facts(
    division_id: str,
    status: str,
    created_at: dt.datetime | None,
    due_at: dt.datetime | None,
    paused_at: dt.datetime | None,
    decided_at: dt.datetime | None,
) -> dict[tuple[Located, Key], int]:
    """What one case counts as: ``{(located, (fact, status, day)): 1}``."""
    code = division_id or ""
    if not code:
        return {}
    located = (code[:2], code[:4] if len(code) >= 4 else "", code[:6] if len(code) >= 6 else "")
    filed = _day(created_at)
    out = [(AGE, str(status), filed if status in BACKLOG_STATUSES else None)]
    if status in TIMED_STATUSES and due_at is not None and paused_at is None:
        out.append((CLOCK, str(status), _day(due_at)))
    if filed is not None:
        out.append((FILED, "", filed))
    if decided_at is not None:
        out.append((DECIDED, "", _day(decided_at)))
    return {(located, key): 1 for key in out}


def _remember(sender: Any, instance: Case, **kwargs: Any) -> None:
    summary.remember(instance)


def _saved(sender: Any, instance: Case, created: bool, raw: bool = False, **kwargs: Any) -> None:
    if raw:
        return
    values = summary.counted_values(instance)
    before = instance.__dict__.get(summary.SNAPSHOT)
    if created:
        summary.write(CaseCount, facts(*values))
    elif before is not None and before != values:
        summary.write(CaseCount, summary.diff(facts(*before), facts(*values)))
    instance.__dict__[summary.SNAPSHOT] = values


def _deleted(sender: Any, instance: Case, **kwargs: Any) -> None:
    values = instance.__dict__.get(summary.SNAPSHOT, summary.counted_values(instance))
    summary.write(CaseCount, summary.diff(facts(*values), {}))


def connect() -> None:
    """Hook the counts to every save of a case (``CasesConfig.ready``)."""
    post_init.connect(_remember, sender=Case, dispatch_uid="cases.summary.remember")
    post_save.connect(_saved, sender=Case, dispatch_uid="cases.summary.saved")
    post_delete.connect(_deleted, sender=Case, dispatch_uid="cases.summary.deleted")


def count(cases: Iterable[tuple[Any, ...]]) -> dict[tuple[Located, Key], int]:
    """Facts of many cases given as ``(division_id, status, created_at, due_at, paused_at, decided_at)``."""
    total: dict[tuple[Located, Key], int] = {}
    for row in cases:
        for item, n in facts(*row).items():
            total[item] = total.get(item, 0) + n
    return total


def provinces() -> list[str]:
    return list(Case.objects.order_by("province_code").values_list("province_code", flat=True).distinct())


def rebuild(progress: Any = None) -> int:
    """Replace the counts with a live count of every case, a province at a time; rows written."""

    def parts() -> Iterator[tuple[str, dict[tuple[Located, Key], int]]]:
        for province in provinces():
            rows = Case.objects.filter(province_code=province).order_by().values_list(*_ATTRS)
            yield province, count(rows.iterator(chunk_size=20_000))

    return summary.rebuild(CaseCount, parts(), progress)


def fold_old_days(today: dt.date | None = None) -> Any:
    """The compaction's key map: days before the horizon become the sentinel day (no figure changes)."""
    limit = (today or timezone.localdate()) - dt.timedelta(days=HORIZON_DAYS)

    def fold(key: Key) -> Key:
        fact, status, day = key
        if day is not None and day < limit:
            return (fact, status, SENTINEL_DAY)
        return key

    return fold


def compact(today: dt.date | None = None) -> int:
    limit = (today or timezone.localdate()) - dt.timedelta(days=HORIZON_DAYS)
    # The same fold in SQL (PostgreSQL compacts in one statement).
    fold_sql = {"day": ("CASE WHEN {col} < %s THEN %s ELSE {col} END", [limit, SENTINEL_DAY])}
    return summary.compact(CaseCount, fold=fold_old_days(today), fold_sql=fold_sql)
