"""The working-day calendar that statutory limits are counted on (the interface; see the README).

A *limit* is counted from a start date either in calendar days (the 信访工作条例's 15, 60 and 30
days: a limit that ends on a non-working day moves to the next working day, unless
``LAUREL_CALENDAR_ROLL_TO_WORKING_DAY`` is off) or in working days (the 5-day objection window:
调休 Saturdays count as working days). A limit is *provisional* (暂按) when a year it touches has
not been loaded from the State Council's notice: weekends plus administrator-entered days apply
meanwhile, and the limit is recomputed when the year is loaded (:func:`register_recompute`).

Where a day's status comes from, strongest first:

1. a ``policies.CalendarDay`` row: a day of a year loaded from a file (``manage.py
   load_holiday_calendar YEAR FILE``) or entered by an administrator (an override);
2. the ``chinese-calendar`` package, for every year it covers (the official years);
3. Monday to Friday work, Saturday and Sunday rest.

The rows and the loaded years are kept in the shared cache under a version stamp that every change
retires (:func:`forget`); the package's data is read once per process.

This module is the interface the higher apps use; nothing here imports a domain app.
"""

from __future__ import annotations

import contextvars
import datetime
import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import NamedTuple

from django.conf import settings

from core import cache as shared_cache

ONE_DAY = datetime.timedelta(days=1)
CALENDAR_CACHE = "calendar"

# The package's holiday names, in Chinese.
_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}


class Limit(NamedTuple):
    date: datetime.date
    provisional: bool


# --- Where the days come from --------------------------------------------------------------------


@functools.cache
def package_days() -> dict[datetime.date, tuple[bool, str]]:
    """The ``chinese-calendar`` package's exceptions to the plain week: ``{date: (is_working, name)}``."""
    from chinese_calendar import constants

    days: dict[datetime.date, tuple[bool, str]] = {}
    for day, name in constants.holidays.items():
        days[day] = (False, _NAMES.get(name, name))
    for day, name in constants.workdays.items():
        days[day] = (True, f"{_NAMES.get(name, name)}调休上班")
    return days


@functools.cache
def package_years() -> frozenset[int]:
    """The years the package covers (from its first to its last year of data)."""
    years = {day.year for day in package_days()}
    return frozenset(range(min(years), max(years) + 1)) if years else frozenset()


def _load_state() -> tuple[dict[datetime.date, bool], frozenset[int]]:
    from .models import CalendarDay, CalendarYear

    rows = dict(CalendarDay.objects.values_list("date", "is_working"))
    loaded = frozenset(CalendarYear.objects.values_list("year", flat=True))
    return rows, loaded


@dataclass(frozen=True)
class Snapshot:
    """The calendar as it is now (one cache round trip): use it for many days at once."""

    rows: dict[datetime.date, bool]
    loaded_years: frozenset[int]

    def is_working_day(self, day: datetime.date) -> bool:
        if day in self.rows:
            return self.rows[day]
        known = package_days().get(day)
        if known is not None:
            return known[0]
        return day.weekday() < 5

    def is_provisional(self, day: datetime.date) -> bool:
        return day.year not in self.loaded_years and day.year not in package_years()

    def official_years(self) -> frozenset[int]:
        return self.loaded_years | package_years()

    def next_working_day(self, day: datetime.date) -> datetime.date:
        while not self.is_working_day(day):
            day += ONE_DAY
        return day

    def add_working_days(self, start: datetime.date, days: int) -> datetime.date:
        day, left = start, days
        while left > 0:
            day += ONE_DAY
            if self.is_working_day(day):
                left -= 1
        return day

    def exceptions(self, start: datetime.date, end: datetime.date) -> dict[datetime.date, bool]:
        """Every day from ``start`` to ``end`` whose status differs from the plain week's."""
        found: dict[datetime.date, bool] = {}
        day = start
        while day <= end:
            working = self.is_working_day(day)
            if working != (day.weekday() < 5):
                found[day] = working
            day += ONE_DAY
        return found


# Set while a calendar change recomputes limits inside its transaction: read the rows afresh, never
# from (nor into) the shared cache, which must not keep what a rollback may undo.
_FRESH: contextvars.ContextVar[bool] = contextvars.ContextVar("calendar_fresh", default=False)


def snapshot() -> Snapshot:
    if _FRESH.get():
        return Snapshot(*_load_state())
    rows, loaded = shared_cache.versioned(CALENDAR_CACHE, "days", "all", _load_state)
    return Snapshot(rows, loaded)


def forget() -> None:
    """Retire the cached calendar (every change of a day or a loaded year)."""
    shared_cache.bump(CALENDAR_CACHE, "days")


def day_name(day: datetime.date) -> str:
    """The holiday's or the 调休 day's name, ``""`` for a plain day (rows first, then the package)."""
    from .models import CalendarDay

    row = CalendarDay.objects.filter(date=day).values_list("name", flat=True).first()
    if row is not None:
        return row
    return package_days().get(day, (True, ""))[1]


# --- The interface -------------------------------------------------------------------------------


def is_working_day(day: datetime.date) -> bool:
    return snapshot().is_working_day(day)


def is_provisional(day: datetime.date) -> bool:
    """True when ``day``'s year has no loaded official calendar (weekends and entered days only)."""
    return snapshot().is_provisional(day)


def next_working_day(day: datetime.date) -> datetime.date:
    """``day`` itself when it is a working day, else the first working day after it."""
    return snapshot().next_working_day(day)


def add_working_days(start: datetime.date, days: int) -> datetime.date:
    """The date ``days`` working days after ``start`` (``start`` itself does not count)."""
    return snapshot().add_working_days(start, days)


def rolls_to_working_day() -> bool:
    return bool(getattr(settings, "LAUREL_CALENDAR_ROLL_TO_WORKING_DAY", True))


def calendar_limit(start: datetime.date, days: int) -> Limit:
    """``days`` calendar days after ``start``, moved to the next working day when it ends on a rest day.

    Provisional when the days the rule looked at (the unmoved end and the days it moved over) fall
    in a year not yet loaded; without the rule to move (the setting off) a limit in calendar days
    never depends on the calendar.
    """
    cal = snapshot()
    end = start + datetime.timedelta(days=days)
    if not rolls_to_working_day():
        return Limit(end, False)
    moved = cal.next_working_day(end)
    return Limit(moved, any(cal.is_provisional(d) for d in _span(end, moved)))


def working_limit(start: datetime.date, days: int) -> Limit:
    """``days`` working days after ``start`` (``start`` itself does not count)."""
    cal = snapshot()
    end = cal.add_working_days(start, days)
    return Limit(end, any(cal.is_provisional(d) for d in _span(start + ONE_DAY, end)))


def _span(first: datetime.date, last: datetime.date) -> Iterable[datetime.date]:
    # Years are what provisionality depends on: the first day, the last, and every 1 January between.
    yield first
    for year in range(first.year + 1, last.year + 1):
        yield datetime.date(year, 1, 1)
    yield last


# --- Recomputing provisional limits --------------------------------------------------------------

# name -> callback(years): recompute the provisional limits that touch those years, return how many
# changed. Filled in the higher apps' apps.py (the petitions' statutory deadlines, ...).
_RECOMPUTE: dict[str, Callable[[frozenset[int]], int]] = {}


def register_recompute(name: str, callback: Callable[[frozenset[int]], int]) -> None:
    """Register ``callback(years) -> changed count``: called, inside the transaction of every
    calendar change (a year loaded, a day overridden or cleared), with the years it touched."""
    _RECOMPUTE[name] = callback


def recompute_callbacks() -> dict[str, Callable[[frozenset[int]], int]]:
    return dict(_RECOMPUTE)


def recompute(years: Iterable[int]) -> dict[str, int]:
    """Call every registered callback for ``years`` (after :func:`forget`): ``{name: changed}``."""
    touched = frozenset(years)
    forget()
    token = _FRESH.set(True)
    try:
        return {name: int(callback(touched) or 0) for name, callback in sorted(_RECOMPUTE.items())}
    finally:
        _FRESH.reset(token)
