"""``manage.py load_dataset FILE --department D [--layout L] [--division CODE]``: load one department extract."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from crosscheck import actions, layouts, loader
from jurisdictions.models import Department, Division, normalise_code


class Command(BaseCommand):
    help = "Load a department dataset (CSV or XLSX) into the cross-check staging tables (idempotent by file hash)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--department", required=True, choices=Department.values)
        parser.add_argument(
            "--layout",
            default="",
            help="file layout, e.g. 'deaths' or 'hukou' (default: recognised from the header row); "
            f"known: {', '.join(layout.name for layout in layouts.LAYOUTS)}",
        )
        parser.add_argument("--division", default="", help="division the extract covers (default: the nation)")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        coverage = normalise_code(options["division"]) if options["division"] else ""
        if coverage and not Division.objects.filter(code=coverage).exists():
            raise CommandError(f"Unknown division: {options['division']}")
        data = path.read_bytes()
        bar = tqdm(desc="rows", unit=" rows", disable=options["no_progress"] or options["verbosity"] == 0)
        try:
            batch, created = actions.do_load_dataset(
                data,
                file_name=path.name,
                department=options["department"],
                layout=options["layout"],
                coverage_code=coverage,
                actor=None,
                progress=bar.update,
            )
        except loader.DatasetFileError as exc:
            raise CommandError(str(exc)) from None
        finally:
            bar.close()
        if not created:
            self.stdout.write(f"Already loaded as batch {batch.pk} ({batch.created_at:%Y-%m-%d %H:%M}); nothing to do.")
            return
        self.stdout.write(
            f"Batch {batch.pk} ({batch.layout}): {batch.total_rows} rows, {batch.loaded_rows} loaded, "
            f"{batch.rejected_rows} rejected."
        )
        for error in batch.errors[:20]:
            self.stdout.write(f"  row {error['row']}, {error['field']}: {error['reason']}")
        if batch.rejected_rows > 20:
            self.stdout.write(f"  … {batch.rejected_rows - 20} more rejected rows (see the batch page).")
