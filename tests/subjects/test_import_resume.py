"""A batch whose worker died resumes after its last committed chunk, under a lease, and finishes once.

The worker's death is simulated by an exception the run does not catch (a ``BaseException``,
as a killed process leaves no chance to clean up) right after a chunk commits: the batch is
left running with two chunks written. When its lease lapses, the sweep puts it back in the
queue; the job that runs next skips what was committed (rows, counts, reported errors) and
writes the rest. Nothing is written or reported twice, and the batch finishes exactly once.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from freezegun import freeze_time

from audit.models import AuditEvent
from core.jobs import task_named
from jurisdictions.models import Division
from subjects.actions import imports
from subjects.actions.imports import STALE_AFTER, do_open_import_batch, do_requeue_lost_imports, error_spool
from subjects.models import ImportBatch, ImportStatus, Subject
from tests.conftest import COUNTY_A

from .conftest import new_id

pytestmark = pytest.mark.django_db
START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


class WorkerDied(BaseException):
    """The process ends here: nothing after this line runs (no cleanup, no failure recorded)."""


def _file() -> tuple[bytes, str]:
    """Nine rows in chunks of three: the third of each chunk bad; row 9 repeats row 2's person."""
    ids_ = [new_id() for _ in range(6)]
    lines = ["公民身份号码,姓名,人员类别,户籍区划代码"]
    good = iter(ids_)
    for chunk in range(3):
        for _ in range(2):
            lines.append(f"{next(good)},王{'一二三四五六'[len(lines) % 6]},退役士兵,{COUNTY_A}")
        lines.append(f"{ids_[0] if chunk == 2 else '110105194912310021'},李四,退役士兵,{COUNTY_A}")
    return ("\n".join(lines) + "\n").encode(), ids_[0]


def _upload(caseworker: Any) -> ImportBatch:
    content, _first = _file()
    return do_open_import_batch(
        division=Division.objects.get(code=COUNTY_A),
        source="county",
        file_name="people.csv",
        dry_run=False,
        actor=caseworker,
        upload=SimpleUploadedFile("people.csv", content),
    )


def _die_after_chunks(monkeypatch: pytest.MonkeyPatch, chunks: int) -> None:
    real = imports.do_import_rows
    written: list[int] = []

    def do_import_rows(run: Any, rows: Any, *, read: int) -> None:
        real(run, rows, read=read)
        written.append(read)
        if len(written) == chunks:
            raise WorkerDied

    monkeypatch.setattr(imports, "do_import_rows", do_import_rows)


def test_a_batch_whose_worker_died_resumes_from_its_last_committed_chunk_and_finishes_once(
    caseworker: Any, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.LAUREL_IMPORT_BATCH_SIZE = 3
    job = task_named("subjects.tasks.import_batch")
    with freeze_time(START):
        batch = _upload(caseworker)
        _die_after_chunks(monkeypatch, 2)
        with pytest.raises(WorkerDied):
            job.call(batch.pk)
    monkeypatch.undo()
    batch.refresh_from_db()
    assert (batch.status, batch.processed_rows, batch.created_count, batch.rejected_count) == ("running", 6, 4, 2)
    assert Subject.objects.count() == 4
    with freeze_time(START + STALE_AFTER - dt.timedelta(seconds=1)):
        assert do_requeue_lost_imports() == 0  # the lease still holds
    with freeze_time(START + STALE_AFTER + dt.timedelta(seconds=1)):
        assert do_requeue_lost_imports() == 1
        assert job.call(batch.pk) == ImportStatus.DONE
        assert job.call(batch.pk) == "skipped"
    with freeze_time(START + STALE_AFTER * 3):
        assert do_requeue_lost_imports() == 0
    batch.refresh_from_db()
    assert (batch.processed_rows, batch.created_count, batch.updated_count, batch.rejected_count) == (9, 6, 0, 3)
    assert Subject.objects.count() == 6
    report = list(csv.reader(io.StringIO(batch.error_file.read().decode("utf-8-sig"))))
    assert [row[0] for row in report[1:]] == ["4", "7", "10"]  # each bad row once, in file order
    assert "2" in report[3][3]  # row 10 repeats row 2, written before the death
    assert AuditEvent.objects.filter(event_type="subject.import_batch").count() == 1
    assert not error_spool(batch).exists()


def test_a_command_line_batch_whose_process_died_is_closed_as_failed_once(caseworker: Any, tmp_path: Any) -> None:
    content, _first = _file()
    path = tmp_path / "people.csv"
    path.write_bytes(content)
    with freeze_time(START):
        batch = do_open_import_batch(
            division=Division.objects.get(code=COUNTY_A),
            source="county",
            file_name="people.csv",
            dry_run=False,
            actor=None,
        )
        assert imports.do_claim_import_batch(batch) is not None
    with freeze_time(START + STALE_AFTER + dt.timedelta(seconds=1)):
        assert do_requeue_lost_imports() == 1
        assert do_requeue_lost_imports() == 0
    batch.refresh_from_db()
    assert (batch.status, batch.claim) == (ImportStatus.FAILED, "")
    assert "进程已停止" in batch.message  # in Chinese, the language of the office
