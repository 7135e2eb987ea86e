"""Checker processes (``LAUREL_IMPORT_WORKERS``) import a file exactly as the job's own process does.

The same file, in chunks of three, once in one process and once with two forked checker
processes: the same people written, the same counts, the same error report (a repeated person
across chunks included: that check stays in the parent).
"""

from __future__ import annotations

import os
import signal
from pathlib import Path
from typing import Any

import pytest

from jurisdictions.models import Division
from subjects.actions import imports
from subjects.actions.imports import do_open_import_batch, run_import_batch
from subjects.models import ImportBatch, Subject
from tests.conftest import COUNTY_A

from .conftest import new_id

pytestmark = pytest.mark.django_db


def _file(tmp_path: Path) -> Path:
    people = [new_id() for _ in range(7)]
    lines = ["公民身份号码,姓名,人员类别,户籍区划代码"]
    for n, number in enumerate(people):
        lines.append(f"{number},王{'一二三四五六七'[n]},退役士兵,{COUNTY_A}")
        if n % 3 == 1:
            lines.append(f"110105194912310021,李四,退役士兵,{COUNTY_A}")  # a wrong check character
    lines.append(f"{people[1]},王二,退役士兵,{COUNTY_A}")  # the same person as row 3, chunks later
    path = tmp_path / "people.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _import(path: Path) -> ImportBatch:
    batch = do_open_import_batch(
        division=Division.objects.get(code=COUNTY_A), source="county", file_name=path.name, dry_run=True, actor=None
    )
    done = run_import_batch(batch, path, actor=None, scope_codes=[COUNTY_A], batch_size=3)
    assert done is not None
    return done


def _outcome(batch: ImportBatch) -> tuple[Any, ...]:
    report = batch.error_file.read().decode("utf-8-sig")
    return batch.status, batch.processed_rows, batch.created_count, batch.rejected_count, report


def test_two_checker_processes_import_exactly_as_one_process(tmp_path: Path, settings: Any) -> None:
    path = _file(tmp_path)
    settings.LAUREL_IMPORT_WORKERS = 0
    alone = _outcome(_import(path))
    settings.LAUREL_IMPORT_WORKERS = 2
    parallel = _outcome(_import(path))
    assert alone == parallel
    assert alone[:4] == ("done", 10, 7, 3)
    assert "同一人" in alone[4] or "same person" in alone[4]
    assert not Subject.objects.exists()  # dry runs


def test_checker_processes_write_the_people(tmp_path: Path, settings: Any) -> None:
    settings.LAUREL_IMPORT_WORKERS = 2
    path = _file(tmp_path)
    batch = do_open_import_batch(
        division=Division.objects.get(code=COUNTY_A), source="county", file_name=path.name, dry_run=False, actor=None
    )
    done = run_import_batch(batch, path, actor=None, scope_codes=[COUNTY_A], batch_size=3)
    assert done is not None and done.created_count == 7
    assert Subject.objects.count() == 7


def test_pieces_smaller_than_a_chunk_are_written_as_whole_chunks(
    tmp_path: Path, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _file(tmp_path)
    settings.LAUREL_IMPORT_WORKERS = 0
    alone = _outcome(_import(path))
    settings.LAUREL_IMPORT_WORKERS = 2
    monkeypatch.setattr(imports, "PIECE_ROWS", 2)  # a chunk of 3 rows goes out as pieces of 2 and 1
    written: list[int] = []
    batch = do_open_import_batch(
        division=Division.objects.get(code=COUNTY_A), source="county", file_name=path.name, dry_run=True, actor=None
    )
    done = run_import_batch(batch, path, actor=None, scope_codes=[COUNTY_A], batch_size=3, progress=written.append)
    assert done is not None and _outcome(done) == alone
    assert written == [3, 3, 3, 1]


_SPIED: dict[str, Any] = {}


def _spy_parse_chunk(chunk: Any) -> Any:
    """Runs in a checker process (forked after the patch): notes how it would take a SIGTERM."""
    into: Path = _SPIED["into"]
    (into / f"sigterm-{os.getpid()}").write_text(str(signal.getsignal(signal.SIGTERM) is signal.SIG_DFL))
    return _SPIED["real"](chunk)


def test_checker_processes_die_on_sigterm_even_under_a_worker_that_catches_it(
    tmp_path: Path, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The import job runs inside ``db_worker``, whose SIGTERM handler only asks it to stop: inherited by
    the checker processes, it kept one blocked on the pool's queue alive through the pool's ``terminate``,
    which then waited for it forever."""
    _SPIED.update(real=imports._parse_chunk, into=tmp_path)
    monkeypatch.setattr(imports, "_parse_chunk", _spy_parse_chunk)
    before = signal.signal(signal.SIGTERM, lambda signum, frame: None)  # as db_worker's shutdown
    try:
        settings.LAUREL_IMPORT_WORKERS = 2
        done = _import(_file(tmp_path))
    finally:
        signal.signal(signal.SIGTERM, before)
    assert done.status == "done"
    seen = [p.read_text() for p in tmp_path.glob("sigterm-*")]
    assert seen and set(seen) == {"True"}
