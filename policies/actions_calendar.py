"""Writes to the working-day calendar (``policies.calendar``): an administrator's override of a day,
and a year loaded from a file of the State Council's notice (``manage.py load_holiday_calendar YEAR
FILE``). Each change is one transaction, audited, and recomputes the provisional limits of the higher
apps (``policies.calendar.register_recompute``) before it commits."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import Actor
from audit.log import record
from core.readers import UnreadableFile, open_table

from . import calendar
from .models import CalendarDay, CalendarYear, DaySource

CALENDAR_COLUMNS = ["date", "working", "name"]
WORKING = {"yes": True, "y": True, "1": True, "是": True, "上班": True, "true": True}
RESTING = {"no": False, "n": False, "0": False, "否": False, "休息": False, "放假": False, "false": False}
FIRST_YEAR, LAST_YEAR = 2000, 2100


def _state(day: datetime.date) -> dict[str, object]:
    return {"is_working": calendar.is_working_day(day), "name": calendar.day_name(day)}


def _check_year(year: int) -> None:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValidationError(
            {"year": _("The year must be between %(first)d and %(last)d.") % {"first": FIRST_YEAR, "last": LAST_YEAR}}
        )


@transaction.atomic
def do_set_calendar_day(day: datetime.date, *, is_working: bool, name: str = "", actor: Actor) -> CalendarDay:
    """Override one day: a public holiday (not working) or a working day (调休), whatever the package
    or a loaded file said. Audited with the day's status before and after."""
    _check_year(day.year)
    if len(name) > 64:
        raise ValidationError({"name": _("The name is longer than 64 characters.")})
    before = _state(day)
    entry, created = CalendarDay.objects.update_or_create(
        date=day, defaults={"is_working": is_working, "name": name, "source": DaySource.ENTERED}
    )
    calendar.forget()
    recomputed = calendar.recompute([day.year])
    record(
        event_type="calendar.changed",
        actor=actor,
        obj=entry,
        data={
            "date": day.isoformat(),
            "is_working": is_working,
            "name": name,
            "created": created,
            "before": before,
            "provisional": calendar.is_provisional(day),
            "recomputed": recomputed,
        },
    )
    return entry


@transaction.atomic
def do_clear_calendar_day(day: datetime.date, *, actor: Actor) -> None:
    """Remove an override: the day is again what the package (or the plain week) says."""
    before = _state(day)
    deleted, _rows = CalendarDay.objects.filter(date=day).delete()
    if not deleted:
        return
    calendar.forget()
    recomputed = calendar.recompute([day.year])
    record(
        event_type="calendar.changed",
        actor=actor,
        object_type="policies.calendarday",
        object_id=day.isoformat(),
        data={"date": day.isoformat(), "removed": True, "before": before, "recomputed": recomputed},
    )


@dataclass
class CalendarLoad:
    year: int
    days: int = 0
    replaced: int = 0  # rows of the year (loaded or entered) that the file replaced
    recomputed: dict[str, int] = field(default_factory=dict)
    errors: list[tuple[int, str]] = field(default_factory=list)  # (line number, reason): nothing loaded


def _read_calendar(path: Path, year: int) -> tuple[list[tuple[datetime.date, bool, str]], list[tuple[int, str]]]:
    try:
        table = open_table(path, path.name)
    except (OSError, UnreadableFile) as exc:
        return [], [(0, _("the file cannot be read: %(error)s") % {"error": exc})]
    header = [cell.strip().lower() for cell in table.header]
    if header[:3] != CALENDAR_COLUMNS:
        return [], [(1, _("the header must be: %(columns)s") % {"columns": ",".join(CALENDAR_COLUMNS)})]
    days: list[tuple[datetime.date, bool, str]] = []
    errors: list[tuple[int, str]] = []
    seen: dict[datetime.date, int] = {}
    for line, cells in table.rows:
        if cells is None:
            errors.append((line, _("the row cannot be read")))
            continue
        if not any(cell.strip() for cell in cells):
            continue
        cells = [*cells, "", "", ""]
        raw_date, raw_working, name = (cells[0].strip(), cells[1].strip().lower(), cells[2].strip())
        try:
            day = datetime.date.fromisoformat(raw_date)
        except ValueError:
            errors.append((line, _("date is not a date (YYYY-MM-DD): %(value)s") % {"value": raw_date}))
            continue
        if day.year != year:
            errors.append((line, _("date %(date)s is not in the year %(year)d") % {"date": raw_date, "year": year}))
            continue
        if day in seen:
            errors.append(
                (line, _("date %(date)s is already on line %(line)d") % {"date": raw_date, "line": seen[day]})
            )
            continue
        if raw_working not in WORKING and raw_working not in RESTING:
            errors.append((line, _("working must be yes or no (是/否): %(value)s") % {"value": cells[1].strip()}))
            continue
        if len(name) > 64:
            errors.append((line, _("name is longer than 64 characters")))
            continue
        seen[day] = line
        days.append((day, WORKING.get(raw_working, False), name))
    if not days and not errors:
        errors.append((0, _("the file lists no days")))
    return days, errors


@transaction.atomic
def do_load_holiday_calendar(year: int, path: Path, *, actor: Actor) -> CalendarLoad:
    """Load ``year``'s public holidays and 调休 working days from a CSV or XLSX file (``date,working,name``;
    ``working`` yes/no or 是/否). The year's rows (loaded or entered) are replaced, the year is no longer
    provisional, and every provisional limit touching it is recomputed (the registered callbacks). A file
    with any bad row loads nothing: every bad row is reported with its line number."""
    _check_year(year)
    result = CalendarLoad(year=year)
    days, errors = _read_calendar(path, year)
    if errors:
        result.errors = errors
        return result
    first, last = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    result.replaced, _deleted = CalendarDay.objects.filter(date__range=(first, last)).delete()
    CalendarDay.objects.bulk_create(
        CalendarDay(date=day, is_working=working, name=name, source=DaySource.FILE) for day, working, name in days
    )
    CalendarYear.objects.update_or_create(year=year, defaults={"file_name": path.name[:200], "days": len(days)})
    result.days = len(days)
    calendar.forget()
    result.recomputed = calendar.recompute([year])
    record(
        event_type="calendar.year_loaded",
        actor=actor,
        object_type="policies.calendaryear",
        object_id=str(year),
        data={
            "year": year,
            "file": path.name,
            "days": result.days,
            "replaced": result.replaced,
            "recomputed": result.recomputed,
        },
    )
    return result
