"""Periodic work: each slot of each job runs once, however many schedulers are running."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from freezegun import freeze_time

from core.jobs import task_named
from notifications import scheduler
from notifications.models import ScheduledRun

# 10:00 in Asia/Shanghai: past the digest hour (8) and the audit checkpoint hour (1).
MORNING = datetime.datetime(2026, 3, 2, 2, 0, 30, tzinfo=datetime.UTC)


def test_two_schedulers_claim_each_slot_once(db: Any, django_capture_on_commit_callbacks: Any) -> None:
    with freeze_time(MORNING), django_capture_on_commit_callbacks(execute=False):
        first = scheduler.run_due(who="host-a:1")
        second = scheduler.run_due(who="host-b:2")
    assert {c.split("@")[0] for c in first} == {
        "sweep_outbox",
        "send_batches",
        "scan_sla",
        "send_digests",
        "audit_checkpoint",
        "requeue_letters",
        "sweep_imports",
        "prune_scheduled_runs",
        "recover_expired_jobs",
        "prune_access_logs",
        "compact_subject_counts",
        "compact_case_counts",
        "compact_problem_counts",
        "benefits_pay_month",
        "benefits_confirmation_overdue",
        "scan_supervision",
        "sweep_collected_grievances",
    }
    assert second == []
    assert ScheduledRun.objects.filter(job="send_digests", slot="2026-03-02").get().claimed_by == "host-a:1"


def test_the_next_period_is_a_new_slot(db: Any) -> None:
    with freeze_time(MORNING):
        scheduler.run_due()
    with freeze_time(MORNING + datetime.timedelta(minutes=1)):
        claimed = scheduler.run_due()
    assert sorted(c.split("@")[0] for c in claimed) == ["recover_expired_jobs", "sweep_outbox"]  # the others: longer


def test_daily_jobs_wait_for_their_hour(db: Any) -> None:
    with freeze_time(datetime.datetime(2026, 3, 1, 23, 30, tzinfo=datetime.UTC)):  # 07:30 local
        claimed = scheduler.run_due()
    assert not any(c.startswith("send_digests") for c in claimed)
    assert any(c.startswith("audit_checkpoint") for c in claimed)


def test_claimed_jobs_run_on_the_workers(
    db: Any, run_worker: Callable[[], int], django_capture_on_commit_callbacks: Any
) -> None:
    with freeze_time(MORNING), django_capture_on_commit_callbacks(execute=True):
        claimed = scheduler.run_due()
    assert len(claimed) == 17  # every job's slot has come at 10:00 local
    assert run_worker() == len(claimed)


def test_run_scheduler_once_prints_what_it_claimed(db: Any) -> None:
    out = StringIO()
    call_command("run_scheduler", "--once", stdout=out)
    assert "scheduled sweep_outbox@" in out.getvalue()
    out = StringIO()
    call_command("run_scheduler", "--once", stdout=out)
    assert out.getvalue() == ""


def test_every_periodic_job_names_a_task_of_its_app() -> None:
    for job in scheduler.jobs():
        app = job.task.split(".")[0]
        assert job.task.startswith(f"{app}.tasks.")
        assert task_named(job.task).name == job.task.rsplit(".", 1)[1]


def test_only_tasks_can_be_queued_by_name() -> None:
    with pytest.raises(ValueError, match="not a job"):
        task_named("django.core.management.call_command")
