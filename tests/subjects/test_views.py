"""Subject pages: scoped, masked, field errors in Chinese, reveal recorded, outsiders get 404."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from audit.models import AuditEvent
from subjects import ids
from subjects.models import IdReveal, ImportBatch, ImportStatus, Subject
from tests.conftest import COUNTY_A

from .conftest import new_id

pytestmark = pytest.mark.django_db
SOURCE = {"source": "caseworker_entry"}


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def full_number(subject: Subject) -> str:
    return ids.decrypt(subject.id_number_encrypted)


def test_search_lists_own_subjects_masked(subject_a: Subject, subject_b: Subject, caseworker: Any) -> None:
    response = client_for(caseworker).get(reverse("subjects:search"))
    body = response.content.decode()
    assert response.status_code == 200
    assert subject_a.name in body and subject_a.id_number_masked in body
    assert subject_b.name not in body
    assert full_number(subject_a) not in body


def test_lookup_by_full_number_is_posted_and_exact(subject_a: Subject, caseworker: Any) -> None:
    client = client_for(caseworker)
    response = client.post(reverse("subjects:search"), {"id_number": full_number(subject_a).lower()})
    body = response.content.decode()
    assert subject_a.name in body
    assert full_number(subject_a) not in body.replace(f'value="{full_number(subject_a).lower()}"', "")
    other = client.post(reverse("subjects:search"), {"id_number": new_id()}).content.decode()
    assert subject_a.name not in other


def test_a_lookup_by_full_number_is_recorded_found_or_not_and_never_with_the_number(
    subject_a: Subject, caseworker: Any
) -> None:
    client = client_for(caseworker)
    client.post(reverse("subjects:search"), {"id_number": full_number(subject_a)})
    found = AuditEvent.objects.get(event_type="subject.looked_up")
    assert found.object_id == str(subject_a.pk) and found.data["where"] == "register_search"
    assert full_number(subject_a) not in str(found.data)
    client.post(reverse("subjects:search"), {"id_number": new_id()})
    missed = AuditEvent.objects.filter(event_type="subject.looked_up").exclude(pk=found.pk).get()
    assert missed.data["found"] == 0
    client.get(reverse("subjects:search"), {"name": subject_a.name})  # a search by name is no look-up
    assert AuditEvent.objects.filter(event_type="subject.looked_up").count() == 2


def test_detail_shows_every_section_masked_with_provenance(subject_a: Subject, caseworker: Any) -> None:
    response = client_for(caseworker).get(reverse("subjects:detail", args=[subject_a.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    for heading in ("个人基本信息", "服役信息", "生活状况", "主要诉求", "签字确认", "享受待遇", "相关人员"):
        assert heading in body, heading
    assert subject_a.id_number_masked in body
    assert full_number(subject_a) not in body
    assert "经办人录入" in body
    assert "登记服务对象" in body  # the history section, by the event's name
    assert "subject.registered" not in body


@pytest.mark.parametrize(
    ("name", "method"),
    [
        ("subjects:detail", "get"),
        ("subjects:edit", "get"),
        ("subjects:edit", "post"),
        ("subjects:reveal", "get"),
        ("subjects:reveal", "post"),
        ("subjects:photo", "get"),
        ("subjects:add_benefit", "get"),
        ("subjects:add_benefit", "post"),
    ],
)
def test_an_outsider_gets_404_for_every_subject_page(
    subject_a: Subject, caseworker_b: Any, name: str, method: str
) -> None:
    client = client_for(caseworker_b)
    response = getattr(client, method)(reverse(name, args=[subject_a.pk]), {"reason": "x"})
    assert response.status_code == 404


def test_an_outsider_gets_404_for_another_countys_import(tmp_path: Any, caseworker: Any, caseworker_b: Any) -> None:
    batch = ImportBatch(division_id=COUNTY_A, source="county", file_name="a.csv", sha256="0" * 64)
    batch.save()
    client = client_for(caseworker_b)
    for name in ("subjects:import_detail", "subjects:import_progress", "subjects:import_errors"):
        assert client.get(reverse(name, args=[batch.pk])).status_code == 404


def test_create_registers_and_redirects(caseworker: Any) -> None:
    number = new_id()
    response = client_for(caseworker).post(
        reverse("subjects:create"),
        {
            "name": "赵䶮",
            "id_number": number,
            "category": "retired_soldier",
            "division": COUNTY_A,
            "source": "caseworker_entry",
        },
    )
    subject = Subject.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("subjects:detail", args=[subject.pk])
    assert subject.name == "赵䶮"
    assert subject.created_by == caseworker


def test_create_shows_field_level_messages_in_chinese(caseworker: Any) -> None:
    bad = new_id()[:-1] + "0"
    if ids.is_valid(bad):
        bad = bad[:-1] + "1"
    response = client_for(caseworker).post(
        reverse("subjects:create"),
        {"name": "", "id_number": bad, "category": "x", "division": COUNTY_A, "source": "caseworker_entry"},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "校验码" in body
    assert "这个字段是必填项" in body or "必填" in body
    assert not Subject.objects.exists()


def test_registering_someone_on_file_elsewhere_names_only_the_county(subject_b: Subject, caseworker: Any) -> None:
    response = client_for(caseworker).post(
        reverse("subjects:create"),
        {
            "name": "李四",
            "id_number": full_number(subject_b),
            "category": "retired_soldier",
            "division": COUNTY_A,
            "source": "caseworker_entry",
        },
    )
    body = response.content.decode()
    assert "该人员已在越秀区登记" in body
    assert Subject.objects.count() == 1


def test_edit_records_the_change(subject_a: Subject, caseworker: Any) -> None:
    response = client_for(caseworker).post(
        reverse("subjects:edit", args=[subject_a.pk]),
        {
            "name": subject_a.name,
            "category": subject_a.category,
            "status": "active",
            "division": COUNTY_A,
            "employment": "farming",
            "source": "self_declared",
        },
    )
    assert response.status_code == 302
    subject_a.refresh_from_db()
    assert subject_a.employment == "farming"
    assert subject_a.provenance_of("employment")["source"] == "self_declared"


def test_supervisor_may_see_but_not_reveal_or_edit(subject_a: Subject, supervisor: Any) -> None:
    client = client_for(supervisor)
    assert client.get(reverse("subjects:detail", args=[subject_a.pk])).status_code == 200
    assert client.post(reverse("subjects:reveal", args=[subject_a.pk]), {"reason": "好奇"}).status_code == 403
    assert client.get(reverse("subjects:edit", args=[subject_a.pk])).status_code == 403
    assert not IdReveal.objects.exists()


def test_reveal_needs_a_reason_shows_the_number_once_and_is_recorded(subject_a: Subject, caseworker: Any) -> None:
    client = client_for(caseworker)
    url = reverse("subjects:reveal", args=[subject_a.pk])
    empty = client.post(url, {"reason": ""})
    assert full_number(subject_a) not in empty.content.decode()
    assert not IdReveal.objects.exists()
    response = client.post(url, {"reason": "办理抚恤核对身份"})
    assert full_number(subject_a) in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    reveal = IdReveal.objects.get()
    assert (reveal.user, reveal.subject_id, reveal.reason) == (caseworker, subject_a.pk, "办理抚恤核对身份")


def test_export_is_masked_and_formula_safe(make_subject: Callable[..., Subject], caseworker: Any) -> None:
    subject = make_subject(name="王五", employer="=HYPERLINK(1)")
    response = client_for(caseworker).get(reverse("subjects:export"))
    body = b"".join(response.streaming_content).decode("utf-8-sig")  # type: ignore[attr-defined]
    assert subject.id_number_masked in body
    assert full_number(subject) not in body
    make_subject(name="@SUM(A1)")  # a name can start with @ only via the action; export still neutralises
    body = b"".join(client_for(caseworker).get(reverse("subjects:export")).streaming_content).decode()  # type: ignore[attr-defined]
    assert "'@SUM(A1)" in body and ",@SUM" not in body


def test_upload_runs_in_the_background_and_reports_progress(
    caseworker: Any, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    content = f"公民身份号码,姓名,人员类别,户籍区划代码\n{new_id()},甲,退役士兵,{COUNTY_A}\n1,乙,退役士兵,{COUNTY_A}\n"
    upload = SimpleUploadedFile("people.csv", content.encode("gb18030"), content_type="text/csv")
    client = client_for(caseworker)
    with django_capture_on_commit_callbacks(execute=True):  # a backend outside the database runs after commit
        response = client.post(reverse("subjects:imports"), {"source": "county", "file": upload})
    batch = ImportBatch.objects.get()
    assert response.status_code == 302
    assert batch.status == ImportStatus.DONE, batch.message
    assert (batch.created_count, batch.rejected_count) == (1, 1)
    progress = client.get(reverse("subjects:import_progress", args=[batch.pk])).json()
    assert progress["percent"] == 100 and progress["finished"]
    errors = client.get(reverse("subjects:import_errors", args=[batch.pk]))
    assert errors.status_code == 200
    text = b"".join(errors.streaming_content).decode("utf-8-sig")  # type: ignore[attr-defined]
    rows = list(csv.reader(io.StringIO(text)))[1:]
    assert [(row[0], row[2]) for row in rows] == [("3", "*")]  # the bad row; an ID value is never echoed
    opened = AuditEvent.objects.get(event_type="subject.import_opened")
    assert (opened.actor, opened.object_id, opened.data["background"]) == (caseworker, str(batch.pk), True)


def test_templates_download(caseworker: Any) -> None:
    response = client_for(caseworker).get(reverse("subjects:import_template", args=["military"]))
    assert response.content.decode("utf-8-sig").startswith("公民身份号码,姓名,人员类别,户籍区划代码")


def test_birth_date_of_a_subject_is_derived(caseworker: Any) -> None:
    number = ids.build(COUNTY_A, dt.date(1955, 7, 1), 21)
    client_for(caseworker).post(
        reverse("subjects:create"),
        {
            "name": "钱",
            "id_number": number,
            "category": "retired_officer",
            "division": COUNTY_A,
            "source": "caseworker_entry",
        },
    )
    assert Subject.objects.get().birth_date == dt.date(1955, 7, 1)


def test_a_caseworker_records_a_benefit_already_received(subject_a: Subject, caseworker: Any) -> None:
    from audit.models import AuditEvent

    url = reverse("subjects:add_benefit", args=[subject_a.pk])
    data = {"benefit_type": "state_pension", "amount": "1520.00", "start": "2019-07-01", "source": "self_declared"}
    response = client_for(caseworker).post(url, data)
    assert response.status_code == 302
    benefit = subject_a.benefits.get()
    assert (benefit.benefit_type, str(benefit.amount), benefit.provenance) == (
        "state_pension",
        "1520.00",
        "self_declared",
    )
    assert AuditEvent.objects.filter(event_type="subject.benefit_added", actor=caseworker).exists()


def test_a_benefit_form_error_is_shown_in_chinese_and_nothing_is_stored(subject_a: Subject, caseworker: Any) -> None:
    url = reverse("subjects:add_benefit", args=[subject_a.pk])
    data = {"benefit_type": "state_pension", "amount": "-5", "start": "2019-07-01", "source": "self_declared"}
    response = client_for(caseworker).post(url, data)
    assert response.status_code == 200
    assert "确保该值大于或等于0" in response.content.decode()
    assert not subject_a.benefits.exists()


def test_an_approved_case_is_not_a_source_one_can_pick_by_hand(subject_a: Subject, caseworker: Any) -> None:
    url = reverse("subjects:add_benefit", args=[subject_a.pk])
    data = {"benefit_type": "state_pension", "amount": "10", "start": "2019-07-01", "source": "approved_case"}
    response = client_for(caseworker).post(url, data)
    assert response.status_code == 200
    assert not subject_a.benefits.exists()


def test_a_liaison_may_see_but_not_record_benefits(subject_a: Subject, make_user: Callable[..., Any]) -> None:
    liaison = make_user("liaison", "liaison", COUNTY_A, department="housing")
    response = client_for(liaison).get(reverse("subjects:add_benefit", args=[subject_a.pk]))
    assert response.status_code == 403
