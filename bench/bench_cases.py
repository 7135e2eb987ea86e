"""Benchmark: workflow steps and the case list, each next to its bare floor on the same machine.

    .venv/bin/python bench/bench_cases.py       # LAUREL_BENCH_CASES_SIZES=100000 for a quick run

Set-up (not timed): a PostgreSQL database (``LAUREL_BENCH_CASES_DATABASE_URL``, default
``postgresql://postgres@127.0.0.1:5432/laurel_bench_cases``, created if missing, migrated, the
real division tree loaded), demo-like users in 天河区 (440106), a few hundred subjects.

Timed:
- ``case_workflow_step``: claim + complete of a department verification task through the
  actions (case lock, viewflow activation and join, FSM transition, audit events), per second;
  floor: a bare django-fsm-2 transition + ``save()`` of a case in a transaction, per second.
- ``case_list_<N>``: server time of the caseworker's case list page (``/cases/``, first page of 50,
  county scope) with N cases in the table, milliseconds (median of 20); floor: the bare SQL page
  query (same filter, order and limit) on the same table.
"""

from __future__ import annotations

import os
import secrets
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SIZES = [int(s) for s in os.environ.get("LAUREL_BENCH_CASES_SIZES", "100000,1000000").split(",") if s.strip()]
STEPS = int(os.environ.get("LAUREL_BENCH_CASES_STEPS", "200"))
DATABASE_URL = os.environ.get(
    "LAUREL_BENCH_CASES_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/laurel_bench_cases"
)
COUNTY = "440106"


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def bench(name: str, value: float, unit: str, floor: float) -> None:
    ratio = value / floor if floor else 0.0
    print(f"BENCH name={name} value={value:.3f} unit={unit} floor={floor:.3f} ratio={ratio:.2f}", flush=True)


def setup_django() -> None:
    os.environ["DATABASE_URL"] = DATABASE_URL
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ["ALLOWED_HOSTS"] = "testserver,127.0.0.1,localhost"
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
    if not Division.objects.filter(code=COUNTY).exists():
        call_command("load_divisions", verbosity=0)


def users() -> dict:
    from accounts.actions import do_create_staff_user
    from accounts.models import User
    from jurisdictions.actions import do_grant_membership
    from jurisdictions.models import Department, Division

    county = Division.objects.get(code=COUNTY)
    wanted = {
        "bench_caseworker": ("caseworker", ""),
        "bench_approver": ("approver", ""),
        **{f"bench_{d}": ("liaison", d) for d in Department.values},
    }
    result = {}
    for username, (role, department) in wanted.items():
        user = User.objects.filter(username=username).first() or do_create_staff_user(
            username, password=secrets.token_urlsafe(16), actor=None
        )
        do_grant_membership(user, division=county, role=role, department=department, actor=None)
        result[username] = user
    return result


def subjects(n: int = 300) -> list[int]:
    from django.core.management import call_command

    from subjects.models import Subject

    if Subject.objects.filter(county_code=COUNTY).count() < n:
        call_command("generate_subjects", count=n, division=COUNTY, seed=7, verbosity=0)
    return list(Subject.objects.filter(county_code=COUNTY).values_list("id", flat=True)[:n])


def bench_workflow_step(people: dict, subject_ids: list[int]) -> None:
    from django.db import transaction
    from viewflow.workflow.models import Task

    from cases import actions
    from cases.models import Case
    from jurisdictions.models import Department
    from subjects.models import Subject

    departments = list(Department.values)
    caseworker = people["bench_caseworker"]
    log(f"workflow: preparing {STEPS // len(departments) + 1} cases with {len(departments)} verifications each")
    cases = []
    for i in range(STEPS // len(departments) + 1):
        case = actions.do_file_case(
            Subject.objects.get(pk=subject_ids[i % len(subject_ids)]),
            kind="grievance",
            title="bench",
            actor=caseworker,
            departments=departments,
            duplicate_action="continue",
        )
        intake = Task.objects.get(process_id=case.process_id, flow_task="workflows/flows.CaseFlow.intake")
        cases.append(actions.do_review_intake(intake, actor=caseworker))
    tasks = [
        (task, people[f"bench_{task.flow_task.name.removeprefix('verify_')}"])
        for task in Task.objects.filter(process_id__in=[c.process_id for c in cases], status="NEW").order_by("id")
        if task.flow_task.name.startswith("verify_")
    ][:STEPS]
    started = time.perf_counter()
    for task, liaison in tasks:
        actions.do_claim_task(task, actor=liaison)
        actions.do_record_verification(task, actor=liaison, result="confirmed")
    steps_per_s = len(tasks) / (time.perf_counter() - started)

    # Floor: the same number of bare transitions + saves on fresh submitted cases.
    fresh = [
        actions.do_file_case(
            Subject.objects.get(pk=subject_ids[i % len(subject_ids)]),
            kind="grievance",
            title="bench floor",
            actor=caseworker,
            duplicate_action="continue",
        ).pk
        for i in range(len(tasks))
    ]
    started = time.perf_counter()
    for pk in fresh:
        with transaction.atomic():
            case = Case.objects.get(pk=pk)
            case.start_verification()
            case.save()
    floor = len(fresh) / (time.perf_counter() - started)
    bench("case_workflow_step", steps_per_s, "steps/s", floor)


def fill_cases(n: int, subject_ids: list[int], filed_by: int) -> None:
    """Top the table up to ``n`` cases with one set-based INSERT (townships of the county, spread over a year)."""
    from django.db import connection

    from jurisdictions.models import Division

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM cases_case")
        have = cursor.fetchone()[0]
        if have >= n:
            return
        townships = list(Division.objects.filter(parent_id=COUNTY).values_list("code", flat=True)) or [COUNTY]
        log(f"case list: inserting {n - have} cases")
        cursor.execute(
            """
            INSERT INTO cases_case (
                number, kind, subject_id, title, description, channel, departments, filed_by_id,
                agent_name, agent_relation, agent_contact, benefit_type, benefit_change, corrections, evidence,
                status, outcome, outcome_reasons, legal_basis, verification_round, created_at, updated_at,
                division_id, province_code, city_code, county_code, due_at
            )
            SELECT
                'B' || %(county)s || '-' || lpad(g::text, 9, '0'),
                (ARRAY['grievance','benefit_claim','data_correction'])[1 + g %% 3],
                (%(subjects)s::bigint[])[1 + g %% %(nsubjects)s],
                '基准测试案件 ' || g, '', 'walk_in', '[]'::jsonb, %(filed_by)s,
                '', '', '', '', '', '{}'::jsonb, '',
                (ARRAY['submitted','verifying','pending_approval','closed','closed','closed'])[1 + g %% 6],
                '', '', '', 0,
                now() - (g || ' seconds')::interval * 30, now(),
                t.code, '44', '4401', %(county)s, now() + interval '5 days'
            FROM generate_series(%(start)s, %(stop)s) AS g
            JOIN LATERAL (
                SELECT (%(townships)s::text[])[1 + g %% %(ntownships)s] AS code
            ) t ON true
            """,
            {
                "county": COUNTY,
                "subjects": subject_ids,
                "nsubjects": len(subject_ids),
                "filed_by": filed_by,
                "start": have + 1,
                "stop": n,
                "townships": townships,
                "ntownships": len(townships),
            },
        )
        cursor.execute("ANALYZE cases_case")


def bench_case_list(people: dict, subject_ids: list[int]) -> None:
    from django.db import connection
    from django.test import Client

    caseworker = people["bench_caseworker"]
    client = Client()
    client.force_login(caseworker)
    for n in SIZES:
        fill_cases(n, subject_ids, caseworker.pk)
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM cases_case")
            rows = cursor.fetchone()[0]  # a reused database may hold more than n already
        client.get("/cases/")  # warm
        samples = []
        for _ in range(20):
            started = time.perf_counter()
            response = client.get("/cases/")
            samples.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200
        page_ms = statistics.median(samples)
        floor_samples = []
        with connection.cursor() as cursor:
            for _ in range(20):
                started = time.perf_counter()
                cursor.execute(
                    "SELECT c.*, s.name FROM cases_case c JOIN subjects_subject s ON s.id = c.subject_id "
                    "WHERE c.county_code = %s ORDER BY c.created_at DESC, c.id DESC LIMIT 51",
                    [COUNTY],
                )
                cursor.fetchall()
                floor_samples.append((time.perf_counter() - started) * 1000)
        bench(f"case_list_{rows}", page_ms, "ms", statistics.median(floor_samples))
        bench_case_list_depth(client, rows)


def bench_case_list_depth(client: Any, rows: int) -> None:
    """The page at 90 % depth of the county's list (the row-value keyset predicate, an index
    condition), against the same page's bare SQL."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT created_at, id FROM cases_case WHERE county_code = %s ORDER BY created_at DESC, id DESC "
            "OFFSET %s LIMIT 1",
            [COUNTY, int(rows * 0.9)],
        )
        found = cursor.fetchone()
    if found is None:
        return
    stamp, pk = found
    cursor_text = f"{stamp.isoformat()}|{pk}"
    client.get("/cases/", {"after": cursor_text})  # warm
    samples = []
    for _ in range(20):
        started = time.perf_counter()
        response = client.get("/cases/", {"after": cursor_text})
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    floor_samples = []
    with connection.cursor() as cursor:
        for _ in range(20):
            started = time.perf_counter()
            cursor.execute(
                "SELECT c.*, s.name FROM cases_case c JOIN subjects_subject s ON s.id = c.subject_id "
                "WHERE c.county_code = %s AND (c.created_at, c.id) < (%s, %s) "
                "ORDER BY c.created_at DESC, c.id DESC LIMIT 51",
                [COUNTY, stamp, pk],
            )
            cursor.fetchall()
            floor_samples.append((time.perf_counter() - started) * 1000)
    bench(f"case_list_depth90_{rows}", statistics.median(samples), "ms", statistics.median(floor_samples))


def main() -> int:
    setup_django()
    people = users()
    subject_ids = subjects()
    bench_workflow_step(people, subject_ids)
    bench_case_list(people, subject_ids)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
