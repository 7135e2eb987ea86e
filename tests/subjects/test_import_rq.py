"""The import job on RQ with a real ``manage.py rqworker`` in another process.

Run with ``LAUREL_TASK_BACKEND=rq REDIS_URL=redis://…/<test db>`` on PostgreSQL (CI does, see
``.ci/run``): the worker is a separate process, so it must see what the test commits — a
transactional test on a real database (an in-memory SQLite database is private to this
process: skipped there). Every wait is bounded, so a hang fails the test instead of stalling CI.

- The upload's job is queued only after the commit, so a worker already waiting finds the batch.
- When the web process dies between the commit and the enqueue, the periodic sweep queues the
  batch again and the worker imports it.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.db.models import F
from django.test import Client
from django.urls import reverse

from accounts.models import User
from jurisdictions.models import level_of_code
from subjects.actions.imports import PENDING_GRACE
from subjects.models import ImportBatch, ImportStatus, Subject
from tests.conftest import COUNTY_A

from .conftest import new_id

RQ = settings.LAUREL_TASK_BACKEND == "rq"
ROOT = Path(__file__).resolve().parents[2]
WAIT = 90.0  # seconds: the longest any step may take (worker start-up, one small import)

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not RQ, reason="needs LAUREL_TASK_BACKEND=rq and Redis"),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture(autouse=True)
def _postgres_and_redis() -> Iterator[None]:
    """A database the worker process can see, the demo divisions, and an empty Redis test database."""
    if connection.vendor != "postgresql":
        pytest.skip("the worker process cannot see this process's in-memory SQLite database: needs PostgreSQL")
    import django_rq
    from redis.exceptions import ConnectionError as RedisDown

    redis = django_rq.get_connection("default")
    try:
        redis.ping()
    except RedisDown:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"Redis is not reachable at {settings.REDIS_URL}")
    redis.flushdb()  # only the test database named in REDIS_URL
    _restore_divisions()
    yield
    redis.flushdb()


def _restore_divisions() -> None:
    """A transactional test's flush empties the division tree: put back the part these tests use."""
    from jurisdictions.models import Division

    tree = [("CN", "全国", None), ("44", "广东省", "CN"), ("4401", "广州市", "44"), (COUNTY_A, "天河区", "4401")]
    for code, name, parent in tree:
        Division.objects.get_or_create(
            code=code, defaults={"name": name, "level": int(level_of_code(code) or 0), "parent_id": parent}
        )


def _database_url() -> str:
    db = connection.settings_dict
    user = quote(db["USER"] or "", safe="")
    password = f":{quote(db['PASSWORD'], safe='')}" if db.get("PASSWORD") else ""
    return f"postgresql://{user}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def rqworker(tmp_path: Path) -> Iterator[Callable[..., subprocess.Popen[bytes]]]:
    """Start ``manage.py rqworker`` on this test's database and Redis; stopped (and killed if need be) after."""
    started: list[subprocess.Popen[bytes]] = []
    log = tmp_path / "rqworker.log"

    def start(*, burst: bool = False) -> subprocess.Popen[bytes]:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.settings",
            "DATABASE_URL": _database_url(),
            "LAUREL_TASK_BACKEND": "rq",
            "REDIS_URL": settings.REDIS_URL,
            "MEDIA_ROOT": str(settings.MEDIA_ROOT),
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
            "DB_CONN_MAX_AGE": "0",
        }
        command = [sys.executable, "manage.py", "rqworker", "--job-class", "django_tasks_rq.Job", "default"]
        process = subprocess.Popen(
            [*command, "--burst"] if burst else command,
            cwd=ROOT,
            env=env,
            stdout=log.open("ab"),
            stderr=subprocess.STDOUT,
        )
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=15)
    if log.exists():
        sys.stdout.write(log.read_text(errors="replace")[-4000:])  # shown by pytest when a test fails


def _wait_for(condition: Callable[[], bool], what: str, worker: subprocess.Popen[bytes] | None = None) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        if worker is not None and worker.poll() is not None:
            pytest.fail(f"the worker exited ({worker.returncode}) before {what}")
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {WAIT:.0f} s waiting for {what}")
        time.sleep(0.2)


def _queued() -> int:
    import django_rq

    return int(django_rq.get_queue("default").count)


def _upload_form(rows: int) -> dict[str, Any]:
    lines = [f"{new_id()},王{'建国' if i % 2 else '红'},退役士兵,{COUNTY_A}" for i in range(rows)]
    content = "公民身份号码,姓名,人员类别,户籍区划代码\n" + "\n".join(lines) + "\n1,坏行,退役士兵,440106\n"
    return {"source": "county", "file": SimpleUploadedFile("people.csv", content.encode("gb18030"))}


def _batch() -> ImportBatch:
    return ImportBatch.objects.get()


def test_an_upload_is_imported_by_a_worker_that_is_faster_than_the_commit(
    make_user: Callable[..., User], rqworker: Callable[..., subprocess.Popen[bytes]]
) -> None:
    import django_rq
    from rq import Worker

    client = Client()
    client.force_login(make_user("caseworker", "caseworker", COUNTY_A))
    worker = rqworker()  # already waiting on the queue before the upload
    redis = django_rq.get_connection("default")
    _wait_for(lambda: len(Worker.all(connection=redis)) > 0, "the worker to listen", worker)
    with transaction.atomic():
        response = client.post(reverse("subjects:imports"), _upload_form(3))
        assert response.status_code == 302
        time.sleep(1)  # the worker is idle and fast; the web process has not committed yet
        assert _queued() == 0  # not queued before the commit: a worker cannot find a missing batch
    _wait_for(lambda: _batch().status in (ImportStatus.DONE, ImportStatus.FAILED), "the import to finish", worker)
    batch = _batch()
    assert batch.status == ImportStatus.DONE, batch.message
    assert (batch.created_count, batch.rejected_count, batch.claim) == (3, 1, "")
    assert Subject.objects.filter(import_batch=batch).count() == 3


def test_the_sweep_queues_a_batch_whose_enqueue_died_with_the_web_process(
    make_user: Callable[..., User], rqworker: Callable[..., subprocess.Popen[bytes]], monkeypatch: pytest.MonkeyPatch
) -> None:
    from core.jobs import task_named

    client = Client()
    client.force_login(make_user("caseworker", "caseworker", COUNTY_A))
    # The web process dies right after the commit: what it meant to do after the commit never runs.
    with monkeypatch.context() as dying:
        dying.setattr(transaction, "on_commit", lambda func, using=None, robust=False: None)
        response = client.post(reverse("subjects:imports"), _upload_form(2))
    assert response.status_code == 302
    assert _queued() == 0 and _batch().status == ImportStatus.PENDING  # committed, but no job anywhere
    worker = rqworker(burst=True)
    assert worker.wait(timeout=WAIT) == 0  # nothing to do: the batch waits
    assert _batch().status == ImportStatus.PENDING

    assert task_named("subjects.tasks.sweep_imports").call("slot") == 0  # still within the grace period
    ImportBatch.objects.update(heartbeat_at=F("heartbeat_at") - PENDING_GRACE - dt.timedelta(seconds=1))
    assert task_named("subjects.tasks.sweep_imports").call("slot") == 1  # queued again (after its commit)
    assert _queued() == 1
    worker = rqworker(burst=True)
    assert worker.wait(timeout=WAIT) == 0
    batch = _batch()
    assert batch.status == ImportStatus.DONE, batch.message
    assert (batch.created_count, batch.rejected_count) == (2, 1)
