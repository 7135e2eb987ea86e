"""Benchmark: a province's dashboard (and the nation's) from the summary tables, against a live GROUP BY.

    .venv/bin/python bench/bench_reports.py      # LAUREL_BENCH_REPORTS_SUBJECTS=100000 for a quick run

Set-up (not timed), per size N in ``LAUREL_BENCH_REPORTS_SUBJECTS`` (default ``1000000,10000000``):
a PostgreSQL database (``LAUREL_BENCH_REPORTS_DATABASE_URL``, default
``postgresql://postgres@127.0.0.1:5432/laurel_bench_reports``, created if missing, migrated,
the real division tree loaded) is refilled set-based with ``INSERT ... SELECT generate_series``:
N subjects, 20 % of them in 广东省 (44) and the rest spread over every other county; one case
per five subjects in mixed stages and ages; one discrepancy per hundred subjects. Then ANALYZE,
and ``rebuild_summaries`` (the fill bypasses the actions that keep the summary tables; its
time is printed).

Timed, median of ``LAUREL_BENCH_REPORTS_REPEAT`` (default 5) after one warm-up, each page through
Django's test client (URL routing, scope, every query, tables, charts, template):

- ``reports_dashboard_province_live``: ``GET /reports/dashboard/?division=44`` as a province
  supervisor counting live (``LAUREL_REPORTS_FROM_SUMMARIES = False``, no cache) — the floor is
  the page's aggregate SQL run bare (the live ``GROUP BY`` over the register);
- ``reports_dashboard_province``: the same page from the summary tables, uncached (every
  request reads them); floor: that same bare live ``GROUP BY``, so ``ratio`` is the page's cost
  as a share of the live count's SQL alone (goal: ≤ 20 ms whatever N);
- ``reports_summary_sql_province``: the summary page's own SQL run bare (floor: the live SQL);
- ``reports_figures_province`` (``_live``): the dashboard's figures without the page
  (``reports.dashboard.build``: every query and fold, no template or charts), from the summaries
  (and live); floor: the live SQL;
- ``reports_summary_api_province``: ``GET /api/v1/reports/summary/?division=44`` (summaries);
- ``reports_dashboard_nation``: a national supervisor (``CN``), from the summaries;
- ``..._cached``: the dashboards with the default 5-minute cache of figures, once warm.

- ``..._summary_state_of_<10N>``: the summary path (figures, page, summary SQL, all the page's
  aggregate SQL) with the summary state of a register ``LAUREL_BENCH_REPORTS_SUMMARY_SCALES``
  (default 10) times larger, made in place and undone (see ``_bench_summary_state``); the
  floor is still the live count's SQL at N, since that register is not built;
- ``reports_figures_province_with_<D>_delta_rows``: the figures with D uncompacted delta rows
  added (``LAUREL_BENCH_REPORTS_DELTA_PAIRS``), then both compaction jobs (timed) and the
  figures again.

A database already holding N subjects and N/5 cases is reused: no refill, and the summaries
are kept (``LAUREL_BENCH_REPORTS_REBUILD=1`` rebuilds them). Each size prints the load average
and the row counts (register and summary tables) it ran on.
"""

from __future__ import annotations

import decimal
import json
import os
import secrets
import statistics
import sys
import time
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SIZES = [int(s) for s in os.environ.get("LAUREL_BENCH_REPORTS_SUBJECTS", "1000000,10000000").split(",") if s.strip()]
REPEAT = int(os.environ.get("LAUREL_BENCH_REPORTS_REPEAT", "5"))
DATABASE_URL = os.environ.get(
    "LAUREL_BENCH_REPORTS_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/laurel_bench_reports"
)
PROVINCE_SHARE = 0.2
# The summary path is also timed with the summary state of a register this many times larger
# (see _bench_summary_state), and with this many uncancelled delta-row pairs added.
SUMMARY_SCALES = [int(s) for s in os.environ.get("LAUREL_BENCH_REPORTS_SUMMARY_SCALES", "10").split(",") if s.strip()]
DELTA_PAIRS = [int(s) for s in os.environ.get("LAUREL_BENCH_REPORTS_DELTA_PAIRS", "0,10000,100000").split(",") if s]


def _setup_django() -> None:
    os.environ["DATABASE_URL"] = DATABASE_URL
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ["ALLOWED_HOSTS"] = "testserver,127.0.0.1,localhost"
    sys.path.insert(0, str(ROOT))
    _create_database()
    import django

    django.setup()


def _create_database() -> None:
    import psycopg
    from psycopg import sql

    name = DATABASE_URL.rsplit("/", 1)[1]
    admin_url = DATABASE_URL.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def _prepare_schema() -> None:
    from django.core.management import call_command

    from jurisdictions.models import Division

    call_command("migrate", verbosity=0)
    if not Division.objects.exists():
        call_command("load_divisions", verbosity=0)


def _users() -> dict[str, Any]:
    from accounts.actions import do_create_staff_user
    from accounts.models import User
    from jurisdictions.actions import do_grant_membership
    from jurisdictions.models import Division

    users = {}
    for username, code in (("bench_province", "44"), ("bench_nation", "CN")):
        user = User.objects.filter(username=username).first()
        if user is None:
            user = do_create_staff_user(username, password=secrets.token_urlsafe(16), actor=None)
            do_grant_membership(user, division=Division.objects.get(code=code), role="supervisor", actor=None)
        users[code] = user
    return users


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
        return "'{}'::jsonb"
    if kind == "DateTimeField":
        return "now()"
    if kind in ("PositiveSmallIntegerField", "PositiveIntegerField", "IntegerField", "SmallIntegerField"):
        return "0"
    if kind == "BooleanField":
        return "FALSE"
    raise ValueError(f"bench: no value for {field.model.__name__}.{field.name} ({kind})")


def _insert_select(cur: Any, model: Any, exprs: dict[str, str], source: str) -> None:
    """``INSERT INTO <model's table> SELECT ... <source>``: ``exprs`` per column, defaults elsewhere.

    Built from the model's current fields, so a column another app adds later gets its default.
    """
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
    """Replace every subject, case and discrepancy with a synthetic set of ``n`` subjects; seconds taken."""
    from django.db import connection

    from cases.models import Case
    from crosscheck.models import Discrepancy, Run
    from subjects.models import Subject

    started = time.perf_counter()
    in_province = int(n * PROVINCE_SHARE)
    categories = (
        "ARRAY['retired_officer','retired_soldier','red_army_veteran','west_route_red_army',"
        "'dispersed_red_army','early_demobilised','retired_cadre_non_military','retired_staff_non_military',"
        "'martyr_survivor','killed_on_duty_survivor','died_of_illness_survivor','active_serviceman_family',"
        "'disabled_militia']"
    )
    subject = {
        "division_id": "c.code",
        "province_code": "substr(c.code, 1, 2)",
        "city_code": "substr(c.code, 1, 4)",
        "county_code": "c.code",
        "name": "'测试' || g",
        "id_number_encrypted": "'x'",
        "id_number_hmac": "md5(g::text) || md5((g + 7)::text)",
        "id_number_masked": "'440106********000X'",
        "sex": "CASE WHEN g % 2 = 0 THEN 'male' ELSE 'female' END",
        "ethnicity": "CASE WHEN g % 3 = 0 THEN '' ELSE '01' END",
        "birth_date": "DATE '1940-01-01' + (g % 20000)",
        "political_affiliation": "CASE WHEN g % 4 = 0 THEN '' ELSE 'masses' END",
        "category": f"({categories})[1 + g % 13]",
        "status": "CASE WHEN g % 20 = 0 THEN 'deceased' WHEN g % 50 = 1 THEN 'transferred' ELSE 'active' END",
        "service_start": "CASE WHEN g % 5 = 0 THEN NULL ELSE DATE '1970-01-01' + (g % 9000) END",
        "hukou_address": "CASE WHEN g % 6 = 0 THEN '' ELSE '地址' END",
        "confirmed_by": "CASE WHEN g % 2 = 0 THEN '本人' ELSE '' END",
        "confirmed_at": "CASE WHEN g % 2 = 0 THEN DATE '2026-01-01' + (g % 300) ELSE NULL END",
        "created_at": "now() - (g % 1000) * interval '1 hour'",
    }
    tables = ("subjects_subject", "cases_case", "crosscheck_discrepancy")
    with connection.cursor() as cur:
        cur.execute("SET maintenance_work_mem = '1GB'")
        cur.execute("TRUNCATE subjects_subject, cases_case, crosscheck_discrepancy RESTART IDENTITY CASCADE")
        # Bulk load without index upkeep or per-row trigger/FK checks (this database is the
        # benchmark's own): drop the secondary indexes and unique constraints, load, then
        # rebuild exactly the same definitions. The generated rows are consistent by construction.
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
        for name, where in (("bench_in", "code LIKE '44%'"), ("bench_out", "code NOT LIKE '44%'")):
            cur.execute(f"DROP TABLE IF EXISTS {name}")
            cur.execute(
                f"CREATE TEMP TABLE {name} AS SELECT code, (row_number() OVER (ORDER BY code)) - 1 AS i "
                f"FROM jurisdictions_division WHERE level = 3 AND {where}"
            )
        cur.execute("SELECT count(*) FROM bench_in")
        k_in = cur.fetchone()[0]
        cur.execute("SELECT count(*) FROM bench_out")
        k_out = cur.fetchone()[0]
        _insert_select(
            cur, Subject, dict(subject), f"FROM generate_series(1, {in_province}) g JOIN bench_in c ON c.i = g % {k_in}"
        )
        _insert_select(
            cur,
            Subject,
            dict(subject),
            f"FROM generate_series({in_province + 1}, {n}) g JOIN bench_out c ON c.i = g % {k_out}",
        )
        statuses = (
            "ARRAY['submitted','verifying','pending_approval','returned','approved','applied','closed','rejected']"
        )
        stage = "(s.id / 5) % 8"
        _insert_select(
            cur,
            Case,
            {
                "division_id": "s.division_id",
                "province_code": "s.province_code",
                "city_code": "s.city_code",
                "county_code": "s.county_code",
                "number": "'B-' || s.id",
                "kind": "'grievance'",
                "subject_id": "s.id",
                "title": "'诉求'",
                "filed_by_id": str(int(filer_id)),
                "status": f"({statuses})[1 + {stage}]",
                "decided_at": f"CASE WHEN {stage} >= 4 THEN now() - ((s.id / 5) % 80) * interval '1 day' END",
                "stage_started_at": "now() - ((s.id / 5) % 40) * interval '1 day'",
                "due_at": f"CASE WHEN {stage} < 3 THEN now() + ((s.id / 5) % 21 - 7) * interval '1 day' END",
                "created_at": "now() - ((s.id / 5) % 120) * interval '1 day'",
            },
            "FROM subjects_subject s WHERE s.id % 5 = 0",
        )
        run_id = Run.objects.create(status="done").pk
        kinds = "ARRAY['deceased_receiving','deceased_on_file','not_in_hukou','mismatch','missing']"
        dstatuses = "ARRAY['open','sent','corrected','confirmed','resolved']"
        _insert_select(
            cur,
            Discrepancy,
            {
                "division_id": "s.division_id",
                "province_code": "s.province_code",
                "city_code": "s.city_code",
                "county_code": "s.county_code",
                "subject_id": "s.id",
                "kind": f"({kinds})[1 + (s.id / 100) % 5]",
                "severity": "'medium'",
                "status": f"({dstatuses})[1 + (s.id / 100) % 5]",
                "first_run_id": str(run_id),
                "last_run_id": str(run_id),
            },
            "FROM subjects_subject s WHERE s.id % 100 = 0",
        )
        cur.execute("SET session_replication_role = DEFAULT")
        for _name, definition in indexes:
            cur.execute(definition)
        for table, name, definition in uniques:
            cur.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
        cur.execute("ANALYZE subjects_subject")
        cur.execute("ANALYZE cases_case")
        cur.execute("ANALYZE crosscheck_discrepancy")
    return time.perf_counter() - started


def _filled(n: int) -> bool:
    """Whether the database already holds this size's synthetic register (a re-run: no refill)."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM subjects_subject")
        subjects = cur.fetchone()[0]
        cur.execute("SELECT count(*) FROM cases_case")
        cases = cur.fetchone()[0]
    return bool(subjects == n and cases == n // 5)


def _time_page(client: Any, url: str) -> tuple[float, list[str]]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)  # warm-up (sessions, grants, plan cache)
    times = []
    captured: list[str] = []
    for _ in range(REPEAT):
        with CaptureQueriesContext(connection) as ctx:
            started = time.perf_counter()
            response = client.get(url)
            times.append(time.perf_counter() - started)
        assert response.status_code == 200, (url, response.status_code)
        captured = [q["sql"] for q in ctx.captured_queries]
    return statistics.median(times), captured


def _time_call(call: Any) -> float:
    call()  # warm-up
    times = []
    for _ in range(REPEAT):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _time_bare(statements: list[str]) -> float:
    from django.db import connection

    times = []
    for _ in range(REPEAT):
        started = time.perf_counter()
        with connection.cursor() as cur:
            for statement in statements:
                cur.execute(statement)
                cur.fetchall() if cur.description else None
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _aggregates(statements: list[str]) -> list[str]:
    """The page's reporting queries (what a bare implementation would also have to run)."""
    # The registers and their summary tables (subjects_subjectcount, cases_casecount match too).
    wanted = ("subjects_subject", "cases_case", "crosscheck_discrepancy", "crosscheck_problemcount")
    return [s for s in statements if s.lstrip().upper().startswith("SELECT") and any(t in s for t in wanted)]


def _line(name: str, value_s: float, floor_s: float, n: int) -> None:
    value, floor = value_s * 1000, floor_s * 1000
    print(
        f"BENCH name={name}_{n} value={value:.1f} unit=ms floor={floor:.1f} ratio={value / floor:.2f}",
        flush=True,
    )


def _counts() -> str:
    from django.db import connection

    tables = (
        "subjects_subject",
        "cases_case",
        "crosscheck_discrepancy",
        "subjects_subjectcount",
        "cases_casecount",
        "crosscheck_problemcount",
    )
    with connection.cursor() as cur:
        parts = []
        for table in tables:
            cur.execute(f"SELECT count(*) FROM {table}")
            parts.append(f"{table}={cur.fetchone()[0]}")
    return " ".join(parts)


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} cores"


def _bench_summary_state(n: int, factor: int, floor: float, client: Any, figures: Any) -> None:
    """The summary path with the summary state of a register ``factor`` times larger.

    The summary tables' size follows the divisions × keys, not the register: at ``n`` the keys
    are already all present, so a register ``factor`` times larger (same spread) has the same
    summary rows with counts ``factor`` times larger. That state is made in place (subject, case
    and problem counts multiplied), timed, and undone. The register itself is not built at that
    size, so the floor printed is the live count's SQL at ``n`` (a scan of the register: at
    ``factor × n`` it costs about ``factor`` times more).
    """
    from django.db import connection

    size = n * factor
    with connection.cursor() as cur:
        for table in ("subjects_subjectcount", "cases_casecount", "crosscheck_problemcount"):
            cur.execute(f"UPDATE {table} SET n = n * %s", [factor])
            cur.execute(f"VACUUM ANALYZE {table}")
    try:
        print(f"# summary state of {size} subjects (counts x{factor}, {n * factor // 100} discrepancies): {_counts()}")
        print("# (the dashboard reads no register table: subjects, cases and problems all come from summaries)")
        print(f"# floor below: the live GROUP BY's SQL at {n} (the register is not built at {size})", flush=True)
        _line("reports_figures_province_summary_state_of", _time_call(figures), floor, size)
        value, statements = _time_page(client, "/reports/dashboard/?division=44")
        _line("reports_dashboard_province_summary_state_of", value, floor, size)
        summary_sql = [
            q for q in _aggregates(statements) if any(t in q for t in ("_subjectcount", "_casecount", "_problemcount"))
        ]
        _line("reports_summary_sql_province_summary_state_of", _time_bare(summary_sql), floor, size)
        _line("reports_all_aggregate_sql_province_summary_state_of", _time_bare(_aggregates(statements)), floor, size)
        print(f"# {_load()}", flush=True)
    finally:
        with connection.cursor() as cur:
            for table in ("subjects_subjectcount", "cases_casecount", "crosscheck_problemcount"):
                cur.execute(f"UPDATE {table} SET n = n / %s", [factor])
                cur.execute(f"VACUUM ANALYZE {table}")


def _bench_delta_rows(n: int, floor: float, figures: Any) -> None:
    """How the summary path grows with uncompacted delta rows, and what compaction costs.

    Writers add delta rows between compactions (every 10 minutes). ``D`` pairs of rows that
    cancel out (+1, -1: the figures do not change) are added to the province's own and its
    cities' rows, the figures timed; then both compaction jobs run (timed) and the figures again.
    """
    from django.db import connection

    from cases.summary import compact as compact_cases
    from subjects.summary import compact as compact_subjects

    for pairs in DELTA_PAIRS:
        with connection.cursor() as cur:
            for sign in (1, -1):
                cur.execute(
                    "INSERT INTO subjects_subjectcount (parent, code, category, status, complete, confirmed, n) "
                    "SELECT parent, code, category, status, complete, confirmed, %s FROM "
                    "(SELECT * FROM subjects_subjectcount WHERE parent = '44') k, generate_series(1, %s) g LIMIT %s",
                    [sign, pairs, pairs],
                )
                cur.execute(
                    "INSERT INTO cases_casecount (parent, code, fact, status, day, n) "
                    "SELECT parent, code, fact, status, day, %s FROM "
                    "(SELECT * FROM cases_casecount WHERE code = '44') k, generate_series(1, %s) g LIMIT %s",
                    [sign, pairs, pairs],
                )
            cur.execute("ANALYZE subjects_subjectcount")
            cur.execute("ANALYZE cases_casecount")
        _line(f"reports_figures_province_with_{2 * pairs}_delta_rows", _time_call(figures), floor, n)
    started = time.perf_counter()
    removed = compact_subjects() + compact_cases()
    seconds = time.perf_counter() - started
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE subjects_subjectcount")
        cur.execute("VACUUM ANALYZE cases_casecount")
    print(f"# compaction (both jobs) removed {removed} rows in {seconds:.1f} s; {_counts()}", flush=True)
    _line("reports_figures_province_compacted", _time_call(figures), floor, n)


def main() -> None:
    _setup_django()
    from django.conf import settings
    from django.core.cache import cache
    from django.test import Client

    from jurisdictions.models import Division
    from reports.actions_summaries import do_rebuild_summaries
    from reports.dashboard import build

    first = "reports_dashboard_province"

    _prepare_schema()
    users = _users()
    for n in SIZES:
        reused = _filled(n)
        seconds = 0.0 if reused else _fill(n, users["44"].pk)
        started = time.perf_counter()
        # A reused database keeps the summaries its first run rebuilt (the bench leaves them
        # equal to the register); LAUREL_BENCH_REPORTS_REBUILD=1 rebuilds them anyway.
        rebuild = not reused or os.environ.get("LAUREL_BENCH_REPORTS_REBUILD") == "1"
        written = do_rebuild_summaries(actor=None) if rebuild else "kept"
        rebuilt = time.perf_counter() - started
        print(
            f"# {n} subjects ({int(n * PROVINCE_SHARE)} in 44), {n // 5} cases, {n // 100} discrepancies "
            f"loaded in {seconds:.0f} s; summaries rebuilt in {rebuilt:.1f} s ({written})",
            flush=True,
        )
        print(f"# rows: {_counts()}", flush=True)
        print(f"# {_load()}", flush=True)

        def client_for(code: str) -> Any:
            client = Client()
            client.force_login(users[code])
            return client

        # The live count (what every request cost before the summary tables): its bare SQL is the floor.
        settings.LAUREL_REPORTS_CACHE_SECONDS = 0
        settings.LAUREL_REPORTS_FROM_SUMMARIES = False
        live_floor = {}
        for name, code, url in (
            ("reports_dashboard_province", "44", "/reports/dashboard/?division=44"),
            ("reports_summary_api_province", "44", "/api/v1/reports/summary/?division=44"),
            ("reports_dashboard_nation", "CN", "/reports/dashboard/?division=CN"),
        ):
            value, statements = _time_page(client_for(code), url)
            live_floor[name] = _time_bare(_aggregates(statements))
            _line(f"{name}_live", value, live_floor[name], n)
        # The figures alone (every query and fold of the dashboard, no template): live, then summaries.
        figures_44 = partial(build, users["44"], Division.objects.get(code="44"))
        _line("reports_figures_province_live", _time_call(figures_44), live_floor[first], n)
        settings.LAUREL_REPORTS_FROM_SUMMARIES = True
        _line("reports_figures_province", _time_call(figures_44), live_floor[first], n)
        # The summary path, uncached: every request reads the summary tables.
        for name, code, url in (
            ("reports_dashboard_province", "44", "/reports/dashboard/?division=44"),
            ("reports_summary_api_province", "44", "/api/v1/reports/summary/?division=44"),
            ("reports_dashboard_nation", "CN", "/reports/dashboard/?division=CN"),
        ):
            value, statements = _time_page(client_for(code), url)
            _line(name, value, live_floor[name], n)
            if name == "reports_dashboard_province":
                _line("reports_summary_sql_province", _time_bare(_aggregates(statements)), live_floor[name], n)
        # The default: figures above the county cached for 5 minutes per scope (a hit).
        settings.LAUREL_REPORTS_CACHE_SECONDS = 300
        cache.clear()
        for name, code, url in (
            ("reports_dashboard_province", "44", "/reports/dashboard/?division=44"),
            ("reports_dashboard_nation", "CN", "/reports/dashboard/?division=CN"),
        ):
            value, _statements = _time_page(client_for(code), url)
            _line(f"{name}_cached", value, live_floor[name], n)
        print(f"# {_load()}", flush=True)
        settings.LAUREL_REPORTS_CACHE_SECONDS = 0
        for factor in SUMMARY_SCALES:
            _bench_summary_state(n, factor, live_floor[first], client_for("44"), figures_44)
        _bench_delta_rows(n, live_floor[first], figures_44)


if __name__ == "__main__":
    main()
