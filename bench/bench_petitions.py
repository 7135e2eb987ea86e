"""Benchmark: the grievances' daily deadline scan (notices due today) over N open grievances, against the bare SQL.

    .venv/bin/python bench/bench_petitions.py     # LAUREL_BENCH_PETITIONS_SIZES=100000 for a quick run

Set-up (not timed), per size N in ``LAUREL_BENCH_PETITIONS_SIZES`` (default ``1000000``): a PostgreSQL
database (``LAUREL_BENCH_PETITIONS_DATABASE_URL``, default
``postgresql://postgres@127.0.0.1:5432/laurel_bench_petitions``, created if missing, migrated, the real
division tree loaded) is refilled set-based (``INSERT ... SELECT generate_series``, secondary indexes
dropped and rebuilt): N open grievances over every county, each a ``cases.Case`` of kind grievance with
its ``petitions.Petition`` — 30 % registered (awaiting acceptance), 60 % being handled, 10 % with an
extension awaiting approval; one in fifty with its clock paused; the cases' ``due_at`` spread over 90
days around the bench's day (about N/90 due that day). Then ANALYZE. A database already holding N
grievances is reused (``LAUREL_BENCH_PETITIONS_REFILL=1`` refills it).

Timed, median of ``LAUREL_BENCH_PETITIONS_REPEAT`` (default 5) after one warm-up:

- ``petitions_notices_due``: ``petitions.queries.notices_due(day)``, every row fetched — the product's
  daily scan (the open grievances whose current limit ends that day, paused clocks left out);
- floor: the bare SQL that finds the same rows (the same join, filters and order, ``fetchall``).

The rows of both are compared (a difference is a product error: exit status 1). Each size prints the
load average and the row counts it ran on. Goal: ratio ≤ 2×.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SIZES = [int(s) for s in os.environ.get("LAUREL_BENCH_PETITIONS_SIZES", "1000000").split(",") if s.strip()]
REPEAT = int(os.environ.get("LAUREL_BENCH_PETITIONS_REPEAT", "5"))
DATABASE_URL = os.environ.get(
    "LAUREL_BENCH_PETITIONS_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/laurel_bench_petitions"
)
# The bench's "today" (the scan's day): fixed, so that a reused database finds the same rows.
DAY = dt.date(2026, 6, 15)
SPREAD_DAYS = 90

BARE_SQL = """
SELECT p.case_id, c.number, c.division_id, p.stage, c.due_at
FROM petitions_petition p JOIN cases_case c ON c.id = p.case_id
WHERE p.stage IN ('registered', 'handling', 'extension_requested') AND p.paused_since IS NULL
  AND c.due_at >= %s AND c.due_at < %s
ORDER BY p.case_id
"""


def _setup_django() -> None:
    os.environ["DATABASE_URL"] = DATABASE_URL
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    sys.path.insert(0, str(ROOT))
    _create_database()
    import django

    django.setup()


def _create_database() -> None:
    import psycopg
    from psycopg import sql

    name = DATABASE_URL.rsplit("/", 1)[1]
    with psycopg.connect(DATABASE_URL.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def _prepare_schema() -> Any:
    import secrets

    from django.core.management import call_command

    from accounts.actions import do_create_staff_user
    from accounts.models import User
    from jurisdictions.models import Division

    call_command("migrate", verbosity=0)
    if not Division.objects.exists():
        call_command("load_divisions", verbosity=0)
    user = User.objects.filter(username="bench_petitions").first()
    if user is None:
        user = do_create_staff_user("bench_petitions", password=secrets.token_urlsafe(16), actor=None)
    return user


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _default_sql(field: Any) -> str:
    """SQL for a column the generator does not set: the model's default, else an empty value."""
    if field.null:
        return "NULL"
    if field.has_default():
        value = field.get_default()
        if isinstance(value, bool):
            return "TRUE" if value else "FALSE"
        if isinstance(value, (int, float, decimal.Decimal)):
            return str(value)
        if isinstance(value, (dict, list)):
            return _quote(json.dumps(value)) + "::jsonb"
        if isinstance(value, str):
            return _quote(value)
    kind = field.get_internal_type()
    if kind in ("CharField", "TextField", "SlugField", "FileField", "ImageField"):
        return "''"
    if kind == "JSONField":
        return "'[]'::jsonb"
    if kind == "DateTimeField":
        return "now()"
    if kind in ("PositiveSmallIntegerField", "PositiveIntegerField", "IntegerField", "SmallIntegerField"):
        return "0"
    if kind == "BooleanField":
        return "FALSE"
    raise ValueError(f"bench: no value for {field.model.__name__}.{field.name} ({kind})")


def _insert_select(cur: Any, model: Any, exprs: dict[str, str], source: str) -> None:
    """``INSERT INTO <model's table> SELECT ... <source>``: ``exprs`` per column, defaults elsewhere."""
    columns, values = [], []
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue
        columns.append(field.column)
        values.append(exprs.pop(field.column) if field.column in exprs else _default_sql(field))
    if exprs:
        raise KeyError(f"bench: {model.__name__} has no columns {sorted(exprs)}")
    cur.execute(f"INSERT INTO {model._meta.db_table} ({', '.join(columns)}) SELECT {', '.join(values)} {source}")


def _fill(n: int, filer_id: int) -> float:
    """Replace every case and petition with ``n`` open grievances; seconds taken."""
    from django.conf import settings
    from django.db import connection

    from cases.models import Case
    from petitions.models import Petition
    from subjects.models import Subject

    started = time.perf_counter()
    tables = ("cases_case", "petitions_petition")
    with connection.cursor() as cur:
        cur.execute("SET maintenance_work_mem = '512MB'")
        cur.execute("TRUNCATE subjects_subject, cases_case, petitions_petition RESTART IDENTITY CASCADE")
        cur.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE contype = 'u' AND conrelid::regclass::text = ANY(%s)",
            [list(tables)],
        )
        uniques = cur.fetchall()
        for table, name, _definition in uniques:
            cur.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        cur.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s) AND indexname NOT IN "
            "(SELECT conname FROM pg_constraint WHERE contype IN ('p', 'u'))",
            [list(tables)],
        )
        indexes = cur.fetchall()
        for name, _definition in indexes:
            cur.execute(f'DROP INDEX "{name}"')
        cur.execute("SET session_replication_role = replica")
        cur.execute("DROP TABLE IF EXISTS bench_counties")
        cur.execute(
            "CREATE TEMP TABLE bench_counties AS SELECT code, (row_number() OVER (ORDER BY code)) - 1 AS i "
            "FROM jurisdictions_division WHERE level = 3"
        )
        cur.execute("SELECT count(*) FROM bench_counties")
        k = cur.fetchone()[0]
        located = {
            "division_id": "c.code",
            "province_code": "substr(c.code, 1, 2)",
            "city_code": "substr(c.code, 1, 4)",
            "county_code": "c.code",
        }
        # One person for every grievance: the scan never reads the person.
        _insert_select(
            cur,
            Subject,
            {
                **located,
                "name": "'测试'",
                "id_number_encrypted": "'x'",
                "id_number_hmac": "md5('bench') || md5('petitions')",
                "id_number_masked": "'440106********000X'",
                "sex": "'male'",
                "category": "'retired_soldier'",
                "birth_date": "DATE '1950-01-01'",
                "status": "'active'",
                "created_at": "now()",
            },
            "FROM bench_counties c WHERE c.i = 0",
        )
        cur.execute("SELECT id FROM subjects_subject")
        subject_id = cur.fetchone()[0]
        # Stage by g % 10: 0-2 registered, 3-8 handling, 9 extension requested. Due at the end of
        # a local day spread over SPREAD_DAYS around DAY (the scan's day is DAY).
        due = (
            f"(((DATE '{DAY.isoformat()}' + (g % {SPREAD_DAYS} - {SPREAD_DAYS // 3}))::timestamp "
            f"+ interval '23:59:59') AT TIME ZONE {_quote(settings.TIME_ZONE)})"
        )
        _insert_select(
            cur,
            Case,
            {
                **located,
                "number": "'GV-' || g",
                "kind": "'grievance'",
                "subject_id": str(int(subject_id)),
                "title": "'信访事项'",
                "channel": "'walk_in'",
                "filed_by_id": str(int(filer_id)),
                "status": "CASE WHEN g % 10 < 3 THEN 'submitted' ELSE 'verifying' END",
                "stage_started_at": "now()",
                "due_at": due,
                "created_at": "now()",
            },
            f"FROM generate_series(1, {n}) g JOIN bench_counties c ON c.i = g % {k}",
        )
        received = f"(DATE '{DAY.isoformat()}' - 20 - (g.g % 30))"
        _insert_select(
            cur,
            Petition,
            {
                "case_id": "g.id",
                "channel": "'visit'",
                "received_on": received,
                "registered_on": received,
                "request": "'补发优待证'",
                "facts": "'未收到'",
                "reasons": "'符合条件'",
                "stage": "CASE WHEN g.g % 10 < 3 THEN 'registered' WHEN g.g % 10 < 9 THEN 'handling' "
                "ELSE 'extension_requested' END",
                "lead_division_id": "g.division_id",
                "accepted_on": f"CASE WHEN g.g % 10 >= 3 THEN {received} + 5 END",
                "requested_extension_days": "CASE WHEN g.g % 10 = 9 THEN 30 ELSE 0 END",
                "paused_since": f"CASE WHEN g.g % 50 = 7 THEN DATE '{DAY.isoformat()}' - 3 END",
                "pause_reason": "CASE WHEN g.g % 50 = 7 THEN '鉴定' ELSE '' END",
            },
            "FROM (SELECT id, division_id, substr(number, 4)::int AS g FROM cases_case) g",
        )
        cur.execute("SET session_replication_role = DEFAULT")
        for _name, definition in indexes:
            cur.execute(definition)
        for table, name, definition in uniques:
            cur.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
        cur.execute("ANALYZE cases_case")
        cur.execute("ANALYZE petitions_petition")
    return time.perf_counter() - started


def _counts() -> dict[str, int]:
    from django.db import connection

    counts = {}
    with connection.cursor() as cur:
        for table in ("cases_case", "petitions_petition", "subjects_subject"):
            cur.execute(f"SELECT count(*) FROM {table}")
            counts[table] = cur.fetchone()[0]
    return counts


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} cores"


def _median(call: Any) -> tuple[float, Any]:
    result = call()  # warm-up
    times = []
    for _ in range(REPEAT):
        started = time.perf_counter()
        result = call()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def main() -> int:
    _setup_django()
    from django.db import connection
    from django.utils import timezone

    from petitions.queries import notices_due

    user = _prepare_schema()
    failed = False
    start = dt.datetime.combine(DAY, dt.time.min, tzinfo=timezone.get_current_timezone())
    end = start + dt.timedelta(days=1)

    def product() -> list[tuple[Any, ...]]:
        return list(notices_due(DAY))

    def bare() -> list[tuple[Any, ...]]:
        with connection.cursor() as cur:
            cur.execute(BARE_SQL, [start, end])
            return cur.fetchall()

    for n in SIZES:
        counts = _counts()
        reused = (
            counts["petitions_petition"] == n
            and counts["cases_case"] == n
            and os.environ.get("LAUREL_BENCH_PETITIONS_REFILL") != "1"
        )
        seconds = 0.0 if reused else _fill(n, user.pk)
        print(
            f"# {n} open grievances {'reused' if reused else f'loaded in {seconds:.0f} s'}; "
            f"rows: {' '.join(f'{t}={c}' for t, c in _counts().items())}",
            flush=True,
        )
        print(f"# {_load()}", flush=True)
        floor, expected = _median(bare)
        value, found = _median(product)
        if [tuple(r) for r in found] != [tuple(r) for r in expected] or not found:
            print(
                f"ERROR petitions_notices_due_{n}: {len(found)} rows, the bare SQL finds {len(expected)}",
                file=sys.stderr,
                flush=True,
            )
            failed = True
        print(f"# {len(found)} notices due on {DAY.isoformat()}", flush=True)
        print(
            f"BENCH name=petitions_notices_due_{n} value={value * 1000:.1f} unit=ms "
            f"floor={floor * 1000:.1f} ratio={value / floor:.2f}",
            flush=True,
        )
        print(f"# {_load()}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
