"""Grievances recorded at collection (import or form) become grievance cases, once per text, after the commit."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from accounts.models import User
from audit.models import AuditEvent
from cases.models import Case, Kind
from core import jobs
from petitions import nodes
from petitions.actions_collected import COLLECT_GRACE, do_requeue_uncollected_batches, grievance_hash
from petitions.models import Channel, CollectedBatch, CollectedGrievance, Petition
from subjects.actions import do_register_subject, do_update_subject
from subjects.actions.imports import run_import_batch
from subjects.models import ImportBatch, Subject
from tests.conftest import COUNTY_A
from tests.subjects.conftest import new_id

pytestmark = pytest.mark.django_db

HEADER = ["公民身份号码", "姓名", "人员类别", "户籍区划代码", "民族", "主要诉求"]
BATCH_JOB = "petitions.tasks.open_collected_grievances"
FORM_JOB = "petitions.tasks.open_recorded_grievance"


class Queued:
    """Stands in for the task backend: records what ``core.jobs.enqueue`` hands it, and when."""

    def __init__(self) -> None:
        self.jobs: list[tuple[str, tuple[Any, ...]]] = []

    def named(self, name: str) -> Any:
        queued = self

        class Job:
            def enqueue(self, *args: Any) -> None:
                queued.jobs.append((name, args))

        return Job()


@pytest.fixture
def queued(monkeypatch: pytest.MonkeyPatch) -> Queued:
    """A broker told after the commit (as RQ is): a job exists only once the write committed."""
    fake = Queued()
    monkeypatch.setattr(jobs, "backend_is_transactional", lambda: False)
    monkeypatch.setattr(jobs, "task_named", fake.named)
    return fake


def run_job(name: str, *args: Any) -> int:
    from django.utils.module_loading import import_string

    return import_string(name).call(*args)


def import_rows(tmp_path: Path, rows: list[list[str]], *, by: User | None, name: str = "people.csv") -> ImportBatch:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    writer.writerows(rows)
    path = tmp_path / name
    path.write_bytes(out.getvalue().encode())
    batch = ImportBatch(division_id=COUNTY_A, source="county", file_name=name, created_by=by)
    batch.save()
    done = run_import_batch(batch, path, actor=by, scope_codes=[COUNTY_A])
    assert done is not None
    return done


def grievance_cases(subject: Subject) -> list[Case]:
    return list(Case.objects.filter(subject=subject, kind=Kind.GRIEVANCE).order_by("pk"))


def open_nodes(case: Case) -> set[str]:
    return {
        t.flow_task.name
        for t in Task.objects.filter(process_id=case.process_id, status__in=[STATUS.NEW, STATUS.ASSIGNED])
    }


def test_an_import_with_grievances_queues_one_job_for_the_batch_after_it_commits_and_opens_each_case_once(
    tmp_path: Path, caseworker: User, queued: Queued, django_capture_on_commit_callbacks: Any
) -> None:
    first, second, silent = new_id(COUNTY_A), new_id(COUNTY_A), new_id(COUNTY_A)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        batch = import_rows(
            tmp_path,
            [
                [first, "张三", "退役士兵", COUNTY_A, "汉族", "优待证未补发"],
                [second, "李四", "退役士兵", COUNTY_A, "汉族", "  抚恤金停发  "],
                [silent, "王五", "退役士兵", COUNTY_A, "汉族", "   "],
            ],
            by=caseworker,
        )
    assert queued.jobs == []  # nothing runs inside the import's transactions
    for callback in callbacks:
        callback()
    assert [job for job in queued.jobs if job[0] == BATCH_JOB] == [(BATCH_JOB, (batch.pk,))]
    assert not [job for job in queued.jobs if job[0] == FORM_JOB]  # the rows' hot path queues nothing

    assert run_job(BATCH_JOB, batch.pk) == 2
    assert run_job(BATCH_JOB, batch.pk) == 0  # the job run twice opens nothing more
    zhang = Subject.objects.get(name="张三")
    (case,) = grievance_cases(zhang)
    petition = Petition.objects.get(case=case)
    assert (petition.channel, petition.request, petition.reasons) == (Channel.VISIT, "优待证未补发", "优待证未补发")
    assert (case.division_id[:6], case.filed_by, case.related_case) == (COUNTY_A, caseworker, None)
    assert open_nodes(case) == {nodes.ACCEPT}  # in the county's queue, waiting for acceptance
    assert Petition.objects.get(case__subject__name="李四").request == "抚恤金停发"
    assert grievance_cases(Subject.objects.get(name="王五")) == []
    assert CollectedGrievance.objects.get(case=case).text_hash == grievance_hash("优待证未补发")
    assert AuditEvent.objects.filter(event_type="petition.collected", data__import_batch=batch.pk).count() == 2


def test_a_reimport_of_the_same_text_opens_none_and_a_changed_text_opens_a_new_case_linked_to_the_old(
    tmp_path: Path, caseworker: User
) -> None:
    number = new_id(COUNTY_A)
    first = import_rows(tmp_path, [[number, "张三", "退役士兵", COUNTY_A, "汉族", "优待证未补发"]], by=caseworker)
    assert run_job(BATCH_JOB, first.pk) == 1
    (old,) = grievance_cases(Subject.objects.get(name="张三"))

    # The same text (its spacing aside), another cell changed: the row is updated, no case opened.
    same = import_rows(
        tmp_path, [[number, "张三", "退役士兵", COUNTY_A, "回族", " 优待证未补发 "]], by=caseworker, name="again.csv"
    )
    assert same.updated_count == 1
    assert run_job(BATCH_JOB, same.pk) == 0

    changed = import_rows(
        tmp_path,
        [[number, "张三", "退役士兵", COUNTY_A, "回族", "优待证已补发，但信息有误"]],
        by=caseworker,
        name="new.csv",
    )
    assert run_job(BATCH_JOB, changed.pk) == 1
    cases = grievance_cases(Subject.objects.get(name="张三"))
    assert [c.pk for c in cases][:1] == [old.pk] and len(cases) == 2
    assert cases[1].related_case == old
    assert Petition.objects.get(case=cases[1]).request == "优待证已补发，但信息有误"


def test_a_batch_without_an_uploader_is_registered_by_the_system_account(tmp_path: Path) -> None:
    batch = import_rows(tmp_path, [[new_id(COUNTY_A), "张三", "退役士兵", COUNTY_A, "汉族", "住房困难"]], by=None)
    assert run_job(BATCH_JOB, batch.pk) == 1
    (case,) = grievance_cases(Subject.objects.get(name="张三"))
    assert case.filed_by is not None and case.filed_by.username == "laurel-system"
    assert not case.filed_by.is_active and not case.filed_by.has_usable_password()


def test_a_dry_run_queues_nothing(
    tmp_path: Path, caseworker: User, queued: Queued, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        batch = ImportBatch(
            division_id=COUNTY_A, source="county", file_name="p.csv", created_by=caseworker, dry_run=True
        )
        batch.save()
        path = tmp_path / "p.csv"
        path.write_text(",".join(HEADER) + f"\n{new_id(COUNTY_A)},张三,退役士兵,{COUNTY_A},汉族,住房困难\n")
        run_import_batch(batch, path, actor=caseworker, scope_codes=[COUNTY_A])
    assert not [job for job in queued.jobs if job[0] == BATCH_JOB]
    assert run_job(BATCH_JOB, batch.pk) == 0


def test_grievances_saved_through_the_form_open_a_case_after_the_commit_and_a_change_opens_a_linked_one(
    caseworker: User, queued: Queued, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        subject = do_register_subject(
            division=COUNTY_A,
            id_number=new_id(COUNTY_A),
            name="张三",
            category="retired_soldier",
            grievances="医疗报销困难",
            actor=caseworker,
        )
        assert queued.jobs == []
    for callback in callbacks:
        callback()
    assert queued.jobs == [(FORM_JOB, (subject.pk, caseworker.pk))]
    assert run_job(FORM_JOB, subject.pk, caseworker.pk) == 1
    (old,) = grievance_cases(subject)
    assert old.filed_by == caseworker

    queued.jobs.clear()
    with django_capture_on_commit_callbacks(execute=True):
        do_update_subject(subject, changes={"name": "张三丰"}, provenance="caseworker_entry", actor=caseworker)
    assert queued.jobs == []  # the grievances did not change

    with django_capture_on_commit_callbacks(execute=True):
        do_update_subject(
            subject, changes={"grievances": "医疗报销仍未解决"}, provenance="caseworker_entry", actor=caseworker
        )
    assert queued.jobs == [(FORM_JOB, (subject.pk, caseworker.pk))]
    assert run_job(FORM_JOB, subject.pk, caseworker.pk) == 1
    assert run_job(FORM_JOB, subject.pk, caseworker.pk) == 0
    new = grievance_cases(subject)[-1]
    assert new.pk != old.pk and new.related_case == old

    queued.jobs.clear()
    with django_capture_on_commit_callbacks(execute=True):
        do_update_subject(subject, changes={"grievances": ""}, provenance="caseworker_entry", actor=caseworker)
    assert queued.jobs == []  # an emptied text opens nothing


def test_the_sweep_queues_again_a_finished_batch_whose_grievances_job_was_lost(
    tmp_path: Path, caseworker: User, queued: Queued, django_capture_on_commit_callbacks: Any
) -> None:
    lost = import_rows(tmp_path, [[new_id(COUNTY_A), "张三", "退役士兵", COUNTY_A, "汉族", "住房困难"]], by=caseworker)
    opened = import_rows(
        tmp_path, [[new_id(COUNTY_A), "李四", "退役士兵", COUNTY_A, "汉族", "就业安置"]], by=caseworker, name="b.csv"
    )
    assert run_job(BATCH_JOB, opened.pk) == 1
    assert CollectedBatch.objects.get(import_batch=opened).opened == 1
    queued.jobs.clear()
    assert lost.finished_at is not None
    with django_capture_on_commit_callbacks(execute=True):
        assert do_requeue_uncollected_batches(now=lost.finished_at + COLLECT_GRACE / 2) == 0  # not yet
        assert do_requeue_uncollected_batches(now=lost.finished_at + COLLECT_GRACE * 2) == 1
    assert queued.jobs == [(BATCH_JOB, (lost.pk,))]
    assert run_job(BATCH_JOB, lost.pk) == 1
    assert do_requeue_uncollected_batches(now=lost.finished_at + COLLECT_GRACE * 2) == 0
