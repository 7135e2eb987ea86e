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

Each import runs with 0, 1 and 2 checker processes (``LAUREL_BENCH_SUBJECTS_WORKERS``; 0 = all in
the job's process, N = N forked processes parse, check and encrypt while the job writes).

Two floors, measured in the same run: a bare ``COPY ... FROM STDIN (FORMAT csv, HEADER)`` of the
same file into an unindexed table of text columns (``subjects_import_<N>_workers<W>``), and the
physical ceiling: ``COPY`` of the imported rows, already validated, encrypted and rendered, back
into the emptied registry with all its indexes (``..._vs_indexed``; the goal is ≥ 0.5 of it),
measured again right after each import (the machine's load moves between runs). Each import
prints the rows read, created, rejected and on file and the load average; a failed import
(wrong status or counts) makes the bench exit non-zero.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SIZES = [int(s) for s in os.environ.get("LAUREL_BENCH_SUBJECTS_ROWS", "100000,1000000").split(",") if s.strip()]
# Checker processes (LAUREL_IMPORT_WORKERS) to run the import with: 0 = all in one process.
WORKERS = [int(s) for s in os.environ.get("LAUREL_BENCH_SUBJECTS_WORKERS", "0,1,2").split(",") if s.strip()]
# Also time re-importing the same rows unchanged (LAUREL_BENCH_SUBJECTS_REIMPORT=0 to skip).
REIMPORT = os.environ.get("LAUREL_BENCH_SUBJECTS_REIMPORT", "1") == "1"
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
        with cursor.copy(statement) as copy, open(path, "rb") as fh:
            fh.read(3)  # the BOM
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                copy.write(chunk)
        elapsed = time.perf_counter() - start
        cursor.execute("SELECT count(*) FROM bench_copy_floor")
        assert cursor.fetchone()[0] == rows
        cursor.execute("DROP TABLE bench_copy_floor")
    return rows / elapsed


def indexed_floor() -> float:
    """Rows per second of COPY of the imported rows (already validated, encrypted, rendered) back
    into the emptied, fully indexed registry: the physical ceiling of any import."""
    import io

    from django.db import connection

    buffer = io.BytesIO()
    with connection.cursor() as cursor:
        with cursor.copy("COPY subjects_subject TO STDOUT") as copy:
            for data in copy:
                buffer.write(data)
        cursor.execute("SELECT count(*) FROM subjects_subject")
        rows = cursor.fetchone()[0]
        empty_registry()
        start = time.perf_counter()
        with cursor.copy("COPY subjects_subject FROM STDIN") as copy:
            view = buffer.getbuffer()
            for offset in range(0, len(view), 1 << 20):
                copy.write(view[offset : offset + (1 << 20)])
        elapsed = time.perf_counter() - start
    return rows / elapsed


def run_import(path: Path, workers: int = 0) -> tuple[float, object]:
    from django.conf import settings

    from subjects.actions.imports import run_import_batch
    from subjects.models import ImportBatch

    settings.LAUREL_IMPORT_WORKERS = workers
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

    failed = False
    for rows in SIZES:
        path = csv_file(rows)
        empty_registry()
        floor = copy_floor(path)
        load = os.getloadavg()
        log(f"{rows} rows: COPY floor {floor:.0f} rows/s; load average {load[0]:.2f}")
        printed = False
        for workers in WORKERS:
            empty_registry()
            rate, batch = run_import(path, workers)
            created = batch.created_count  # type: ignore[attr-defined]
            rejected = batch.rejected_count  # type: ignore[attr-defined]
            on_file = Subject.objects.count()
            if batch.status != "done" or on_file != created or created != rows:  # type: ignore[attr-defined]
                log(f"  FAILED with {workers} workers: {batch.status} {batch.message} {created}/{rows}")  # type: ignore[attr-defined]
                failed = True
                continue
            # The indexed floor again after every import (the rows it just wrote, copied back into
            # the emptied registry): on a shared machine the load moves between runs, and each
            # ratio compares an import with the floor measured right after it.
            indexed = indexed_floor()  # leaves the registry empty
            if not printed:
                printed = True
                print(
                    f"# {rows} rows, load average {load[0]:.2f} {load[1]:.2f}: raw COPY {floor:.0f} rows/s, "
                    f"COPY of the rendered rows into the indexed registry {indexed:.0f} rows/s",
                    flush=True,
                )
                print(bench_line(f"subjects_import_indexed_floor_{rows}", indexed, floor), flush=True)
            now = os.getloadavg()[0]
            print(
                f"# import with {workers} checker processes: {rows} rows read, {created} created, "
                f"{rejected} rejected, registry {on_file} rows; indexed floor measured after it "
                f"{indexed:.0f} rows/s; load average {now:.2f}",
                flush=True,
            )
            print(bench_line(f"subjects_import_{rows}_workers{workers}", rate, floor), flush=True)
            print(bench_line(f"subjects_import_{rows}_workers{workers}_vs_indexed", rate, indexed), flush=True)
        if REIMPORT and not failed:
            empty_registry()
            run_import(path, max(WORKERS))
            again = path.with_name(path.stem + "-again.csv")
            again.write_bytes(path.read_bytes() + b"\n")
            rate_again, batch_again = run_import(again, max(WORKERS))
            again.unlink()
            if batch_again.unchanged_count != rows:  # type: ignore[attr-defined]
                log(f"  FAILED re-import: {batch_again.message}")  # type: ignore[attr-defined]
                failed = True
            else:
                print(
                    f"# re-import with {max(WORKERS)} checker processes: {rows} rows read, "
                    f"{batch_again.unchanged_count} unchanged; load average {os.getloadavg()[0]:.2f}",  # type: ignore[attr-defined]
                    flush=True,
                )
                print(bench_line(f"subjects_reimport_unchanged_{rows}", rate_again, floor), flush=True)
    if failed:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
