"""A worker killed mid-job: another worker finishes the letter and the delivery, exactly once.

Real ``manage.py db_worker`` processes on this test's PostgreSQL database (a transactional test:
the workers must see its commits; an in-memory SQLite database is private to this process).
The first worker is killed (SIGKILL) while rendering a letter, the second while sending an SMS
(its gateway hangs). Both jobs are left ``RUNNING``. A third worker and the periodic jobs the
scheduler runs every minute (``recover_expired_jobs``, ``sweep_outbox``; called here directly,
with leases of two seconds) must finish both, once each, within a bounded time.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django_tasks_db.models import DBTaskResult

from audit.models import AuditEvent
from cases.notify import CaseEvent
from core.jobs import task_named
from letters import actions
from letters.models import Letter, Status
from notifications.models import Delivery, DeliveryStatus
from notifications.outbox import notify
from notifications.sms import FileSmsGateway

ROOT = Path(__file__).resolve().parents[2]
WAIT = 90.0  # seconds: the longest any step may take

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgresql_only() -> None:
    if connection.vendor != "postgresql" or not settings.TASKS["default"]["BACKEND"].startswith("django_tasks_db"):
        pytest.skip(
            "worker processes cannot see this process's in-memory SQLite database: needs PostgreSQL (db backend)"
        )
    call_command("load_divisions", verbosity=0)  # a transactional test starts from a flushed database


def database_url() -> str:
    db = connection.settings_dict
    user = quote(db["USER"] or "", safe="")
    password = f":{quote(db['PASSWORD'], safe='')}" if db.get("PASSWORD") else ""
    return f"postgresql://{user}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def db_worker(tmp_path: Path) -> Iterator[Callable[..., subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    log = tmp_path / "workers.log"

    def start(*, sms_backend: str = "notifications.sms.FileSmsGateway") -> subprocess.Popen[bytes]:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.settings",
            "DATABASE_URL": database_url(),
            "DB_CONN_MAX_AGE": "0",
            "LAUREL_TASK_BACKEND": "db",
            "MEDIA_ROOT": str(settings.MEDIA_ROOT),
            "LAUREL_LETTER_DIR": str(settings.LAUREL_LETTER_DIR),
            "LAUREL_LETTER_SIGNING_KEY": str(settings.LAUREL_LETTER_SIGNING_KEY),
            "LAUREL_LETTER_SIGNING_CERT": str(settings.LAUREL_LETTER_SIGNING_CERT),
            "LAUREL_PUBLIC_BASE_URL": settings.LAUREL_PUBLIC_BASE_URL,
            "LAUREL_SMS_BACKEND": sms_backend,
            "LAUREL_SMS_LOG": str(settings.LAUREL_SMS_LOG),
            "LAUREL_NOTIFY_CLAIM_LEASE_SECONDS": "2",
        }
        process = subprocess.Popen(
            [sys.executable, "manage.py", "db_worker", "--interval", "0.2"],
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
            process.kill()
            process.wait(timeout=15)
    if log.exists():
        sys.stdout.write(log.read_text(errors="replace")[-4000:])  # shown by pytest when the test fails


def wait_for(condition: Callable[[], bool], what: str, poll: float = 0.02) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {WAIT:.0f} s waiting for {what}")
        time.sleep(poll)


def job_of(task: str) -> DBTaskResult:
    job = DBTaskResult.objects.filter(task_path=task).order_by("enqueued_at").first()
    if job is None:
        pytest.fail(f"no {task} job was queued")
    return job


def test_jobs_of_killed_workers_are_finished_once_by_another_worker(
    settings: Any,
    tmp_path: Path,
    file_case: Callable[..., Any],
    approver: Any,
    letterhead: Any,
    db_worker: Callable[..., subprocess.Popen[bytes]],
) -> None:
    settings.LAUREL_SMS_LOG = tmp_path / "sms.log"
    settings.LAUREL_JOB_LEASE_SECONDS = 2
    settings.LAUREL_NOTIFY_CLAIM_LEASE_SECONDS = 2
    letter = actions.do_request_letter(file_case(), kind="acknowledgement", actor=approver)
    [sms] = notify(
        event=CaseEvent.LETTER_READY,
        recipient_phone="13912345678",
        context={"case": "440106-2026-000007"},
        dedupe_key="letter.ready:crash-test",
        division_code="440106",
    )

    # Worker 1 dies while rendering the letter (a cold process renders for over a second).
    first = db_worker()
    wait_for(lambda: job_of("letters.tasks.render_letter").status == "RUNNING", "the letter job to start")
    os.kill(first.pid, signal.SIGKILL)
    first.wait(timeout=15)
    assert Letter.objects.get(pk=letter.pk).status == Status.PENDING  # killed mid-letter

    # Worker 2 takes the next job, the SMS, and dies while the gateway hangs.
    second = db_worker(sms_backend="tests.letters.hanging_sms.HangingSmsGateway")
    wait_for(lambda: Delivery.objects.get(pk=sms.pk).status == DeliveryStatus.SENDING, "the SMS to be claimed")
    os.kill(second.pid, signal.SIGKILL)
    second.wait(timeout=15)
    assert job_of("letters.tasks.render_letter").status == job_of("notifications.tasks.deliver").status == "RUNNING"

    # Worker 3 and the periodic recovery (every minute in production; leases of 2 s here).
    started = time.monotonic()
    db_worker()

    def recovered() -> bool:
        task_named("core.tasks.recover_expired_jobs").call("slot")
        task_named("notifications.tasks.sweep_outbox").call("slot")
        return (
            Letter.objects.get(pk=letter.pk).status == Status.ISSUED
            and Delivery.objects.get(pk=sms.pk).status == DeliveryStatus.SENT
        )

    wait_for(recovered, "the letter and the SMS to be finished", poll=0.5)
    assert time.monotonic() - started < 60

    issued = Letter.objects.get(pk=letter.pk)
    assert AuditEvent.objects.filter(event_type="letter.issued", object_id=str(letter.pk)).count() == 1
    assert [p.name for p in Path(settings.LAUREL_LETTER_DIR).rglob("*.pdf")] == [Path(issued.file_name).name]
    assert len(FileSmsGateway(settings.LAUREL_SMS_LOG).messages()) == 1
    killed = DBTaskResult.objects.filter(exception_class_path="core.jobs.LeaseExpired")
    assert sorted(killed.values_list("task_path", flat=True)) == [
        "letters.tasks.render_letter",
        "notifications.tasks.deliver",
    ]
    # The sweeps may have queued copies; the live worker finishes them (as no-ops): none left running.
    wait_for(lambda: not DBTaskResult.objects.filter(status="RUNNING").exists(), "the copies to end", poll=0.2)
    assert Letter.objects.get(pk=letter.pk).sha256 == issued.sha256
    assert len(FileSmsGateway(settings.LAUREL_SMS_LOG).messages()) == 1
