"""Load the built-in public holidays and adjusted working days for some years (idempotent, audited)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from cases.actions import do_set_calendar_day
from cases.management.holidays import CALENDAR
from cases.models import CalendarDay


class Command(BaseCommand):
    help = "Load public holidays (放假) and adjusted working days (调休) for the given years."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("years", nargs="*", type=int, help="Years to load (default: all built in).")

    def handle(self, *args: Any, **options: Any) -> None:
        years = options["years"] or sorted(CALENDAR)
        unknown = [y for y in years if y not in CALENDAR]
        if unknown:
            raise CommandError(f"no built-in calendar for {unknown}; enter it on the calendar page")
        changed = 0
        for year in years:
            for day, working, name in CALENDAR[year]:
                current = CalendarDay.objects.filter(date=day).first()
                if current is not None and (current.is_working, current.name) == (working, name):
                    continue
                do_set_calendar_day(day, is_working=working, name=name, actor=None)
                changed += 1
        if options["verbosity"]:
            self.stdout.write(f"calendar: {changed} day(s) set for {', '.join(map(str, years))}")
