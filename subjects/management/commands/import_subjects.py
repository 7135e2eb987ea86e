"""Bulk import: ``manage.py import_subjects FILE --source SOURCE [--dry-run] [--division CODE]``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from accounts.models import User
from core.readers import UnreadableFile, open_table
from jurisdictions.models import NATION_CODE, Division, normalise_code
from subjects.actions.imports import do_open_import_batch, run_import_batch
from subjects.importer import TEMPLATES
from subjects.models import ImportSource, ImportStatus


class Command(BaseCommand):
    help = (
        "Import subjects from a CSV (UTF-8 or GB18030) or XLSX file. Upserts by ID number; the same "
        "file twice changes nothing; rejected rows go to an error file."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--source", required=True, choices=list(TEMPLATES))
        parser.add_argument("--dry-run", action="store_true", help="check every row, change nothing")
        parser.add_argument(
            "--division", default=NATION_CODE, help="only write within this division (default: the whole country)"
        )
        parser.add_argument("--user", default="", help="username recorded as the importer")
        parser.add_argument("--errors", type=Path, help="also write the error report to this path")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        code = normalise_code(options["division"])
        division = Division.objects.filter(code=code).first()
        if division is None:
            raise CommandError(f"unknown division {options['division']!r}")
        actor = None
        if options["user"]:
            actor = User.objects.filter(username=options["user"]).first()
            if actor is None:
                raise CommandError(f"unknown user {options['user']!r}")
        batch = do_open_import_batch(
            division=division,
            source=ImportSource(options["source"]),
            file_name=path.name,
            dry_run=options["dry_run"],
            actor=actor,
        )
        quiet = options["verbosity"] < 1
        try:
            estimated: int | None = open_table(path).estimated_rows
        except UnreadableFile:
            estimated = None  # run_import_batch reports why
        bar = tqdm(total=estimated, desc=path.name, unit="row", disable=quiet)
        try:
            done = run_import_batch(batch, path, actor=actor, scope_codes=[code], progress=bar.update)
        finally:
            bar.close()
        if done is None:  # cannot happen for a batch this command opened, unless a sweep took it over
            raise CommandError(f"batch {batch.pk} was taken over by another run")
        batch = done
        if batch.status == ImportStatus.FAILED:
            raise CommandError(batch.message)
        if options["errors"] and batch.error_file:
            options["errors"].write_bytes(batch.error_file.read())
        if batch.message:
            self.stdout.write(batch.message)
        prefix = "dry run: " if batch.dry_run else ""
        self.stdout.write(
            f"{prefix}batch {batch.pk}: {batch.processed_rows} rows, {batch.created_count} created, "
            f"{batch.updated_count} updated, {batch.unchanged_count} unchanged, {batch.rejected_count} rejected"
        )
        if batch.error_file:
            self.stdout.write(f"error report: {batch.error_file.path}")
