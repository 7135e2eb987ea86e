"""The working-day calendar that statutory limits are counted on (the interface; see the README).

A *limit* is counted from a start date either in calendar days (the 信访工作条例's 15, 60 and 30
days: a limit that ends on a non-working day moves to the next working day) or in working days
(the 5-day objection window: 调休 Saturdays count as working days). A limit is *provisional*
(暂按) when a year it touches has not been loaded from the State Council's notice: weekends plus
administrator-entered days apply meanwhile, and the limit is recomputed when the year is loaded.

This module is the interface the higher apps use; nothing here imports a domain app.
"""

from __future__ import annotations

import datetime
from typing import NamedTuple


class Limit(NamedTuple):
    date: datetime.date
    provisional: bool


def is_working_day(day: datetime.date) -> bool:
    return day.weekday() < 5


def is_provisional(day: datetime.date) -> bool:
    """True when ``day``'s year has no loaded official calendar (weekends and entered days only)."""
    return False


def next_working_day(day: datetime.date) -> datetime.date:
    """``day`` itself when it is a working day, else the first working day after it."""
    while not is_working_day(day):
        day += datetime.timedelta(days=1)
    return day


def add_working_days(start: datetime.date, days: int) -> datetime.date:
    """The date ``days`` working days after ``start`` (``start`` itself does not count)."""
    day, left = start, days
    while left > 0:
        day += datetime.timedelta(days=1)
        if is_working_day(day):
            left -= 1
    return day


def calendar_limit(start: datetime.date, days: int) -> Limit:
    """``days`` calendar days after ``start``, moved to the next working day when it ends on a rest day."""
    end = next_working_day(start + datetime.timedelta(days=days))
    return Limit(end, any(is_provisional(d) for d in (start, end)))


def working_limit(start: datetime.date, days: int) -> Limit:
    """``days`` working days after ``start`` (``start`` itself does not count)."""
    end = add_working_days(start, days)
    return Limit(end, any(is_provisional(d) for d in (start, end)))
