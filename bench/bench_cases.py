"""Benchmark: workflow steps and the case list, each next to its bare floor on the same machine.

    .venv/bin/python bench/bench_cases.py       # LAUREL_BENCH_CASES_SIZES=100000 for a quick run

Set-up (not timed): a PostgreSQL database (``LAUREL_BENCH_CASES_DATABASE_URL``, default
``postgresql://postgres@127.0.0.1:5432/laurel_bench_cases``, created if missing, migrated, the
real division tree loaded), demo-like users in 天河区 (440106), a few hundred subjects.

Timed:
- ``case_workflow_step``: claim + complete of a department verification task through the API
  (``POST /api/v1/tasks/{id}/claim/`` and ``/complete/``, token-authenticated), steps per second;
  floor: two bare transactions per step (a conditional task UPDATE; a case lock, django-fsm-2
  transition and ``save()``: 7 statements). The ratio is floor / value; ``statements`` is the most SQL
  statements one step sent (the last verification of a case, which concludes the join),
  ``statements_middle`` those of a verification that does not (claim and complete, BEGIN/COMMIT counted).
- ``case_list_html_<N>`` / ``case_list_api_<N>``: the caseworker's case list (``/cases/``,
  ``/api/v1/cases/``; first page of 50, county scope) with N cases in the table, milliseconds
  (median of 30 interleaved rounds, caches warm); floor: a minimal authenticated Django view running the bare page
  SQL (the "Django floor"); ``bare_ratio`` against the bare SQL alone; ``statements`` per request.
- ``case_list_html_depth90_<N>`` / ``case_list_api_depth90_<N>``: the same at the page 90 % down the
  county's list (the cursor of that row), against the floor view running the same deep page's SQL;
  ``case_list_depth90_vs_first_<N>``: the deep page's bare SQL against the first page's (goal ≤ 1.5×),
  ``html_ratio`` the same for the HTML page.

Every line carries the load average and the row counts (``rows``: the table, ``county_rows``: the
list's); a product request that fails (not 200, a wrong page, a failed step) ends the run with a
non-zero exit.

``LAUREL_BENCH_CASES_ONLY=workflow`` or ``list`` runs one half.
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


def _statements(fn: Any) -> tuple[Any, int]:
    """Run ``fn`` and count the SQL statements it sent (savepoints and commits included)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        result = fn()
    return result, len(ctx.captured_queries)


def bench_workflow_step(people: dict, subject_ids: list[int]) -> None:
    """Claim + complete of a department verification through the API, against 2 bare transactions."""
    from django.db import transaction
    from rest_framework.test import APIClient
    from viewflow.workflow.models import Task

    from accounts.actions import do_issue_api_token
    from cases import actions
    from cases.models import Case
    from jurisdictions.models import Department
    from subjects.models import Subject

    departments = list(Department.values)
    caseworker = people["bench_caseworker"]
    log(f"workflow: preparing {STEPS // len(departments) + 1} cases with {len(departments)} verifications each")
    cases = []
    for i in range(STEPS // len(departments) + 2):
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
    clients = {}
    for d in departments:
        client = APIClient()
        _, secret = do_issue_api_token(people[f"bench_{d}"], two_factor=True)
        client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
        clients[f"verify_{d}"] = client
    tasks = [
        (task.pk, clients[task.flow_task.name])
        for task in Task.objects.filter(process_id__in=[c.process_id for c in cases], status="NEW").order_by("id")
        if task.flow_task.name.startswith("verify_")
    ]
    probe, tasks = tasks[: len(departments)], tasks[len(departments) : len(departments) + STEPS]

    def step(pk: int, client: Any) -> tuple[int, int]:
        claimed = client.post(f"/api/v1/tasks/{pk}/claim/")
        completed = client.post(f"/api/v1/tasks/{pk}/complete/", {"result": "confirmed"}, format="json")
        if claimed.status_code != 200 or completed.status_code != 200:
            failed = f"{claimed.status_code} {completed.status_code} {completed.content!r}"
            raise SystemExit(f"workflow step failed: {failed}")
        return claimed.status_code, completed.status_code

    # Statements of one step: a first verification, and the last one of a case (the join concludes).
    # Each client's first request writes its token's last use and caches its user's memberships and
    # declared relatives (once a minute, once a while): warmed first, as in the timed steps.
    for client in clients.values():
        if client.get("/api/v1/tasks/").status_code != 200:
            raise SystemExit("workflow: the task list failed")
    counts = [_statements(lambda pk=pk, c=c: step(pk, c))[1] for pk, c in probe]
    log(f"workflow: statements per step {counts} (first verification {counts[0]}, last {counts[-1]})")
    # Floor: per step, two bare transactions: claim (a conditional UPDATE of the task row) and complete
    # (lock the case, a django-fsm-2 transition, save), on fresh submitted cases. Timed in turns with
    # the steps, so that a shared machine's changing load weighs on both alike.
    fresh = [
        actions.do_file_case(
            Subject.objects.get(pk=subject_ids[i % len(subject_ids)]),
            kind="grievance",
            title="bench floor",
            actor=caseworker,
            duplicate_action="continue",
        )
        for i in range(len(tasks))
    ]
    intakes = dict(
        Task.objects.filter(
            process_id__in=[c.process_id for c in fresh], flow_task="workflows/flows.CaseFlow.intake"
        ).values_list("process_id", "pk")
    )
    pairs = [(c.pk, intakes[c.process_id]) for c in fresh]
    floor_user = people["bench_caseworker"].pk

    def floor_step(case_pk: int, task_pk: int) -> None:
        with transaction.atomic():
            Task.objects.filter(pk=task_pk, owner__isnull=True).update(owner_id=floor_user, status="ASSIGNED")
        with transaction.atomic():
            case = Case.objects.select_for_update().get(pk=case_pk)
            case.start_verification()
            case.save()

    product_s = floor_s = product_cpu = floor_cpu = 0.0
    for (pk, client), (case_pk, task_pk) in zip(tasks, pairs, strict=True):
        started, cpu = time.perf_counter(), time.process_time()
        step(pk, client)
        product_s += time.perf_counter() - started
        product_cpu += time.process_time() - cpu
        started, cpu = time.perf_counter(), time.process_time()
        floor_step(case_pk, task_pk)
        floor_s += time.perf_counter() - started
        floor_cpu += time.process_time() - cpu
    steps_per_s = len(tasks) / product_s
    floor = len(pairs) / floor_s
    # Steps per second: the floor is the faster one, so the ratio reported is floor / value.
    print(
        f"BENCH name=case_workflow_step value={steps_per_s:.3f} unit=steps/s floor={floor:.3f} "
        f"ratio={floor / steps_per_s:.2f} statements={max(counts)} statements_middle={counts[1]} "
        f"statements_floor=7 cpu_ratio={product_cpu / floor_cpu:.2f} steps={len(tasks)} load={_load()}",
        flush=True,
    )


def _load() -> str:
    return "/".join(f"{x:.2f}" for x in os.getloadavg())


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
                division_id, province_code, city_code, county_code, due_at, findings, retroactive_reason,
                benefit_reason, recovery_plan, recovery_reason
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
                t.code, '44', '4401', %(county)s, now() + interval '5 days', '', '',
                '', '', ''
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


PAGE_SQL = (
    "SELECT c.*, s.name FROM cases_case c JOIN subjects_subject s ON s.id = c.subject_id "
    "WHERE c.county_code = %s ORDER BY c.created_at DESC, c.id DESC LIMIT 51"
)
# The same page further down the list: the row-value keyset predicate (an index condition).
DEPTH_SQL = (
    "SELECT c.*, s.name FROM cases_case c JOIN subjects_subject s ON s.id = c.subject_id "
    "WHERE c.county_code = %s AND (c.created_at, c.id) < (%s, %s) "
    "ORDER BY c.created_at DESC, c.id DESC LIMIT 51"
)


def _page_rows(cursor_text: str = "") -> list[Any]:
    """The bare page SQL: the first page, or the page after ``cursor_text`` (``created_at|id``)."""
    import datetime as dt

    from django.db import connection

    with connection.cursor() as cursor:
        if cursor_text:
            stamp, pk = cursor_text.rsplit("|", 1)
            cursor.execute(DEPTH_SQL, [COUNTY, dt.datetime.fromisoformat(stamp), int(pk)])
        else:
            cursor.execute(PAGE_SQL, [COUNTY])
        return cursor.fetchall()


def _floor_urls() -> Any:
    """The root URLs plus ``/bench-floor/``: a minimal authenticated Django view running the page SQL
    (``?after=created_at|id``: the page after that row, as the product's cursor)."""
    import types

    from django.contrib.auth.decorators import login_required
    from django.http import HttpResponse
    from django.urls import path
    from django.utils.html import escape

    import config.urls

    @login_required
    def floor_view(request: Any) -> HttpResponse:
        rows = _page_rows(request.GET.get("after", ""))
        body = "".join(f"<tr><td>{escape(r[0])}</td><td>{escape(r[-1])}</td></tr>" for r in rows)
        return HttpResponse(f"<table>{body}</table>")

    module = types.ModuleType("bench_floor_urls")
    module.urlpatterns = [path("bench-floor/", floor_view), *config.urls.urlpatterns]  # type: ignore[attr-defined]
    return module


def _medians_ms(fns: dict[str, Any], n: int = 30) -> dict[str, float]:
    """Median milliseconds of each function, measured in interleaved rounds (a shared machine's load
    changes under a run: interleaving keeps the ratios between them fair)."""
    samples: dict[str, list[float]] = {name: [] for name in fns}
    for fn in fns.values():
        fn()  # warm
    for _ in range(n):
        for name, fn in fns.items():
            started = time.perf_counter()
            fn()
            samples[name].append((time.perf_counter() - started) * 1000)
    return {name: statistics.median(values) for name, values in samples.items()}


def _depth_cursor(rows: int) -> str:
    """The cursor (``created_at|id``) of the row at 90 % depth of the county's list."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT created_at, id FROM cases_case WHERE county_code = %s ORDER BY created_at DESC, id DESC "
            "OFFSET %s LIMIT 1",
            [COUNTY, int(rows * 0.9)],
        )
        found = cursor.fetchone()
    if found is None:
        raise SystemExit(f"case list: no row at 90 % depth of {rows} cases")
    return f"{found[0].isoformat()}|{found[1]}"


def bench_case_list(people: dict, subject_ids: list[int]) -> None:
    """First page and the page at 90 % depth, HTML and API, each against the Django floor (a minimal
    authenticated view running the same page SQL) and the bare SQL; fails (non-zero exit) when a
    product page does not answer 200 or answers another page than the floor's."""
    from urllib.parse import urlencode

    from django.db import connection
    from django.test import Client, override_settings

    caseworker = people["bench_caseworker"]
    client = Client()
    client.force_login(caseworker)

    def get(url: str) -> Any:
        response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code}")
        return response

    for n in SIZES:
        fill_cases(n, subject_ids, caseworker.pk)
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM cases_case")
            rows = cursor.fetchone()[0]  # a reused database may hold more than n already
            cursor.execute("SELECT count(*) FROM cases_case WHERE county_code = %s", [COUNTY])
            county_rows = cursor.fetchone()[0]
        pages = {"first": "", "depth90": _depth_cursor(county_rows)}
        with override_settings(ROOT_URLCONF=_floor_urls()):
            for page, after in pages.items():
                query = "?" + urlencode({"after": after}) if after else ""
                expected = _page_rows(after)[0][0]  # the page's first case, as the bare SQL finds it
                api = get(f"/api/v1/cases/{query}").json()
                if not api["results"] or api["results"][0]["id"] != expected:
                    raise SystemExit(f"case list {page}: the API's page does not start at case {expected}")
                ms = _medians_ms(
                    {
                        "html": lambda q=query: get(f"/cases/{q}"),
                        "api": lambda q=query: get(f"/api/v1/cases/{q}"),
                        "django": lambda q=query: get(f"/bench-floor/{q}"),
                        "bare": lambda a=after: _page_rows(a),
                    }
                )
                counts = {
                    name: _statements(lambda u=url: get(u))[1]
                    for name, url in (
                        ("html", f"/cases/{query}"),
                        ("api", f"/api/v1/cases/{query}"),
                        ("django", f"/bench-floor/{query}"),
                    )
                }
                extra = (
                    f"rows={rows} county_rows={county_rows} load={_load()} "
                    f"floor_statements={counts['django']} bare_sql_ms={ms['bare']:.3f}"
                )
                suffix = "" if page == "first" else "_depth90"
                for name in ("html", "api"):
                    print(
                        f"BENCH name=case_list_{name}{suffix}_{rows} value={ms[name]:.3f} unit=ms "
                        f"floor={ms['django']:.3f} ratio={ms[name] / ms['django']:.2f} statements={counts[name]} "
                        f"bare_ratio={ms[name] / ms['bare']:.1f} {extra}",
                        flush=True,
                    )
                if page == "first":
                    first_bare = ms["bare"]
                    first_html = ms["html"]
                else:
                    # Deep pages stay flat: the 90 % page against the first, bare SQL and HTML.
                    print(
                        f"BENCH name=case_list_depth90_vs_first_{rows} value={ms['bare']:.3f} unit=ms "
                        f"floor={first_bare:.3f} ratio={ms['bare'] / first_bare:.2f} "
                        f"html_ratio={ms['html'] / first_html:.2f} {extra}",
                        flush=True,
                    )


def main() -> int:
    setup_django()
    people = users()
    subject_ids = subjects()
    only = os.environ.get("LAUREL_BENCH_CASES_ONLY", "")
    if only in ("", "workflow"):
        bench_workflow_step(people, subject_ids)
    if only in ("", "list"):
        bench_case_list(people, subject_ids)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
