"""No blind window: checkpoints are required in production, anchored outside the database, made
often and after every export, and survive a key rotation."""

from __future__ import annotations

import datetime as dt
import shutil
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.core.management.base import CommandError
from freezegun import freeze_time

from audit import checkpoints
from audit.log import record
from audit.models import AuditEvent
from core.jobs import periodic_jobs
from tests.conftest import COUNTY_A

pytestmark = pytest.mark.django_db


def verify() -> tuple[bool, str]:
    out = StringIO()
    try:
        call_command("verify_audit_chain", "--no-record", stdout=out)
    except CommandError:
        return False, out.getvalue()
    return True, out.getvalue()


@pytest.fixture
def events() -> list[AuditEvent]:
    return [record(event_type="test.event", actor=None, division_code=COUNTY_A, data={"n": n}) for n in range(3)]


def test_verification_fails_in_production_when_there_is_no_checkpoint(events: list[AuditEvent]) -> None:
    ok, output = verify()
    assert not ok and "no signed checkpoint" in output


def test_deleted_checkpoint_files_are_caught_by_the_anchor_log(
    events: list[AuditEvent], signing_keys: tuple[Path, Path], settings: Any
) -> None:
    call_command("audit_checkpoint", stdout=StringIO())
    call_command("audit_checkpoint", stdout=StringIO())
    assert verify()[0]
    checkpoints.list_checkpoints()[0].unlink()
    ok, output = verify()
    assert not ok and "recorded in the anchor log is missing" in output
    shutil.rmtree(settings.LAUREL_AUDIT_CHECKPOINT_DIR)  # all of them: the anchors still speak
    ok, output = verify()
    assert not ok and output.count("recorded in the anchor log is missing") == 2


def test_the_anchor_log_lives_outside_the_checkpoint_directory_and_only_grows(
    events: list[AuditEvent], signing_keys: tuple[Path, Path], settings: Any
) -> None:
    call_command("audit_checkpoint", stdout=StringIO())
    first = settings.LAUREL_AUDIT_ANCHOR_FILE.read_text()
    call_command("audit_checkpoint", stdout=StringIO())
    anchors = checkpoints.read_anchors()
    assert settings.LAUREL_AUDIT_ANCHOR_FILE.read_text().startswith(first) and len(anchors) == 2
    assert [a["checkpoint"] for a in anchors] == [p.name for p in checkpoints.list_checkpoints()]
    settings.LAUREL_AUDIT_ANCHOR_FILE.unlink()
    ok, output = verify()
    assert not ok and "anchor log" in output and "is missing" in output


def test_a_stopped_checkpointer_is_caught(events: list[AuditEvent], signing_keys: tuple[Path, Path]) -> None:
    start = dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC)
    with freeze_time(start):
        call_command("audit_checkpoint", stdout=StringIO())
    with freeze_time(start + dt.timedelta(minutes=30)):
        record(event_type="test.later", actor=None, division_code=COUNTY_A)
        assert verify()[0]  # within the allowed age
    with freeze_time(start + dt.timedelta(hours=2)):
        ok, output = verify()
    assert not ok and "checkpointing has stopped" in output


def test_a_rotated_key_and_the_new_one_both_verify(
    events: list[AuditEvent], signing_keys: tuple[Path, Path], settings: Any
) -> None:
    old = checkpoints.key_fingerprint(checkpoints.load_verify_key())
    call_command("audit_keygen", "--rotate", stdout=StringIO())
    new = checkpoints.key_fingerprint(checkpoints.load_verify_key())
    record(event_type="test.later", actor=None, division_code=COUNTY_A)
    call_command("audit_checkpoint", stdout=StringIO())
    signers = [checkpoints.read_checkpoint(p, None) for p in checkpoints.list_checkpoints()]
    assert len(signers) == 3 and old != new
    assert {a["payload"]["key"] for a in checkpoints.read_anchors()} == {old, new}
    assert verify()[0]
    shutil.rmtree(settings.LAUREL_AUDIT_RETIRED_KEYS_DIR)
    ok, output = verify()
    assert not ok and "neither the current nor a retired one" in output


@pytest.mark.skipif(django_settings.LAUREL_TASK_BACKEND != "db", reason="reads the database backend's job rows")
def test_every_export_queues_a_checkpoint() -> None:
    from django_tasks_db.models import DBTaskResult

    event = record(event_type="audit.exported", actor=None, division_code=COUNTY_A, data={"rows": 3})
    [job] = DBTaskResult.objects.filter(task_path="audit.tasks.checkpoint")
    assert job.args_kwargs["args"] == [f"export:{event.pk}"]


def test_checkpoints_are_made_every_five_minutes_by_default() -> None:
    job = next(j for j in periodic_jobs() if j.name == "audit_checkpoint")
    assert job.period() == dt.timedelta(minutes=5)
