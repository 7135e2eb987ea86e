"""``manage.py load_policy_articles FILE``: load article versions from a UTF-8 CSV file (README "Policy base")."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation
from django.utils.translation import gettext as _

from policies.actions import do_load_policy_articles


class Command(BaseCommand):
    help = "Load policy article versions from a CSV file (idempotent; a changed text becomes a new version)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        verbose = options["verbosity"] > 0

        def progress(done: int, total: int) -> None:
            if verbose and (done % 50 == 0 or done == total):
                self.stdout.write(_("%(done)d of %(total)d rows read") % {"done": done, "total": total})

        with translation.override("zh-hans"):
            if not path.is_file():
                raise CommandError(_("No such file: %(path)s") % {"path": path})
            result = do_load_policy_articles(path, actor=None, progress=progress)
            for line, reason in result.errors:
                self.stderr.write(_("Line %(line)d: %(reason)s") % {"line": line, "reason": reason})
            counts = result.counts()
            summary = (
                _(
                    "%(created)d new articles, %(new_versions)d new versions, "
                    "%(unchanged)d unchanged, %(errors)d bad rows"
                )
                % counts
            )
            if verbose:
                self.stdout.write(self.style.SUCCESS(summary) if not result.errors else summary)
