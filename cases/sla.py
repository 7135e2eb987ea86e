"""Due dates in working days: Monday to Friday, minus public holidays, plus adjusted working days (调休).

The calendar is the policy base's (``policies.calendar``: the ``chinese-calendar`` package's years,
loaded years, administrators' overrides), the same one the statutory limits are counted on; the
stage lengths are ``SlaRule`` rows, falling back to ``settings.LAUREL_CASE_SLA_DEFAULT_DAYS``.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.utils import timezone

from core import cache as shared_cache
from policies import calendar

from .models import SlaRule

# The stage lengths change a few times a year: kept in the shared cache under a version stamp that
# every change retires (``cases.apps``: the model's signals). The calendar is cached by its owner.
SLA_CACHE = "sla"


def _exceptions(start: datetime.date, end: datetime.date) -> dict[datetime.date, bool]:
    return calendar.snapshot().exceptions(start, end)


def forget_calendar() -> None:
    calendar.forget()


def forget_rules() -> None:
    shared_cache.bump(SLA_CACHE, "rules")


def is_working_day(day: datetime.date, exceptions: dict[datetime.date, bool] | None = None) -> bool:
    if exceptions is None:
        return calendar.is_working_day(day)
    if day in exceptions:
        return exceptions[day]
    return day.weekday() < 5


def add_working_days(start: datetime.date, days: int) -> datetime.date:
    """The date ``days`` working days after ``start`` (``start`` itself does not count)."""
    return calendar.add_working_days(start, days)


def working_days_between(start: datetime.date, end: datetime.date) -> int:
    """Working days after ``start`` up to and including ``end`` (0 when ``end`` is not later)."""
    if end <= start:
        return 0
    exceptions = _exceptions(start, end)
    count, day = 0, start
    while day < end:
        day += datetime.timedelta(days=1)
        if is_working_day(day, exceptions):
            count += 1
    return count


def stage_days(kind: str, stage: str) -> int:
    rules: dict[tuple[str, str], int] = shared_cache.versioned(
        SLA_CACHE,
        "rules",
        "all",
        lambda: {(k, st): days for k, st, days in SlaRule.objects.values_list("kind", "stage", "working_days")},
    )
    if (kind, stage) in rules:
        return rules[(kind, stage)]
    return int(settings.LAUREL_CASE_SLA_DEFAULT_DAYS.get(stage, 10))


def local_date(at: datetime.datetime) -> datetime.date:
    return timezone.localtime(at).date()


def end_of_day(day: datetime.date) -> datetime.datetime:
    """The last moment of ``day`` in the project's time zone: a task is due by close of that day."""
    naive = datetime.datetime.combine(day, datetime.time(23, 59, 59))
    return timezone.make_aware(naive)


def due_after(start: datetime.datetime, working_days: int) -> datetime.datetime:
    return end_of_day(add_working_days(local_date(start), working_days))


def flag(case: Any, now: datetime.datetime | None = None, exceptions: dict[datetime.date, bool] | None = None) -> str:
    """``""``, ``"approaching"`` (within the warning window of the due date) or ``"overdue"``."""
    if case.due_at is None or case.paused_at is not None or not case.is_open:
        return ""
    now = now or timezone.now()
    if case.due_at < now:
        return "overdue"
    today, due = local_date(now), local_date(case.due_at)
    warn = int(settings.LAUREL_CASE_SLA_WARN_DAYS)
    if exceptions is None:
        exceptions = _exceptions(today, due)
    days, day = 0, today
    while day < due and days <= warn:
        day += datetime.timedelta(days=1)
        if is_working_day(day, exceptions):
            days += 1
    return "approaching" if days <= warn else ""


def flagger(now: datetime.datetime | None = None) -> Any:
    """``flag`` for many cases with one calendar query (list pages), worked out once per due date."""
    now = now or timezone.now()
    today = local_date(now)
    exceptions = _exceptions(today, today + datetime.timedelta(days=60))
    by_due: dict[datetime.datetime, str] = {}

    def one(case: Any) -> str:
        due = case.due_at
        if due is None or case.paused_at is not None or not case.is_open:
            return ""
        if due not in by_due:
            by_due[due] = flag(case, now, exceptions)
        return by_due[due]

    return one
