"""Benchmark: concurrent workflow steps in one province against the same load spread over many.

    .venv/bin/python bench/bench_concurrency.py     # LAUREL_BENCH_CONCURRENCY_STEPS=4 for a quick run

What it shows: whether writers in one province queue on something they share (the province's audit
chain head, a county's summary rows, ...). Every audited action appends its events to its province's
hash chain, locking that chain's head row; the head is taken last, just before the commit
(``audit.log.deferred``), so the wait is the length of a commit, not of an action.

Set-up (not timed): a PostgreSQL database (``LAUREL_BENCH_CONCURRENCY_DATABASE_URL``, default
``postgresql://postgres@127.0.0.1:5432/laurel_bench_concurrency``, created if missing, migrated, the
real division tree loaded, reused between runs), a caseworker and a few subjects per county, one
department liaison per client (over ``LAUREL_BENCH_CONCURRENCY_DEPARTMENTS`` departments, default 4),
cases filed and accepted at intake until each client has the verification tasks it needs.

Served by gunicorn (``deploy/gunicorn.conf.py``) with production settings: DEBUG off, a real secret
key, ``ALLOWED_HOSTS``, the shared Redis cache (``LAUREL_BENCH_CONCURRENCY_CACHE_URL``, default
``redis://127.0.0.1:6379/15``, flushed at the start: the bench's own database number), behind a TLS
proxy (the clients send ``X-Forwarded-Proto: https`` as the proxy would). ``..._WORKERS`` (default 4)
× ``..._THREADS`` (default 5) serve ``..._CLIENTS`` (default 20) clients, each a thread with an HTTP
keep-alive session (``requests.Session``) and its own API token, completing its own cases'
verification tasks one step after another (``POST /api/v1/tasks/{id}/claim/`` then ``/complete/``):

- ``concurrency_one_province``: all clients in one county of one province (天河区, 440106);
- ``concurrency_spread``: one client in each of as many provinces (a county of each).

Each runs ``..._ROUNDS`` rounds (default 2) of ``..._STEPS`` steps per client (default 16), the two
scenarios in turns (A B B A ...) so that a shared machine's changing load weighs on both alike.
Printed: steps per second of each, the ratio one-province / spread (goal ≥ 0.7), p50/p99 latency of
a step, errors (any answer but 200), deadlocks (PostgreSQL's ``pg_stat_database.deadlocks`` of the
bench database over the run, and deadlocks in the server's log), load average and row counts. The
touched audit chains are verified after the run (from their heads before it). Exit status non-zero
on any error, deadlock or broken chain.
"""

from __future__ import annotations

import math
import os
import secrets
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DATABASE_URL = os.environ.get(
    "LAUREL_BENCH_CONCURRENCY_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/laurel_bench_concurrency"
)
CACHE_URL = os.environ.get("LAUREL_BENCH_CONCURRENCY_CACHE_URL", "redis://127.0.0.1:6379/15")
CLIENTS = int(os.environ.get("LAUREL_BENCH_CONCURRENCY_CLIENTS", "20"))
STEPS = int(os.environ.get("LAUREL_BENCH_CONCURRENCY_STEPS", "16"))
ROUNDS = int(os.environ.get("LAUREL_BENCH_CONCURRENCY_ROUNDS", "2"))
DEPARTMENTS = int(os.environ.get("LAUREL_BENCH_CONCURRENCY_DEPARTMENTS", "4"))
WORKERS = int(os.environ.get("LAUREL_BENCH_CONCURRENCY_WORKERS", "4"))
THREADS = int(os.environ.get("LAUREL_BENCH_CONCURRENCY_THREADS", "5"))
PORT = int(os.environ.get("LAUREL_BENCH_CONCURRENCY_PORT", "8077"))
ONE_COUNTY = "440106"
GOAL = 0.7
TITLE = "bench concurrency"
# Fixed keys of the bench database only (its subjects are encrypted under them, run after run).
ID_KEY = "YmVuY2gtY29uY3VycmVuY3ktaWQta2V5LW5vdHJlYWw="
BLIND_INDEX_KEY = "bench-concurrency-blind-index-key-not-a-real-one"


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _load() -> str:
    return "/".join(f"{x:.2f}" for x in os.getloadavg())


def production_env(var_dir: Path) -> dict[str, str]:
    """The environment of a production deployment (README "Production"), for the set-up and the server."""
    return {
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "BEHIND_TLS_PROXY": "1",
        "DATABASE_URL": DATABASE_URL,
        "LAUREL_CACHE_URL": CACHE_URL,
        "LAUREL_ID_ENCRYPTION_KEYS": ID_KEY,
        "LAUREL_ID_BLIND_INDEX_KEY": BLIND_INDEX_KEY,
        "LAUREL_VAR_DIR": str(var_dir),
        "LAUREL_PUBLIC_BASE_URL": f"https://127.0.0.1:{PORT}",
        "LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }


def setup_django(env: dict[str, str]) -> None:
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import psycopg
    from psycopg import sql

    name = DATABASE_URL.rsplit("/", 1)[1]
    with psycopg.connect(DATABASE_URL.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    import django

    django.setup()
    from django.core.cache import cache
    from django.core.management import call_command

    from jurisdictions.models import Division

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)  # as a deployment does (README "Production")
    if not Division.objects.filter(code=ONE_COUNTY).exists():
        call_command("load_divisions", verbosity=0)
    cache.clear()  # the bench's own Redis database: nothing cached from a database of an earlier run


def spread_counties(n: int) -> list[str]:
    """One county in each of ``n`` provinces (not 广东, the one-province scenario's)."""
    from jurisdictions.models import Division, Level

    provinces = Division.objects.filter(level=Level.PROVINCE).exclude(code="44").order_by("code")
    counties = []
    for province in provinces.values_list("code", flat=True):
        county = (
            Division.objects.filter(level=Level.COUNTY, code__startswith=province)
            .order_by("code")
            .values_list("code", flat=True)
            .first()
        )
        if county:
            counties.append(county)
        if len(counties) == n:
            return counties
    raise SystemExit(f"only {len(counties)} provinces with a county: fewer than {n} clients")


@dataclass
class Client:
    username: str
    county: str
    tasks: list[int] = field(default_factory=list)
    token: str = ""


def prepare(clients: list[Client], departments: list[str], need: int) -> None:
    """Users, subjects and cases until every client has ``need`` open verification tasks of its own."""
    from django.core.management import call_command
    from viewflow.workflow.models import Task

    from accounts.actions import do_create_staff_user, do_issue_api_token
    from accounts.models import User
    from cases import actions
    from jurisdictions.actions import do_grant_membership
    from jurisdictions.models import Division
    from subjects.models import Subject

    def user(username: str) -> User:
        found = User.objects.filter(username=username).first()
        return found or do_create_staff_user(username, password=secrets.token_urlsafe(16), actor=None)

    caseworkers: dict[str, User] = {}
    subjects: dict[str, list[Subject]] = {}
    for county in sorted({c.county for c in clients}):
        division = Division.objects.get(code=county)
        caseworkers[county] = user(f"bconc_cw_{county}")
        do_grant_membership(caseworkers[county], division=division, role="caseworker", actor=None)
        if Subject.objects.filter(county_code=county).count() < 5:
            call_command("generate_subjects", count=5, division=county, seed=7, verbosity=0)
        subjects[county] = list(Subject.objects.filter(county_code=county)[:5])
    filed = 0
    for client in clients:
        liaison = user(client.username)
        division = Division.objects.get(code=client.county)
        for department in departments:
            do_grant_membership(liaison, division=division, role="liaison", department=department, actor=None)
        title = f"{TITLE} {client.username}"

        def open_tasks(title: str = title) -> list[int]:
            found = Task.objects.filter(
                process__case__title=title, status="NEW", owner__isnull=True, flow_task__contains=".verify_"
            ).order_by("process_id", "id")
            return list(found.values_list("id", flat=True))

        tasks = open_tasks()
        for i in range(math.ceil(max(0, need - len(tasks)) / len(departments))):
            county_subjects = subjects[client.county]
            case = actions.do_file_case(
                county_subjects[i % len(county_subjects)],
                kind="grievance",
                title=title,
                actor=caseworkers[client.county],
                departments=departments,
                duplicate_action="continue",
            )
            intake = Task.objects.get(process_id=case.process_id, flow_task="workflows/flows.CaseFlow.intake")
            actions.do_review_intake(intake, actor=caseworkers[client.county])
            filed += 1
        client.tasks = open_tasks()[:need]
        if len(client.tasks) < need:
            raise SystemExit(f"{client.username}: {len(client.tasks)} open verification tasks, {need} needed")
        _, client.token = do_issue_api_token(liaison, two_factor=True, name="bench concurrency")
    if filed:
        log(f"set-up: filed and accepted {filed} cases")


@dataclass
class Outcome:
    seconds: float = 0.0
    steps: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    samples: int = 0  # of the bench database's busy server processes, taken every 50 ms
    lock_waits: dict[str, int] = field(default_factory=dict)  # of those, waiting on a lock: by what
    holders: dict[str, int] = field(default_factory=dict)  # sessions holding a moved chain head: doing what


def _session(client: Client) -> Any:
    import requests

    session = requests.Session()
    session.headers.update(
        {
            "Authorization": f"Token {client.token}",
            "X-Forwarded-Proto": "https",  # as the TLS proxy in front of gunicorn sends it
            "Accept": "application/json",
        }
    )
    return session


BASE = f"http://127.0.0.1:{PORT}"


def run_scenario(clients: list[Client], sessions: dict[str, Any], start: int, outcome: Outcome) -> None:
    """Each client completes its tasks ``[start, start + STEPS)`` one step after another, all clients at once."""
    lock = threading.Lock()
    barrier = threading.Barrier(len(clients) + 1)

    def work(client: Client) -> None:
        session = sessions[client.username]
        barrier.wait()
        for pk in client.tasks[start : start + STEPS]:
            started = time.perf_counter()
            try:
                claimed = session.post(f"{BASE}/api/v1/tasks/{pk}/claim/", timeout=60)
                completed = (
                    session.post(f"{BASE}/api/v1/tasks/{pk}/complete/", json={"result": "confirmed"}, timeout=60)
                    if claimed.status_code == 200
                    else claimed
                )
                codes = [claimed.status_code] + ([completed.status_code] if completed is not claimed else [])
                problem = "" if codes == [200, 200] else f"task {pk}: {codes} {completed.text[:200]}"
            except Exception as exc:  # a dropped connection is an error of the run, not of the bench
                codes, problem = [0], f"task {pk}: {exc!r}"
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                outcome.latencies_ms.append(elapsed)
                for code in codes:
                    outcome.statuses[code] = outcome.statuses.get(code, 0) + 1
                if problem:
                    outcome.errors.append(problem)
                else:
                    outcome.steps += 1

    threads = [threading.Thread(target=work, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    stop = threading.Event()
    sampler = threading.Thread(target=sample_waits, args=(stop, outcome))
    sampler.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    outcome.seconds += time.perf_counter() - started
    stop.set()
    sampler.join()


def sample_waits(stop: threading.Event, outcome: Outcome) -> None:
    """What the server's database sessions wait on while the clients work (``pg_stat_activity``):
    a lock every writer of a province needs would show as many sessions waiting on one relation."""
    import psycopg

    with psycopg.connect(DATABASE_URL, autocommit=True) as conn:
        while not stop.wait(0.05):
            rows = conn.execute(
                "SELECT a.wait_event_type, a.wait_event, coalesce(l.relation::regclass::text, l.locktype) "
                "FROM pg_stat_activity a LEFT JOIN pg_locks l ON l.pid = a.pid AND NOT l.granted "
                "WHERE a.datname = current_database() AND a.state = 'active' AND a.pid <> pg_backend_pid()"
            ).fetchall()
            outcome.samples += len(rows)
            for kind, event, what in rows:
                if kind == "Lock":
                    key = f"{event}:{what}"
                    outcome.lock_waits[key] = outcome.lock_waits.get(key, 0) + 1
            # Who holds a chain head meanwhile (moved it, not yet committed), and doing what.
            holders = conn.execute(
                "SELECT a.state, coalesce(a.wait_event_type, 'cpu'), left(a.query, 60) FROM pg_stat_activity a "
                "JOIN pg_locks l ON l.pid = a.pid AND l.granted AND l.mode = 'RowExclusiveLock' "
                "AND l.relation = 'audit_chainhead'::regclass WHERE a.datname = current_database()"
            ).fetchall()
            for state, waiting, query in holders:
                key = f"{state}/{waiting}/{query}"
                outcome.holders[key] = outcome.holders.get(key, 0) + 1


def deadlocks() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()")
        row = cursor.fetchone()
    return int(row[0]) if row else 0


def start_server(env: dict[str, str], log_path: Path) -> subprocess.Popen[bytes]:
    server_env = {
        **os.environ,
        **env,
        "LAUREL_BIND": f"127.0.0.1:{PORT}",
        "WEB_CONCURRENCY": str(WORKERS),
        "GUNICORN_THREADS": str(THREADS),
    }
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    # Connections kept alive across the pauses between rounds (a TLS proxy in front keeps its own alive too).
    command = [gunicorn, "config.wsgi", "--config", "deploy/gunicorn.conf.py", "--access-logfile", "/dev/null"]
    command += ["--keep-alive", "120"]
    with log_path.open("wb") as out:
        server = subprocess.Popen(command, cwd=ROOT, env=server_env, stdout=out, stderr=subprocess.STDOUT)
    import requests

    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited ({server.returncode}):\n{log_path.read_text()[-3000:]}")
        try:
            if requests.get(f"{BASE}/healthz", headers={"X-Forwarded-Proto": "https"}, timeout=10).status_code == 200:
                return server
        except requests.RequestException:
            pass
        time.sleep(0.3)
    server.terminate()
    server.wait(30)
    raise SystemExit(f"gunicorn did not answer /healthz within 90 s:\n{log_path.read_text()[-3000:]}")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


def row_counts() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        counts = []
        for name, table in (("cases", "cases_case"), ("tasks", "viewflow_task"), ("audit_events", "audit_auditevent")):
            cursor.execute(f"SELECT count(*) FROM {table}")
            counts.append(f"{name}={cursor.fetchone()[0]}")
    return " ".join(counts)


def main() -> int:
    var_dir = ROOT / "var" / "bench-concurrency"  # static files and audit keys, kept between runs
    var_dir.mkdir(parents=True, exist_ok=True)
    env = production_env(var_dir)
    setup_django(env)
    from audit import chain
    from audit.models import ChainHead
    from jurisdictions.models import Department

    departments = list(Department.values)[:DEPARTMENTS]
    one = [Client(f"bconc_{ONE_COUNTY}_{i}", ONE_COUNTY) for i in range(CLIENTS)]
    spread = [Client(f"bconc_{county}_0", county) for county in spread_counties(CLIENTS)]
    log(f"set-up: {CLIENTS} clients × {STEPS} steps × {ROUNDS} rounds per scenario, {len(departments)} departments")
    prepare(one + spread, departments, STEPS * ROUNDS)
    chains = sorted({ONE_COUNTY[:2], *(c.county[:2] for c in spread)})
    heads = ChainHead.objects.filter(chain__in=chains).values_list("chain", "seq", "hash")
    anchors = {key: (seq, hashed) for key, seq, hashed in heads}
    from django.db import connections

    connections.close_all()

    log_path = var_dir / "gunicorn.log"
    log(f"serving: gunicorn {WORKERS} workers × {THREADS} threads on port {PORT}, log {log_path}")
    server = start_server(env, log_path)
    outcomes = {"one_province": Outcome(), "spread": Outcome()}
    try:
        sessions = {c.username: _session(c) for c in one + spread}
        for c in one + spread:  # warm: connections opened, each worker's caches and imports
            sessions[c.username].get(f"{BASE}/api/v1/tasks/", timeout=60)
        deadlocks_before = deadlocks()
        connections.close_all()
        order = [("one_province", one), ("spread", spread)]
        for r in range(ROUNDS):
            for name, clients in order if r % 2 == 0 else list(reversed(order)):
                run_scenario(clients, sessions, r * STEPS, outcomes[name])
                log(f"round {r + 1} {name}: {outcomes[name].steps} steps so far, load {_load()}")
        deadlocks_seen = deadlocks() - deadlocks_before
    finally:
        server.terminate()
        server.wait(30)
    server_log = log_path.read_text(errors="replace")
    deadlocks_logged = server_log.count("deadlock detected")
    tracebacks = server_log.count("Traceback")

    report = chain.ChainReport()
    for key in chains:
        chain.verify_chain(key, report, anchor=anchors.get(key))
    load, rows = _load(), row_counts()
    a, b = outcomes["one_province"], outcomes["spread"]
    a_rate, b_rate = a.steps / a.seconds, b.steps / b.seconds
    ratio = a_rate / b_rate if b_rate else 0.0
    errors = len(a.errors) + len(b.errors)
    common = (
        f"clients={CLIENTS} workers={WORKERS}x{THREADS} deadlocks={deadlocks_seen} "
        f"deadlocks_logged={deadlocks_logged} load={load} {rows}"
    )
    for name, outcome, rate in (("one_province", a, a_rate), ("spread", b, b_rate)):
        statuses = ",".join(f"{code}:{n}" for code, n in sorted(outcome.statuses.items()))
        p50, p99 = statistics.median(outcome.latencies_ms), percentile(outcome.latencies_ms, 0.99)
        floor, versus = (b_rate, ratio) if name == "one_province" else (b_rate, 1.0)
        waiting = sum(outcome.lock_waits.values())
        print(
            f"BENCH name=concurrency_{name} value={rate:.3f} unit=steps/s floor={floor:.3f} ratio={versus:.2f} "
            f"goal={GOAL} p50_ms={p50:.1f} p99_ms={p99:.1f} steps={outcome.steps} errors={len(outcome.errors)} "
            f"statuses={statuses} lock_waits={waiting}/{outcome.samples} {common}",
            flush=True,
        )
        for what, n in sorted(outcome.lock_waits.items(), key=lambda item: -item[1])[:5]:
            log(f"{name}: sessions waiting on {what}: {n} of {outcome.samples} samples")
        for what, n in sorted(outcome.holders.items(), key=lambda item: -item[1])[:5]:
            log(f"{name}: a session holding a chain head, {what}: {n} samples")
    b_p99 = percentile(b.latencies_ms, 0.99)
    a_p99 = percentile(a.latencies_ms, 0.99)
    print(
        f"BENCH name=concurrency_one_province_p99 value={a_p99:.1f} unit=ms floor={b_p99:.1f} "
        f"ratio={a_p99 / b_p99 if b_p99 else 0.0:.2f} load={load}",
        flush=True,
    )
    failed = False
    for problem in (a.errors + b.errors)[:10]:
        log(f"error: {problem}")
    if errors or deadlocks_seen or deadlocks_logged or tracebacks:
        log(f"FAILED: {errors} errors, {deadlocks_seen} deadlocks, {tracebacks} tracebacks in {log_path}")
        failed = True
    if not report.ok:
        log("FAILED: audit chains broken: " + "; ".join(str(p) for p in report.problems))
        failed = True
    if ratio < GOAL:
        log(f"below goal: one province at {ratio:.2f} of the spread throughput (goal ≥ {GOAL})")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
