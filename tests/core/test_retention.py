"""Access logs are kept at least six months: pruning removes only older rows, never audit events."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from axes.models import AccessFailureLog, AccessLog
from django.utils import timezone

from audit.log import record
from audit.models import AuditEvent
from core.jobs import periodic_jobs
from core.retention import prune_access_logs
from tests.config.test_settings import production_env, run_manage
from tests.conftest import COUNTY_A

pytestmark = pytest.mark.django_db


def access(days_ago: float, model: Any = AccessLog) -> Any:
    row = model.objects.create(username="caseworker", ip_address="10.0.0.1", user_agent="test", path_info="/")
    model.objects.filter(pk=row.pk).update(attempt_time=timezone.now() - dt.timedelta(days=days_ago))
    return row


def test_pruning_removes_only_rows_older_than_the_retention_period(settings: Any) -> None:
    settings.LAUREL_LOG_RETENTION_DAYS = 190
    young = [access(0), access(100), access(189.9), access(189.9, AccessFailureLog)]
    old = [access(190.1), access(400, AccessFailureLog)]
    assert prune_access_logs() == len(old)
    assert sorted(AccessLog.objects.values_list("pk", flat=True)) == sorted(r.pk for r in young[:3])
    assert list(AccessFailureLog.objects.values_list("pk", flat=True)) == [young[3].pk]


def test_a_shorter_setting_never_prunes_rows_younger_than_six_months(settings: Any) -> None:
    settings.LAUREL_LOG_RETENTION_DAYS = 30  # refused at start-up; and ignored here if forced
    kept = access(183)
    assert prune_access_logs() == 0
    assert AccessLog.objects.filter(pk=kept.pk).exists()


def test_audit_events_are_never_pruned(settings: Any) -> None:
    event = record(event_type="test.event", actor=None, division_code=COUNTY_A)
    prune_access_logs(now=timezone.now() + dt.timedelta(days=3650))
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_pruning_runs_daily() -> None:
    job = next(j for j in periodic_jobs() if j.name == "prune_access_logs")
    assert job.task == "core.tasks.prune_access_logs" and job.time_of_day() == dt.time(4)


def test_a_retention_under_six_months_is_refused_at_start_up(tmp_path: Any) -> None:
    result = run_manage("check", env={**production_env(tmp_path), "LAUREL_LOG_RETENTION_DAYS": "90"})
    assert result.returncode != 0 and "at least six months" in result.stderr
