"""The import job: claimed by one run only, and queued again by the sweep when its job may be lost."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from freezegun import freeze_time

from core.jobs import task_named
from jurisdictions.models import Division
from subjects.actions.imports import (
    PENDING_GRACE,
    STALE_AFTER,
    ImportClaimLost,
    ImportRun,
    do_claim_import_batch,
    do_import_rows,
    do_open_import_batch,
    do_requeue_lost_imports,
)
from subjects.importer import RowReader
from subjects.models import ImportBatch, ImportStatus, Subject
from tests.conftest import COUNTY_A

from .conftest import new_id

pytestmark = pytest.mark.django_db
DB_BACKEND_ONLY = pytest.mark.skipif(
    settings.LAUREL_TASK_BACKEND != "db", reason="reads the database backend's job rows (RQ: test_import_rq.py)"
)

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def upload(caseworker: Any, rows: int = 2) -> ImportBatch:
    lines = [f"{new_id()},甲{'乙' * i},退役士兵,{COUNTY_A}" for i in range(rows)]
    content = "公民身份号码,姓名,人员类别,户籍区划代码\n" + "\n".join(lines) + "\n"
    return do_open_import_batch(
        division=Division.objects.get(code=COUNTY_A),
        source="county",
        file_name="people.csv",
        dry_run=False,
        actor=caseworker,
        upload=SimpleUploadedFile("people.csv", content.encode()),
    )


def queued_imports() -> list[int]:
    from django_tasks_db.models import DBTaskResult

    return [r.args_kwargs["args"][0] for r in DBTaskResult.objects.filter(task_path="subjects.tasks.import_batch")]


def test_the_job_run_twice_imports_once(caseworker: Any) -> None:
    batch = upload(caseworker)
    job = task_named("subjects.tasks.import_batch")
    assert job.call(batch.pk) == ImportStatus.DONE
    assert job.call(batch.pk) == "skipped"
    batch.refresh_from_db()
    assert (batch.status, batch.created_count, batch.claim) == (ImportStatus.DONE, 2, "")
    assert Subject.objects.count() == 2


def test_a_batch_running_under_a_claim_cannot_be_claimed_again(caseworker: Any) -> None:
    batch = upload(caseworker)
    assert do_claim_import_batch(batch) is not None
    assert do_claim_import_batch(ImportBatch.objects.get(pk=batch.pk)) is None
    assert task_named("subjects.tasks.import_batch").call(batch.pk) == "skipped"
    assert not Subject.objects.exists()


@DB_BACKEND_ONLY
def test_the_sweep_queues_a_pending_batch_silent_past_the_grace_period(caseworker: Any) -> None:
    with freeze_time(START):
        batch = upload(caseworker)
    assert queued_imports() == [batch.pk]  # the upload's own job (database backend: in the transaction)
    with freeze_time(START + PENDING_GRACE - dt.timedelta(seconds=1)):
        assert do_requeue_lost_imports() == 0
    with freeze_time(START + PENDING_GRACE + dt.timedelta(seconds=1)):
        assert do_requeue_lost_imports() == 1
        assert do_requeue_lost_imports() == 0  # a fresh sign of life: not again at once
    assert queued_imports() == [batch.pk, batch.pk]


def test_the_sweep_takes_a_silent_running_batch_from_its_dead_run(caseworker: Any, tmp_path: Path) -> None:
    with freeze_time(START):
        batch = upload(caseworker)
        claim = do_claim_import_batch(batch)
        assert claim is not None
    with freeze_time(START + STALE_AFTER - dt.timedelta(seconds=1)):
        assert do_requeue_lost_imports() == 0  # running and recently alive
    with freeze_time(START + STALE_AFTER + dt.timedelta(seconds=1)):
        assert do_requeue_lost_imports() == 1
    batch.refresh_from_db()
    assert (batch.status, batch.claim) == (ImportStatus.PENDING, "")
    # The presumed-dead run wakes up: it may not write any more.
    run = ImportRun(
        batch=batch, claim=claim, reader=RowReader("county", scope_codes=None, now=START), actor=None, now=START
    )
    with pytest.raises(ImportClaimLost):
        do_import_rows(run, [], read=1)
    # The queued job does the work.
    assert task_named("subjects.tasks.import_batch").call(batch.pk) == ImportStatus.DONE
    assert Subject.objects.count() == 2


def test_finished_and_command_line_batches_are_not_swept(caseworker: Any) -> None:
    with freeze_time(START):
        done = upload(caseworker)
        task_named("subjects.tasks.import_batch").call(done.pk)
        do_open_import_batch(
            division=Division.objects.get(code=COUNTY_A), source="county", file_name="x.csv", dry_run=False, actor=None
        )
    with freeze_time(START + STALE_AFTER * 3):
        assert do_requeue_lost_imports() == 0


def test_sweep_imports_is_a_periodic_job() -> None:
    from core.jobs import periodic_jobs

    job = next(j for j in periodic_jobs() if j.name == "sweep_imports")
    assert job.task == "subjects.tasks.sweep_imports"
    assert task_named(job.task).call("2026-03-02T09:00:00Z") == 0
