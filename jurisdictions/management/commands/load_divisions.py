"""Load or refresh the division tree from jurisdictions/data/divisions.csv, and the links of the
兵团's Xinjiang-coded units to their 师 from jurisdictions/data/bingtuan_links.csv (idempotent)."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from tqdm import tqdm

from jurisdictions.models import BINGTUAN_CODE, NATION_CODE, BingtuanLink, Division, Level, level_of_code

DATA_FILE = Path(__file__).resolve().parents[2] / "data" / "divisions.csv"
LINKS_FILE = Path(__file__).resolve().parents[2] / "data" / "bingtuan_links.csv"
BATCH = 2000


def _level(code: str) -> Level:
    level = level_of_code(code)
    assert level is not None  # _read() refused malformed codes
    return level


class Command(BaseCommand):
    help = "Load the GB/T 2260 division tree (provinces, cities, counties, townships). Safe to run again."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--file", type=Path, default=DATA_FILE, help="CSV with columns code,name,parent")
        parser.add_argument(
            "--links", type=Path, default=LINKS_FILE, help="CSV with columns code,name,division (65-coded unit → 66NN)"
        )

    def handle(self, *args: Any, file: Path, links: Path, **options: Any) -> None:
        rows = self._read(file)
        link_rows = self._read_links(links, {r[0] for r in rows})
        with transaction.atomic():
            Division.objects.update_or_create(
                code=NATION_CODE, defaults={"name": "全国", "level": Level.NATION, "parent": None}
            )
            existing = dict(Division.objects.values_list("code", "name"))
            # Parents before children: codes sort by length within a level order.
            rows.sort(key=lambda r: (len(r[0]), r[0]))
            created = renamed = 0
            progress = tqdm(total=len(rows), desc="divisions", unit="row", disable=options["verbosity"] < 1)
            for start in range(0, len(rows), BATCH):
                batch = rows[start : start + BATCH]
                new = [r for r in batch if r[0] not in existing]
                changed = [r for r in batch if r[0] in existing and existing[r[0]] != r[1]]
                Division.objects.bulk_create(
                    [Division(code=c, name=n, level=_level(c), parent_id=p or NATION_CODE) for c, n, p in new]
                )
                for code, name, _parent in changed:
                    Division.objects.filter(code=code).update(name=name)
                created += len(new)
                renamed += len(changed)
                progress.update(len(batch))
            progress.close()
            for code, shi in link_rows:
                BingtuanLink.objects.update_or_create(division_id=code, defaults={"shi_id": shi})
        in_file = {r[0] for r in rows} | {NATION_CODE}
        missing = sorted(set(existing) - in_file)
        self.stdout.write(
            f"divisions: {len(rows)} in file, {created} created, {renamed} renamed, "
            f"{len(missing)} in the database but no longer in the file; "
            f"{len(link_rows)} units linked to a 师 of the 兵团"
        )
        if missing:
            self.stdout.write(
                "not in the file (kept): " + ", ".join(missing[:50]) + (" …" if len(missing) > 50 else "")
            )

    def _read(self, file: Path) -> list[tuple[str, str, str]]:
        if not file.exists():
            raise CommandError(f"{file}: no such file")
        rows: list[tuple[str, str, str]] = []
        with file.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            if not reader.fieldnames or not {"code", "name", "parent"} <= set(reader.fieldnames):
                raise CommandError(f"{file}: expected the columns code,name,parent")
            seen: set[str] = set()
            for line, row in enumerate(reader, start=2):
                code, name, parent = row["code"].strip(), row["name"].strip(), (row["parent"] or "").strip()
                level = level_of_code(code)
                if level is None or level == Level.NATION:
                    raise CommandError(f"{file}, line {line}: {code!r} is not a division code")
                if not name:
                    raise CommandError(f"{file}, line {line}: code {code} has no name")
                if code in seen:
                    raise CommandError(f"{file}, line {line}: code {code} appears twice")
                expected_parent = {1: "", 2: code[:2], 3: code[:4], 4: code[:6]}[level]
                if parent != expected_parent:
                    raise CommandError(
                        f"{file}, line {line}: code {code} has parent {parent!r}, expected {expected_parent!r}"
                    )
                seen.add(code)
                rows.append((code, name, parent))
        for code, _name, parent in rows:
            if parent and parent not in seen:
                raise CommandError(f"{file}: code {code} names parent {parent}, which is not in the file")
        return rows

    def _read_links(self, file: Path, codes: set[str]) -> list[tuple[str, str]]:
        """``(65-coded unit, 66NN 师)`` pairs; pairs naming a code absent from the division file are left out
        (a partial tree), a pair naming something that is not a 师, or a 兵团 code as the unit, is refused."""
        if not file.exists():
            raise CommandError(f"{file}: no such file")
        links: list[tuple[str, str]] = []
        with file.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            if not reader.fieldnames or not {"code", "division"} <= set(reader.fieldnames):
                raise CommandError(f"{file}: expected the columns code,name,division")
            for line, row in enumerate(reader, start=2):
                code, shi = row["code"].strip(), row["division"].strip()
                if code.startswith(BINGTUAN_CODE) or level_of_code(code) is None:
                    raise CommandError(f"{file}, line {line}: {code!r} is not a division outside the 兵团")
                if not shi.startswith(BINGTUAN_CODE) or len(shi) != 4 or not shi.isdigit():
                    raise CommandError(f"{file}, line {line}: {shi!r} is not a 师 of the 兵团 (66NN)")
                if code in codes and shi in codes:
                    links.append((code, shi))
        return links
