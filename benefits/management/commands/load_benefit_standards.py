"""``manage.py load_benefit_standards FILE``: load benefit standards and regional bases (docs/benefits.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation
from django.utils.translation import gettext as _

from benefits.loading import do_load_benefit_standards


class Command(BaseCommand):
    help = "Load benefit standards and regional bases from a CSV or XLSX file (all or nothing)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        with translation.override("zh-hans"):
            if not path.is_file():
                raise CommandError(_("No such file: %(path)s") % {"path": path})
            result = do_load_benefit_standards(path, actor=None)
            for line, column, reason in result.errors:
                self.stderr.write(
                    _("Line %(line)d, column %(column)s: %(reason)s")
                    % {"line": line, "column": column, "reason": reason}
                )
            if result.errors:
                raise CommandError(_("Nothing was loaded: %(n)d bad rows.") % {"n": len(result.errors)})
            if options["verbosity"] > 0:
                self.stdout.write(
                    _("%(standards)d standards, %(bases)d regional bases loaded, %(unchanged)d unchanged")
                    % {"standards": result.standards, "bases": result.bases, "unchanged": result.unchanged}
                )
