"""Reads on a real streaming replica (``DATABASE_REPLICA_URLS``, core.replicas).

A throw-away primary and hot-standby replica of our own (``.ci/replication``: initdb in a
temporary folder as the postgres user, a replication line in its own pg_hba.conf,
``pg_basebackup -R``; ports 5512/5513 unless ``LAUREL_TEST_PRIMARY_PORT``/``_REPLICA_PORT`` say
otherwise), never the shared server. CI starts the pair once for the PostgreSQL leg and names it
in ``LAUREL_TEST_REPLICATION=host:primary_port:replica_port``; without it the test starts and
removes its own. The test database's schema and rows are copied onto the primary (pg_dump), so
no migration runs, and Laurel is started against the pair in a subprocess with the production
settings path (replica alias, router, middleware from the environment).

There, the replica connection is in recovery, a dashboard's figures are read on the replica,
and a user who has just written (through the API, by token) reads from the primary while the
replica's replay is paused (another user still reads the replica's older figures), then from
the replica again once it has replayed that write.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
DATABASE = "laurel_replicas_test"

# django_db: so that pytest-django creates the test database this test copies.
pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def server_binaries() -> Path | None:
    given = os.environ.get("LAUREL_PG_BIN")
    candidates = (
        [Path(given)] if given else sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: p.parent.name)
    )
    found = [path for path in candidates if (path / "initdb").exists() and (path / "pg_basebackup").exists()]
    return found[-1] if found else None


@dataclass
class Pair:
    host: str
    primary_port: int
    replica_port: int

    def url(self, port: int) -> str:
        return f"postgresql://postgres@{self.host}:{port}/{DATABASE}"


@pytest.fixture(scope="module")
def pair(request: pytest.FixtureRequest) -> Iterator[Pair]:
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only: streaming replicas (set DATABASE_URL=postgresql://…)")
    binaries = server_binaries()
    if binaries is None:
        pytest.skip(
            "no PostgreSQL server binaries (initdb, pg_basebackup) in /usr/lib/postgresql/*/bin or LAUREL_PG_BIN"
        )
    request.getfixturevalue("django_db_setup")  # the test database to copy (after the skips: no setup for nothing)
    given = os.environ.get("LAUREL_TEST_REPLICATION", "")
    folder = ""
    if given:
        host, primary_port, replica_port = given.rsplit(":", 2)
        pair = Pair(host, int(primary_port), int(replica_port))
    else:
        pair = Pair(
            "127.0.0.1",
            int(os.environ.get("LAUREL_TEST_PRIMARY_PORT", "5512")),
            int(os.environ.get("LAUREL_TEST_REPLICA_PORT", "5513")),
        )
        folder = tempfile.mkdtemp(prefix="laurel-replication-", dir="/tmp")
        started = subprocess.run(
            [str(ROOT / ".ci" / "replication"), "start", folder, str(pair.primary_port), str(pair.replica_port)],
            env={**os.environ, "LAUREL_PG_BIN": str(binaries)},
            capture_output=True,
            text=True,
            timeout=180,
        )
        if started.returncode != 0:
            logs = "".join(p.read_text() for p in Path(folder).glob("*.log") if p.is_file())
            subprocess.run([str(ROOT / ".ci" / "replication"), "stop", folder], capture_output=True, timeout=60)
            raise AssertionError(f"the throw-away primary and replica did not start:\n{started.stderr}\n{logs}")
    try:
        copy_test_database(pair, binaries)
        yield pair
    finally:
        if folder:
            subprocess.run([str(ROOT / ".ci" / "replication"), "stop", folder], capture_output=True, timeout=60)
            shutil.rmtree(folder, ignore_errors=True)


def copy_test_database(pair: Pair, binaries: Path) -> None:
    """The test database (schema and committed rows) as a new database on the primary."""
    source = connection.settings_dict
    with psycopg.connect(
        host=pair.host, port=pair.primary_port, user="postgres", dbname="postgres", autocommit=True
    ) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        admin.execute(f"CREATE DATABASE {DATABASE}")
    env = {**os.environ, "PGPASSWORD": str(source.get("PASSWORD") or "")}
    dump = subprocess.run(
        [
            str(binaries / "pg_dump"),
            "--no-owner",
            "--no-privileges",
            "-h",
            str(source.get("HOST") or "127.0.0.1"),
            "-p",
            str(source.get("PORT") or 5432),
            "-U",
            str(source.get("USER") or "postgres"),
            "-d",
            str(source["NAME"]),
        ],
        env=env,
        capture_output=True,
        timeout=300,
        check=True,
    )
    subprocess.run(
        [
            str(binaries / "psql"),
            "-q",
            "-v",
            "ON_ERROR_STOP=1",
            "-h",
            pair.host,
            "-p",
            str(pair.primary_port),
            "-U",
            "postgres",
            "-d",
            DATABASE,
        ],
        input=dump.stdout,
        capture_output=True,
        timeout=300,
        check=True,
    )


# Run by ``manage.py shell`` against the pair; prints one JSON line of what it saw.
SCENARIO = r"""
import datetime, json, time
from django.core.management import call_command
from django.db import connections
from django.test import Client
from accounts.actions import do_create_staff_user, do_issue_api_token
from core import replicas
from core.national_id import check_char
from jurisdictions.actions import do_grant_membership
from jurisdictions.models import Division

COUNTY = "440106"
if not Division.objects.filter(code=COUNTY).exists():
    call_command("load_divisions", verbosity=0)

def staff(name):
    user = do_create_staff_user(name, password="replica-test-password-1", actor=None)
    do_grant_membership(user, division=Division.objects.get(code=COUNTY), role="caseworker", department="",
                        starts_on=datetime.date(2000, 1, 1), actor=None)
    client = Client()
    client.force_login(user)
    return user, client

writer, writer_pages = staff("replica_writer")
reader, reader_pages = staff("replica_reader")
ran = {alias: [] for alias in connections}
for alias in ran:
    def spy(execute, sql, params, many, context, alias=alias):
        ran[alias].append(sql)
        return execute(sql, params, many, context)
    connections[alias].execute_wrappers.append(spy)

def scalar(alias, sql):
    with connections[alias].cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone()[0]

def figures(alias):
    # The dashboard's own figure queries (the replay check and the session are not figures).
    # (The page's navigation counts tasks: "FROM viewflow_task ... cases_case" is not a figure.)
    return [sql for sql in ran[alias] if 'FROM "subjects_subject"' in sql or 'FROM "cases_case"' in sql]

def get(client, url):
    for alias in ran:
        ran[alias].clear()
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code, response.content[:500])
    return response, {alias: figures(alias) for alias in ran}

def total(client):
    response, where = get(client, f"/api/v1/reports/summary/?division={COUNTY}")
    return response.json()["subjects"]["total"], where

out = {
    "aliases": sorted(ran),
    "replica_in_recovery": scalar("replica_0", "SELECT pg_is_in_recovery()"),
    "primary_in_recovery": scalar("default", "SELECT pg_is_in_recovery()"),
}
_, out["dashboard"] = get(writer_pages, f"/reports/dashboard/?division={COUNTY}")
out["before"] = total(writer_pages)

scalar("replica_0", "SELECT pg_wal_replay_pause()::text")
while scalar("replica_0", "SELECT pg_get_wal_replay_pause_state()") != "paused":
    time.sleep(0.05)
_, secret = do_issue_api_token(writer, two_factor=True)
first17 = "440106" + "1949" + "1231" + f"{int(time.time() * 1000) % 1000:03d}"  # unlike any left in the copy
created = Client(HTTP_AUTHORIZATION=f"Token {secret}").post(
    "/api/v1/subjects/",
    {"id_number": first17 + check_char(first17), "name": "王建国", "category": "retired_soldier", "division": COUNTY},
    content_type="application/json",
)
out["created"] = created.status_code
out["written_lsn"] = replicas.written_lsn(writer)
out["replayed_while_paused"] = replicas.replayed_lsn("replica_0")
out["writer_while_paused"] = total(writer_pages)
_, out["writer_dashboard_while_paused"] = get(writer_pages, f"/reports/dashboard/?division={COUNTY}")
out["reader_while_paused"] = total(reader_pages)

scalar("replica_0", "SELECT pg_wal_replay_resume()::text")
deadline = time.monotonic() + 60
while (replicas.replayed_lsn("replica_0") or 0) < out["written_lsn"] and time.monotonic() < deadline:
    scalar("default", "SELECT pg_current_xact_id()::text")  # a commit record: an idle primary's WAL moves on
    time.sleep(0.1)
out["writer_after_replay"] = total(writer_pages)
print("RESULT " + json.dumps(out))
"""


def test_a_replica_serves_the_dashboards_and_a_writer_reads_the_primary_until_it_has_replayed(
    pair: Pair, tmp_path: Path
) -> None:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "COV_"))},
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": pair.url(pair.primary_port),
        "DATABASE_REPLICA_URLS": pair.url(pair.replica_port),
        "LAUREL_CACHE_URL": "locmem://",
        "LAUREL_VAR_DIR": str(tmp_path),
    }
    began = time.monotonic()
    done = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", SCENARIO],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    out = json.loads(done.stdout.split("RESULT ", 1)[1])
    assert out["aliases"] == ["default", "replica_0"]
    assert out["replica_in_recovery"] is True
    assert out["primary_in_recovery"] is False

    # The dashboard's figures were read on the replica, none on the primary.
    assert out["dashboard"]["replica_0"], out["dashboard"]
    assert out["dashboard"]["default"] == []
    before, where = out["before"]
    assert where["replica_0"] and where["default"] == []

    # Replay paused: the writer (API token) reads its new person from the primary...
    assert out["created"] == 201
    assert out["replayed_while_paused"] < out["written_lsn"]
    count, where = out["writer_while_paused"]
    assert count == before + 1
    assert where["replica_0"] == [] and where["default"]
    assert out["writer_dashboard_while_paused"]["replica_0"] == []
    assert out["writer_dashboard_while_paused"]["default"]
    # ...while someone who wrote nothing still reads the replica, which has not seen it yet.
    count, where = out["reader_while_paused"]
    assert count == before
    assert where["replica_0"] and where["default"] == []

    # Replayed: the writer reads from the replica again, and it has the new person.
    count, where = out["writer_after_replay"]
    assert count == before + 1
    assert where["replica_0"] and where["default"] == []
    assert time.monotonic() - began < 240
