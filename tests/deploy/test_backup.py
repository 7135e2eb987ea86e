"""Backup and restore: a database with a signed letter and a checkpointed audit trail is backed up
(``deploy/backup.sh``), wiped (database dropped, files deleted), restored (``deploy/restore.sh``),
and then passes ``verify_audit_chain`` and ``verify_letter`` on the restored letter."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.postgres]

SETUP = """
import datetime as dt
from decimal import Decimal
from django.conf import settings
from django.core.management import call_command
from accounts.actions import do_create_staff_user
from cases.actions import do_file_case
from cases.models import Kind
from jurisdictions.actions import do_grant_membership
from jurisdictions.models import Division
from letters import actions
from subjects.actions import do_register_subject
call_command("load_divisions", verbosity=0)
county = Division.objects.get(code="440106")
cw = do_create_staff_user("backup_cw", password="backup-test-password-1", actor=None)
do_grant_membership(cw, division=county, role="caseworker", department="", actor=None)
ap = do_create_staff_user("backup_ap", password="backup-test-password-1", actor=None)
do_grant_membership(ap, division=county, role="approver", department="", actor=None)
subject = do_register_subject(
    division="440106", id_number="11010519491231002X", name="王建国", category="retired_soldier", actor=None
)
case = do_file_case(
    subject, kind=Kind.BENEFIT_CLAIM, title="申请定期抚恤补助", description="备份恢复测试", actor=cw,
    departments=["public_security"], benefit_type="state_subsidy", benefit_change="add",
    benefit_amount=Decimal("350.00"), benefit_start=dt.date(2026, 1, 1), duplicate_action="continue",
)
actions.do_set_letterhead(
    county, actor=None, bureau_name="广州市天河区退役军人事务局", number_prefix="天退役军人决",
    address="广州市天河区天河路1号", postcode="510620", phone="020-12345678", contact_person="陈科员",
    reconsideration_body="广州市天河区人民政府", reconsideration_days=60, court="广州铁路运输法院",
    lawsuit_months=6, cc="广州市退役军人事务局",
)
letter = actions.do_issue_letter(actions.do_request_letter(case, kind="acknowledgement", actor=ap).pk)
print("LETTER", settings.LAUREL_LETTER_DIR / letter.file_name)
"""


@pytest.fixture(autouse=True)
def _postgresql_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("backs up with pg_dump: needs PostgreSQL (set DATABASE_URL)")
    if not shutil.which("pg_dump"):
        pytest.skip("pg_dump/pg_restore not installed")


@pytest.fixture
def database() -> Iterator[tuple[str, dict[str, Any]]]:
    """A throw-away database on the test server, named after the test database; dropped afterwards."""
    db = settings.DATABASES["default"]
    name = f"{connection.settings_dict['NAME']}_backup_{uuid.uuid4().hex[:8]}"
    params: dict[str, Any] = {"host": db["HOST"] or "127.0.0.1", "port": db["PORT"] or 5432, "user": db["USER"]}
    if db["PASSWORD"]:
        params["password"] = db["PASSWORD"]
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield name, params
    finally:
        with psycopg.connect(dbname="postgres", autocommit=True, **params) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_a_backup_restored_into_a_wiped_database_verifies_its_audit_trail_and_letters(
    database: tuple[str, dict[str, Any]], tmp_path: Path
) -> None:
    name, params = database
    auth = f"{params['user']}:{params['password']}@" if params.get("password") else f"{params['user']}@"
    var = tmp_path / "var"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST", "COV_"))},
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": f"postgresql://{auth}{params['host']}:{params['port']}/{name}",
        "DEBUG": "0",
        # Production needs a cache shared by its processes (the public pages' rate limits): Redis.
        "LAUREL_CACHE_URL": os.environ.get("LAUREL_TEST_PRODUCTION_CACHE_URL", "redis://127.0.0.1:6379/7"),
        "LAUREL_VAR_DIR": str(var),
        "LAUREL_AUDIT_ANCHOR_FILE": str(tmp_path / "anchor" / "anchors.log"),
        "PYTHON": sys.executable,
    }

    def run(*command: str) -> str:
        done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, f"{command}: {done.stdout[-2000:]}{done.stderr[-3000:]}"
        return done.stdout

    manage = (sys.executable, "manage.py")
    run(*manage, "migrate", "--noinput", "-v", "0")
    run(*manage, "make_dev_letter_cert")
    letter = Path(run(*manage, "shell", "-c", SETUP).split("LETTER", 1)[1].split()[0])
    run(*manage, "audit_keygen")
    run(*manage, "audit_checkpoint")
    assert "OK:" in run(*manage, "verify_audit_chain")

    dump, files = run("deploy/backup.sh", str(tmp_path / "backup")).split()[-2:]

    # Wipe: the database and every file the application keeps.
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as admin:
        admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    shutil.rmtree(var / "media")
    shutil.rmtree(var / "audit")
    shutil.rmtree(tmp_path / "anchor")
    assert not letter.exists()

    run("deploy/restore.sh", dump, files)
    assert letter.exists()
    verified = run(*manage, "verify_audit_chain")
    assert verified.startswith("OK:") and "1 checkpoints verified" in verified
    assert "The letter is authentic." in run(
        *manage, "verify_letter", str(letter), "--trust", str(var / "letters" / "signing-cert.pem")
    )
