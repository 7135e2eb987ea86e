"""Rejected rows are streamed to the error report: 200,000 bad rows cost no more memory than 20,000.

Each import runs in a fresh process (PostgreSQL: the child must see this test's committed
divisions) and reports its peak resident set. Keeping every rejected row in memory (~365 bytes
each) would put the larger import ~60 MiB above the smaller one; streamed, they are within 5 MiB.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
from django.core.management import call_command
from django.db import connection

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
CHILD = Path(__file__).with_name("import_memory_child.py")


@pytest.fixture(autouse=True)
def _postgresql_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the child process cannot see this process's in-memory SQLite database: needs PostgreSQL")
    call_command("load_divisions", verbosity=0)  # a transactional test starts from a flushed database


def _database_url() -> str:
    db = connection.settings_dict
    password = f":{quote(db['PASSWORD'], safe='')}" if db.get("PASSWORD") else ""
    host = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    return f"postgresql://{quote(db['USER'] or '', safe='')}{password}@{host}/{db['NAME']}"


def _bad_rows(path: Path, rows: int) -> Path:
    """``rows`` people whose ID numbers have a wrong check character (each row one error)."""
    with path.open("w", encoding="utf-8") as fh:
        fh.write("公民身份号码,姓名,人员类别,户籍区划代码\n")
        for i in range(rows):
            fh.write(f"4401061960{i % 10000:06d}{i % 7}0,王五,退役士兵,440106\n")
    return path


def _peak_kib(path: Path) -> int:
    env = {**os.environ, "DATABASE_URL": _database_url(), "DJANGO_SETTINGS_MODULE": "tests.settings"}
    out = subprocess.run(
        [sys.executable, str(CHILD), str(path)], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert out.returncode == 0, out.stderr[-2000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["status"] == "done"
    assert result["rejected"] == sum(1 for _ in path.open(encoding="utf-8")) - 1
    return int(result["peak_kib"])


def test_two_hundred_thousand_bad_rows_cost_no_more_memory_than_twenty_thousand(tmp_path: Path) -> None:
    small = _peak_kib(_bad_rows(tmp_path / "small.csv", 20_000))
    large = _peak_kib(_bad_rows(tmp_path / "large.csv", 200_000))
    assert large - small < 5 * 1024, f"{small} KiB for 20k bad rows, {large} KiB for 200k"
