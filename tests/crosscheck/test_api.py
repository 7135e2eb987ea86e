"""``POST /api/v1/feeds/<department>/``: a department token pushes only its own department's feed."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from crosscheck.actions import do_issue_feed_token, do_revoke_feed_token
from crosscheck.models import DatasetBatch
from jurisdictions.models import Department

from .conftest import DEATHS, csv_bytes, new_id

URL = "/api/v1/feeds/{}/"


def client_with(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Feed {key}")
    return client


def upload(rows=None) -> dict:
    data = csv_bytes(DEATHS, rows or [[new_id(), "张三", "2025-01-01"]])
    return {"file": SimpleUploadedFile("deaths.csv", data, content_type="text/csv")}


def test_department_token_pushes_its_own_feed(db):
    _token, key = do_issue_feed_token(name="公安部人口库", department=Department.PUBLIC_SECURITY, actor=None)
    response = client_with(key).post(URL.format("public_security"), upload(), format="multipart")
    assert response.status_code == 201, response.content
    assert response.json()["layout"] == "public_security.deaths"
    batch = DatasetBatch.objects.get()
    assert batch.token is not None and batch.loaded_rows == 1


def test_same_file_pushed_twice_is_loaded_once(db):
    _token, key = do_issue_feed_token(name="公安部人口库", department=Department.PUBLIC_SECURITY, actor=None)
    rows = [[new_id(), "张三", "2025-01-01"]]
    client = client_with(key)
    assert client.post(URL.format("public_security"), upload(rows), format="multipart").status_code == 201
    assert client.post(URL.format("public_security"), upload(rows), format="multipart").status_code == 200
    assert DatasetBatch.objects.count() == 1


def test_department_token_cannot_push_another_departments_feed(db):
    _token, key = do_issue_feed_token(name="民政", department=Department.CIVIL_AFFAIRS, actor=None)
    response = client_with(key).post(URL.format("public_security"), upload(), format="multipart")
    assert response.status_code == 403
    assert not DatasetBatch.objects.exists()


def test_unknown_revoked_or_missing_token_is_refused(db, caseworker, api_as):
    token, key = do_issue_feed_token(name="公安", department=Department.PUBLIC_SECURITY, actor=None)
    assert client_with("nope").post(URL.format("public_security"), upload(), format="multipart").status_code == 401
    do_revoke_feed_token(token, actor=None)
    assert client_with(key).post(URL.format("public_security"), upload(), format="multipart").status_code == 401
    # A staff user's own API token is not a department feed token.
    assert api_as(caseworker).post(URL.format("public_security"), upload(), format="multipart").status_code in (
        401,
        403,
    )
    assert not DatasetBatch.objects.exists()


def test_bad_file_is_400_with_the_reason(db):
    _token, key = do_issue_feed_token(name="公安", department=Department.PUBLIC_SECURITY, actor=None)
    bad = {"file": SimpleUploadedFile("x.csv", b"foo,bar\n1,2\n", content_type="text/csv")}
    response = client_with(key).post(URL.format("public_security"), bad, format="multipart")
    assert response.status_code == 400 and "file" in response.json()


def test_unknown_department_is_404(db):
    _token, key = do_issue_feed_token(name="公安", department=Department.PUBLIC_SECURITY, actor=None)
    assert client_with(key).post(URL.format("nowhere"), upload(), format="multipart").status_code == 404
