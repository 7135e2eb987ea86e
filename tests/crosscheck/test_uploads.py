"""Department data in the browser: supervisors and the department's liaisons upload a file (the
feed's action) through the page or ``POST /api/v1/crosscheck/datasets/``, download the rejected
rows, and start a run from the page or ``POST /api/v1/crosscheck/runs/``.
"""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from audit.models import AuditEvent
from crosscheck.models import DatasetBatch, Run
from jurisdictions.models import Department
from tests.conftest import COUNTY_A, COUNTY_B, OTHER_PROVINCE

from .conftest import DEATHS, csv_bytes, new_id

PS = Department.PUBLIC_SECURITY
DATASETS = "/api/v1/crosscheck/datasets/"
RUNS = "/api/v1/crosscheck/runs/"


def deaths_file(bad: bool = True) -> SimpleUploadedFile:
    rows = [[new_id(), "张三", "2025-01-01"], [new_id(), "李四", "2025-02-01"]]
    if bad:
        rows.insert(1, ["110101190001010000", "王五", "2025-13-01"])
    return SimpleUploadedFile("deaths.csv", csv_bytes(DEATHS, rows), content_type="text/csv")


@pytest.fixture
def outsider(make_user):
    return make_user("outsider", "supervisor", OTHER_PROVINCE)


@pytest.fixture
def zh():
    with translation.override("zh-hans"):
        yield


def test_supervisor_uploads_a_file_with_a_bad_row_through_the_page_and_keeps_the_good_rows(client, supervisor_a, zh):
    client.force_login(supervisor_a)
    assert 'href="/crosscheck/upload/"' in client.get("/crosscheck/batches/").content.decode()
    page = client.get("/crosscheck/upload/")
    assert page.status_code == 200 and 'id="dataset-upload"' in page.content.decode()
    response = client.post("/crosscheck/upload/", {"department": PS, "layout": "", "file": deaths_file()})
    batch = DatasetBatch.objects.get()
    assert response.status_code == 302 and response.url == f"/crosscheck/batches/{batch.pk}/"
    assert (batch.loaded_rows, batch.rejected_rows, batch.coverage_code) == (2, 1, COUNTY_A)
    assert batch.loaded_by == supervisor_a
    assert {e["row"] for e in batch.errors} == {3}
    detail = client.get(response.url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "errors.csv" in detail
    errors = client.get(f"/crosscheck/batches/{batch.pk}/errors.csv", HTTP_ACCEPT_LANGUAGE="zh-hans")
    text = errors.content.decode("utf-8-sig")
    assert errors["Content-Type"].startswith("text/csv")
    lines = text.strip().splitlines()
    assert lines[0] == "行号,列,原因" and lines[1].startswith("3,")
    assert AuditEvent.objects.filter(event_type="crosscheck.dataset_loaded", actor_id=supervisor_a.pk).exists()


def test_an_unusable_file_is_refused_on_the_page_with_its_reason_and_nothing_stored(client, supervisor_a):
    client.force_login(supervisor_a)
    bad = SimpleUploadedFile("x.csv", b"foo,bar\n1,2\n", content_type="text/csv")
    response = client.post("/crosscheck/upload/", {"department": PS, "file": bad}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 400 and 'class="errors"' in response.content.decode()
    assert not DatasetBatch.objects.exists()


def test_liaison_uploads_their_own_department_through_the_api_and_sees_the_batch(api_as, liaison_ps, client):
    response = api_as(liaison_ps).post(DATASETS, {"department": PS, "file": deaths_file()}, format="multipart")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["loaded_rows"], body["rejected_rows"], body["coverage_code"]) == (2, 1, COUNTY_A)
    assert body["errors"][0]["row"] == 3
    again = api_as(liaison_ps).post(DATASETS, {"department": PS, "file": deaths_file(bad=False)}, format="multipart")
    assert again.status_code == 201
    client.force_login(liaison_ps)
    assert client.get(f"/crosscheck/batches/{body['id']}/").status_code == 200
    assert client.get(f"/crosscheck/batches/{body['id']}/errors.csv").status_code == 200


def test_the_api_reports_bad_rows_in_chinese(api_as, supervisor_a):
    client = api_as(supervisor_a)
    response = client.post(
        DATASETS, {"department": PS, "file": deaths_file()}, format="multipart", HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert response.status_code == 201
    reasons = " ".join(e["reason"] for e in response.json()["errors"])
    assert any("\u4e00" <= ch <= "\u9fff" for ch in reasons), reasons


def test_rows_outside_the_uploaders_division_are_rejected(api_as, supervisor_a):
    rows = [[new_id(COUNTY_A), "张三", "2025-01-01", COUNTY_A], [new_id(COUNTY_B), "李四", "2025-01-01", COUNTY_B]]
    upload = SimpleUploadedFile("d.csv", csv_bytes([*DEATHS, "户籍地区划代码"], rows), content_type="text/csv")
    response = api_as(supervisor_a).post(DATASETS, {"department": PS, "file": upload}, format="multipart")
    assert response.status_code == 201, response.content
    assert (response.json()["loaded_rows"], response.json()["rejected_rows"]) == (1, 1)


def test_liaison_of_another_department_and_caseworker_are_refused(api_as, liaison_ca, caseworker, client):
    assert (
        api_as(liaison_ca).post(DATASETS, {"department": PS, "file": deaths_file()}, format="multipart").status_code
        == 403
    )
    assert (
        api_as(caseworker).post(DATASETS, {"department": PS, "file": deaths_file()}, format="multipart").status_code
        == 403
    )
    client.force_login(caseworker)
    assert client.get("/crosscheck/upload/").status_code == 403
    assert not DatasetBatch.objects.exists()


def test_outsider_gets_404_for_a_division_outside_their_jurisdiction(api_as, outsider, client, supervisor_a):
    response = api_as(outsider).post(
        DATASETS, {"department": PS, "division": COUNTY_A, "file": deaths_file()}, format="multipart"
    )
    assert response.status_code == 404
    assert api_as(outsider).post(RUNS, {"division": COUNTY_A}, format="json").status_code == 404
    client.force_login(outsider)
    assert (
        client.post("/crosscheck/upload/", {"department": PS, "division": COUNTY_A, "file": deaths_file()}).status_code
        == 404
    )
    batch_by_a = api_as(supervisor_a).post(DATASETS, {"department": PS, "file": deaths_file()}, format="multipart")
    pk = batch_by_a.json()["id"]
    assert client.get(f"/crosscheck/batches/{pk}/errors.csv").status_code == 404
    assert DatasetBatch.objects.count() == 1


def test_missing_department_names_the_field(api_as, supervisor_a):
    response = api_as(supervisor_a).post(DATASETS, {"file": deaths_file()}, format="multipart")
    assert response.status_code == 400 and "department" in response.json()


def test_supervisor_starts_a_run_from_the_page(client, supervisor_a):
    client.force_login(supervisor_a)
    client.post("/crosscheck/upload/", {"department": PS, "file": deaths_file()})
    home = client.get("/crosscheck/").content.decode()
    assert 'id="start-run"' in home
    response = client.post("/crosscheck/runs/start/", {"department": PS})
    run = Run.objects.get()
    assert response.status_code == 302 and response.url == f"/crosscheck/runs/{run.pk}/"
    assert (run.status, run.division_code, run.department, run.started_by) == ("done", COUNTY_A, PS, supervisor_a)


def test_supervisor_starts_a_run_through_the_api_and_others_may_not(api_as, supervisor_a, caseworker, liaison_ca):
    response = api_as(supervisor_a).post(RUNS, {}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["division_code"] == COUNTY_A and response.json()["status"] == "done"
    assert api_as(caseworker).post(RUNS, {}, format="json").status_code == 403
    assert api_as(liaison_ca).post(RUNS, {}, format="json").status_code == 403  # a run of every department
    assert api_as(liaison_ca).post(RUNS, {"department": "civil_affairs"}, format="json").status_code == 201


def test_the_schema_declares_the_upload_and_run_operations(api_client):
    schema = api_client.get("/api/schema/", {"format": "json"}).json()
    upload = schema["paths"][DATASETS]["post"]
    body = upload["requestBody"]["content"]["multipart/form-data"]["schema"]
    ref = body["$ref"].rsplit("/", 1)[-1]
    assert set(schema["components"]["schemas"][ref]["required"]) >= {"department", "file"}
    assert {"201", "400", "403", "404"} <= set(upload["responses"])
    assert {"201", "403", "404"} <= set(schema["paths"][RUNS]["post"]["responses"])
