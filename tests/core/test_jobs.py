"""Job leases: a database job left RUNNING by a dead worker is failed and queued again after its lease."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.conf import settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from core.jobs import enqueue, periodic_jobs, recover_expired_jobs

pytestmark = pytest.mark.django_db
database_backend_only = pytest.mark.skipif(
    settings.LAUREL_TASK_BACKEND != "db", reason="leases of job rows are the database backend's"
)


def started(seconds_ago: int) -> DBTaskResult:
    enqueue("letters.tasks.render_letter", 4242)
    row = DBTaskResult.objects.order_by("-enqueued_at").first()
    assert row is not None
    DBTaskResult.objects.filter(pk=row.pk).update(
        status="RUNNING", started_at=timezone.now() - dt.timedelta(seconds=seconds_ago), worker_ids=["dead-worker"]
    )
    return row


@database_backend_only
def test_a_job_running_past_its_lease_is_failed_and_queued_again(settings: Any) -> None:
    settings.LAUREL_JOB_LEASE_SECONDS = 60
    orphan = started(seconds_ago=61)
    assert recover_expired_jobs() == ["letters.tasks.render_letter"]
    orphan.refresh_from_db()
    assert orphan.status == "FAILED" and orphan.exception_class_path == "core.jobs.LeaseExpired"
    assert "dead-worker" in orphan.traceback
    [again] = DBTaskResult.objects.filter(status="READY")
    assert again.task_path == "letters.tasks.render_letter" and again.args_kwargs["args"] == [4242]
    assert recover_expired_jobs() == []  # once


@database_backend_only
def test_a_job_within_its_lease_is_left_alone(settings: Any) -> None:
    settings.LAUREL_JOB_LEASE_SECONDS = 60
    running = started(seconds_ago=30)
    assert recover_expired_jobs() == []
    running.refresh_from_db()
    assert running.status == "RUNNING"
    assert not DBTaskResult.objects.filter(status="READY").exists()


def test_the_scheduler_runs_the_recovery_every_minute() -> None:
    job = next(j for j in periodic_jobs() if j.name == "recover_expired_jobs")
    assert job.task == "core.tasks.recover_expired_jobs" and job.period() == dt.timedelta(minutes=1)
