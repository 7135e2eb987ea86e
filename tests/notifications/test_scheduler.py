"""Periodic work: each slot of each job runs once, however many schedulers are running."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from freezegun import freeze_time

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
        "prune_scheduled_runs",
    }
    assert second == []
    assert ScheduledRun.objects.filter(job="send_digests", slot="2026-03-02").get().claimed_by == "host-a:1"


def test_the_next_period_is_a_new_slot(db: Any) -> None:
    with freeze_time(MORNING):
        scheduler.run_due()
    with freeze_time(MORNING + datetime.timedelta(minutes=1)):
        claimed = scheduler.run_due()
    assert [c.split("@")[0] for c in claimed] == ["sweep_outbox"]  # the others' periods are longer


def test_daily_jobs_wait_for_their_hour(db: Any) -> None:
    with freeze_time(datetime.datetime(2026, 3, 1, 23, 30, tzinfo=datetime.UTC)):  # 07:30 local
        claimed = scheduler.run_due()
    assert not any(c.startswith("send_digests") for c in claimed)
    assert any(c.startswith("audit_checkpoint") for c in claimed)


def test_claimed_jobs_run_on_the_workers(
    db: Any, run_worker: Callable[[], int], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        scheduler.run_due()
    assert run_worker() >= 5


def test_run_scheduler_once_prints_what_it_claimed(db: Any) -> None:
    out = StringIO()
    call_command("run_scheduler", "--once", stdout=out)
    assert "scheduled sweep_outbox@" in out.getvalue()
    out = StringIO()
    call_command("run_scheduler", "--once", stdout=out)
    assert out.getvalue() == ""


def test_only_registered_commands_run_from_the_schedule(db: Any) -> None:
    from notifications import tasks

    assert tasks.run_command.call("requeue_letters", "slot").startswith("Queued 0")
    with pytest.raises(ValueError, match="not a scheduled command"):
        tasks.run_command.call("flush", "slot")
