"""``manage.py rebuild_summaries``: recount the dashboards' summary tables from the register.

Needed only if the tables were lost or a bulk load bypassed the actions (a restore, a load
with ``COPY`` outside the importer); the actions and the importer keep them up to date.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from tqdm import tqdm

from jurisdictions.models import Division, Level
from reports.actions_summaries import do_rebuild_summaries


class Command(BaseCommand):
    help = "Recount the dashboards' subject and case summary tables from the register (one province at a time)."

    def handle(self, *args: Any, **options: Any) -> None:
        quiet = int(options["verbosity"]) == 0
        # Each table reports each province that has rows (at most every province, twice).
        total = 2 * Division.objects.filter(level=Level.PROVINCE).count()
        bar = tqdm(total=total, desc="rebuild_summaries", unit="province", disable=quiet)
        try:
            written = do_rebuild_summaries(actor=None, progress=lambda _code: bar.update())
        finally:
            bar.close()
        if not quiet:
            self.stdout.write(f"subject count rows: {written['subjects']}, case count rows: {written['cases']}")
