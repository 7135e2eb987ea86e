"""``manage.py load_holiday_calendar YEAR FILE``: load a year of public holidays and 调休 working days
from a CSV (UTF-8 or GB18030) or XLSX file ``date,working,name`` (README "Policy base")."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation
from django.utils.translation import gettext as _

from policies.actions_calendar import do_load_holiday_calendar


class Command(BaseCommand):
    help = (
        "Load a year's public holidays (放假) and adjusted working days (调休) from a file of the State "
        "Council's notice; the years the chinese-calendar package covers need no file."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("year", type=int)
        parser.add_argument("file", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        with translation.override("zh-hans"):
            if not path.is_file():
                raise CommandError(_("No such file: %(path)s") % {"path": path})
            try:
                result = do_load_holiday_calendar(options["year"], path, actor=None)
            except ValidationError as exc:
                raise CommandError("; ".join(exc.messages)) from None
            if result.errors:
                for line, reason in result.errors:
                    self.stderr.write(_("Line %(line)d: %(reason)s") % {"line": line, "reason": reason})
                raise CommandError(
                    _("Nothing loaded: the file has %(count)d bad rows.") % {"count": len(result.errors)}
                )
            if options["verbosity"]:
                recomputed = sum(result.recomputed.values())
                self.stdout.write(
                    _(
                        "%(year)d: %(days)d days loaded, %(replaced)d replaced, "
                        "%(recomputed)d provisional limits recomputed"
                    )
                    % {"year": result.year, "days": result.days, "replaced": result.replaced, "recomputed": recomputed}
                )
