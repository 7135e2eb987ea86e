"""Benchmark: bulk import of subjects (100k and 1M rows) next to a bare PostgreSQL COPY of the same file.

    .venv/bin/python bench/bench_subjects_import.py     # LAUREL_BENCH_SUBJECTS_ROWS=100000 for a quick run

Set-up (not timed): a PostgreSQL database (``LAUREL_BENCH_SUBJECTS_DATABASE_URL``, default
``postgresql://postgres@127.0.0.1:5432/laurel_bench_subjects``, created if missing, migrated, the
real division tree loaded); a synthetic county-template CSV of N rows (valid ID numbers,
realistic categories, Chinese values, people spread over every township of 广东省), cached in
``var/bench/``; the registry emptied.

Timed, per size N in ``LAUREL_BENCH_SUBJECTS_ROWS`` (default ``100000,1000000``):
- ``subjects_import_<N>``: ``run_import_batch`` (what ``manage.py import_subjects`` and the web upload
  run): decode, parse, validate every cell and ID number, HMAC and encrypt, COPY into staging,
  set-based upsert into the indexed registry, error report, audit event — rows per second;
- ``subjects_reimport_unchanged_<N>``: the same rows again under a different file hash (one
  trailing blank line), so nothing may be skipped: every row is read, validated, looked up by
  blind index and compared, and nothing is written.

The floor of each is a bare ``COPY ... FROM STDIN (FORMAT csv, HEADER)`` of the same file into
an unindexed table of text columns, in the same run: ``ratio`` is the import's rate over COPY's.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SIZES = [int(s) for s in os.environ.get("LAUREL_BENCH_SUBJECTS_ROWS", "100000,1000000").split(",") if s.strip()]
DATABASE_URL = os.environ.get(
    "LAUREL_BENCH_SUBJECTS_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/laurel_bench_subjects"
)
CACHE = ROOT / "var" / "bench"


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def setup_django() -> None:
    os.environ["DATABASE_URL"] = DATABASE_URL
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    sys.path.insert(0, str(ROOT))
    import psycopg
    from psycopg import sql

    name = DATABASE_URL.rsplit("/", 1)[1]
    with psycopg.connect(DATABASE_URL.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    import django

    django.setup()
    from django.core.management import call_command

    from jurisdictions.models import Division

    call_command("migrate", verbosity=0)
    if not Division.objects.filter(code="440106").exists():
        call_command("load_divisions", verbosity=0)


def csv_file(rows: int) -> Path:
    from jurisdictions.models import Division
    from subjects import synthetic

    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"subjects-{rows}.csv"
    if not path.exists():
        log(f"generating {path.name} ...")
        townships = list(Division.objects.filter(code__startswith="44", level=4).values_list("code", flat=True))
        tmp = path.with_suffix(".tmp")
        synthetic.write_csv(tmp, synthetic.generate(rows, townships, seed=rows))
        tmp.rename(path)
    return path


def empty_registry() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE subjects_benefit, subjects_idreveal, subjects_duplicateflag, subjects_subject, "
            "subjects_importbatch CASCADE"
        )
        cursor.execute("ANALYZE subjects_subject")


def copy_floor(path: Path) -> float:
    """Rows per second of a bare COPY of the file into an unindexed table of text columns."""
    from django.db import connection

    with open(path, encoding="utf-8-sig") as fh:
        columns = fh.readline().rstrip("\n").split(",")
    with open(path, "rb") as fh:
        rows = sum(1 for _ in fh) - 1
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_copy_floor")
        cursor.execute(
            "CREATE TABLE bench_copy_floor ({})".format(", ".join(f"c{i} text" for i in range(len(columns))))
        )
        start = time.perf_counter()
        statement = "COPY bench_copy_floor FROM STDIN (FORMAT csv, HEADER true)"
        with cursor.copy(statement) as copy, open(path, "rb") as fh:  # type: ignore[attr-defined]
            fh.read(3)  # the BOM
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                copy.write(chunk)
        elapsed = time.perf_counter() - start
        cursor.execute("SELECT count(*) FROM bench_copy_floor")
        assert cursor.fetchone()[0] == rows
        cursor.execute("DROP TABLE bench_copy_floor")
    return rows / elapsed


def run_import(path: Path) -> tuple[float, object]:
    from subjects.actions.imports import run_import_batch
    from subjects.models import ImportBatch

    batch = ImportBatch(division_id="CN", source="county", file_name=path.name)
    batch.save()
    start = time.perf_counter()
    done = run_import_batch(batch, path, actor=None, scope_codes=None)
    elapsed = time.perf_counter() - start
    assert done is not None
    return done.processed_rows / elapsed, done


def bench_line(name: str, value: float, floor: float) -> str:
    return f"BENCH name={name} value={value:.0f} unit=rows/s floor={floor:.0f} ratio={value / floor:.3f}"


def main() -> None:
    setup_django()
    from subjects.models import Subject

    for rows in SIZES:
        path = csv_file(rows)
        empty_registry()
        floor = copy_floor(path)
        log(f"{rows} rows: COPY floor {floor:.0f} rows/s; importing ...")
        rate, batch = run_import(path)
        assert batch.status == "done", batch.message  # type: ignore[attr-defined]
        created = batch.created_count  # type: ignore[attr-defined]
        log(f"  import {rate:.0f} rows/s ({created} created, {batch.rejected_count} rejected)")  # type: ignore[attr-defined]
        assert Subject.objects.count() == created == rows, (created, rows)
        print(bench_line(f"subjects_import_{rows}", rate, floor), flush=True)
        again = path.with_name(path.stem + "-again.csv")
        again.write_bytes(path.read_bytes() + b"\n")
        floor_again = copy_floor(path)
        rate_again, batch_again = run_import(again)
        again.unlink()
        assert batch_again.unchanged_count == rows, batch_again.message  # type: ignore[attr-defined]
        log(f"  re-import unchanged {rate_again:.0f} rows/s")
        print(bench_line(f"subjects_reimport_unchanged_{rows}", rate_again, floor_again), flush=True)


if __name__ == "__main__":
    main()
