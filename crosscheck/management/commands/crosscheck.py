"""``manage.py crosscheck [--department D] [--division CODE]``: run the cross-check."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from crosscheck import actions
from jurisdictions.models import Department, Division, normalise_code


class Command(BaseCommand):
    help = "Compare the registry with the loaded department datasets and update the discrepancies."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--department", default="", choices=["", *Department.values])
        parser.add_argument("--division", default="", help="limit the run to a province, city or county code")
        parser.add_argument("--as-of", default="", help="month overpayments run to (YYYY-MM-DD; default today)")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        division = normalise_code(options["division"]) if options["division"] else ""
        if division and not Division.objects.filter(code=division).exists():
            raise CommandError(f"Unknown division: {options['division']}")
        try:
            as_of = dt.date.fromisoformat(options["as_of"]) if options["as_of"] else None
        except ValueError:
            raise CommandError("--as-of must be YYYY-MM-DD") from None
        bar = tqdm(desc="checks", unit=" steps", disable=options["no_progress"] or options["verbosity"] == 0)

        def on_step(done: int, total: int) -> None:
            bar.total = total
            bar.n = done
            bar.refresh()

        try:
            run = actions.do_run_crosscheck(
                actor=None, department=options["department"], division_code=division, as_of=as_of, on_step=on_step
            )
        finally:
            bar.close()
        self.stdout.write(
            f"Run {run.pk}: {run.found} discrepancies found ({run.opened} new, {run.closed} closed), "
            f"{run.suspects} new suspected duplicates."
        )
        for kind, count in sorted(run.counts.items()):
            self.stdout.write(f"  {kind}: {count}")
