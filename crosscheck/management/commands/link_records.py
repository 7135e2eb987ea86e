"""``manage.py link_records --dataset ID [--threshold P] [--review-from P]``: link rows without a valid ID number."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.errors import Conflict
from crosscheck import linkage
from crosscheck.models import DatasetBatch


class Command(BaseCommand):
    help = (
        "Link a dataset's rows whose ID number is missing or wrong to the register by name, birth date, sex and "
        "county (Splink on an in-memory DuckDB); candidates between the two probabilities wait for review."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dataset", type=int, required=True, help="the batch id of a loaded department dataset")
        parser.add_argument("--threshold", type=float, default=linkage.DEFAULT_THRESHOLD)
        parser.add_argument("--review-from", type=float, default=linkage.DEFAULT_REVIEW_FROM)

    def handle(self, *args: Any, **options: Any) -> None:
        batch = DatasetBatch.objects.filter(pk=options["dataset"]).first()
        if batch is None:
            raise CommandError(f"No dataset {options['dataset']}.")
        try:
            run = linkage.do_link_records(
                batch, actor=None, threshold=options["threshold"], review_from=options["review_from"]
            )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        except Conflict as exc:
            raise CommandError(str(exc)) from None
        c = run.counts
        self.stdout.write(
            f"linkage run {run.pk}: {c['rows']} rows without a valid ID, {c['auto_linked']} linked, "
            f"{c['review']} for review, {c['no_match']} without a match ({c['register']} people compared)"
        )
