"""``manage.py draw_quality_sample --month YYYY-MM --seed N``: draw a month's closed decisions for quality review."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from quality.actions import do_draw_quality_sample


def parse_month(raw: str) -> datetime.date:
    try:
        return datetime.datetime.strptime(raw, "%Y-%m").date()
    except ValueError:
        raise CommandError(f"--month: expected YYYY-MM, got {raw!r}") from None


class Command(BaseCommand):
    help = "Draw a month's closed decisions of every county for quality review (seeded, reproducible)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--month", required=True, help="YYYY-MM")
        parser.add_argument("--seed", required=True, type=int)

    def handle(self, *args: Any, **options: Any) -> None:
        month = parse_month(options["month"])
        try:
            samples = do_draw_quality_sample(month, seed=options["seed"], actor=None)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
        for sample in samples:
            self.stdout.write(
                f"{sample.division_id} {sample.month:%Y-%m}: {len(sample.drawn_ids)} of {sample.population_size}"
            )
        self.stdout.write(f"{len(samples)} samples drawn")
