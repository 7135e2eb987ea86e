"""``manage.py generate_subjects --count N --division CODE``: synthetic, valid, realistic subjects."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from audit.log import record
from jurisdictions.models import Division, Level, normalise_code
from subjects import synthetic

BATCH = 5000


class Command(BaseCommand):
    help = "Generate synthetic subjects (valid ID numbers, realistic categories) in a division's subtree."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--count", type=int, required=True)
        parser.add_argument("--division", required=True, help="a province, city, county or township code")
        parser.add_argument("--seed", type=int, default=0, help="same seed, same people (already on file: skipped)")

    def handle(self, *args: Any, count: int, division: str, seed: int, **options: Any) -> None:
        code = normalise_code(division)
        root = Division.objects.filter(code=code).first()
        if root is None:
            raise CommandError(f"unknown division {division!r}")
        if count < 1:
            raise CommandError("--count must be at least 1")
        if root.level >= Level.COUNTY:
            targets = [root.code] if root.level == Level.TOWNSHIP else []
            targets += list(
                Division.objects.filter(code__startswith=root.code, level=Level.TOWNSHIP).values_list("code", flat=True)
            ) or [root.code]
        else:
            targets = list(
                Division.objects.filter(code__startswith=root.code, level=Level.COUNTY).values_list("code", flat=True)
            )
        if not targets:
            raise CommandError(f"{root} has no counties or townships")
        rows = synthetic.generate(count, targets, seed=seed)
        created = 0
        bar = tqdm(total=count, desc="subjects", unit="row", disable=options["verbosity"] < 1)
        batch: list[dict[str, Any]] = []
        for row in rows:
            batch.append(row)
            if len(batch) >= BATCH:
                created += synthetic.insert(batch, seed=seed + created)
                bar.update(len(batch))
                batch = []
        if batch:
            created += synthetic.insert(batch, seed=seed + created)
            bar.update(len(batch))
        bar.close()
        record(
            event_type="subject.generated",
            actor=None,
            object_type="subjects.subject",
            division_code=root.code,
            data={"count": count, "created": created, "seed": seed},
        )
        if options["verbosity"] >= 1:
            self.stdout.write(
                f"subjects: {created} generated in {root.name} ({root.code}), {count - created} already on file"
            )
