"""The public door's API: the same rules as the pages, in JSON."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from rest_framework.test import APIClient

from cases.models import Case

pytestmark = pytest.mark.django_db

CODE, TRACK, RATE = "/api/v1/public/track/code/", "/api/v1/public/track/", "/api/v1/public/ratings/"


def test_asking_for_a_code_is_202_whether_or_not_the_case_exists(
    api_client: APIClient, case: Case, person_id: str, texts
) -> None:
    before = len(texts())
    real = api_client.post(CODE, {"case": case.number, "id_last6": person_id[-6:]}, format="json")
    fake = api_client.post(CODE, {"case": "440106-2026-999999", "id_last6": person_id[-6:]}, format="json")
    assert real.status_code == fake.status_code == 202
    assert real.json() == fake.json()
    assert len(texts()) == before + 1


def test_the_texted_code_returns_the_public_view_and_nothing_internal(
    api_client: APIClient, case: Case, person_id: str, last_code: Callable[[], str], caseworker
) -> None:
    api_client.post(CODE, {"case": case.query_code, "id_last6": person_id[-6:]}, format="json")
    answer = api_client.post(
        TRACK, {"case": case.query_code, "id_last6": person_id[-6:], "sms_code": last_code()}, format="json"
    )
    assert answer.status_code == 200
    body = answer.json()
    assert body["number"] == case.number
    assert body["steps"][0]["on"] and body["steps"][0]["what"]
    assert body["handled_by"] and body["due_on"]
    assert body["can_rate"] is False and body["pass_token"]
    assert caseworker.username not in answer.content.decode()
    assert answer["Cache-Control"] == "no-store"


def test_a_wrong_code_is_a_400_on_the_code_field(api_client: APIClient, case: Case, person_id: str) -> None:
    answer = api_client.post(
        TRACK, {"case": case.number, "id_last6": person_id[-6:], "sms_code": "123456"}, format="json"
    )
    assert answer.status_code == 400
    assert "sms_code" in answer.json()


def test_a_missing_field_is_named(api_client: APIClient, db: None) -> None:
    answer = api_client.post(TRACK, {"case": "X"}, format="json")
    assert answer.status_code == 400
    assert {"id_last6", "sms_code"} <= set(answer.json())


def test_five_failures_lock_with_429(api_client: APIClient, case: Case, person_id: str) -> None:
    payload = {"case": case.number, "id_last6": person_id[-6:], "sms_code": "123456"}
    for _ in range(5):
        assert api_client.post(TRACK, payload, format="json").status_code == 400
    assert api_client.post(TRACK, payload, format="json").status_code == 429


def test_a_closed_case_is_rated_through_the_api_once(
    api_client: APIClient, case: Case, person_id: str, last_code: Callable[[], str], closed
) -> None:
    closed(case)
    api_client.post(CODE, {"case": case.number, "id_last6": person_id[-6:]}, format="json")
    view = api_client.post(
        TRACK, {"case": case.number, "id_last6": person_id[-6:], "sms_code": last_code()}, format="json"
    )
    token = view.json()["pass_token"]
    assert view.json()["can_rate"] is True
    assert api_client.post(RATE, {"pass_token": token, "score": 4}, format="json").status_code == 201
    assert api_client.post(RATE, {"pass_token": token, "score": 4}, format="json").status_code == 409
    assert api_client.post(RATE, {"pass_token": "forged", "score": 4}, format="json").status_code == 404
    assert api_client.post(RATE, {"pass_token": token, "score": 9}, format="json").status_code == 400


def test_the_schema_lists_the_public_endpoints(api_client: APIClient, db: None) -> None:
    schema = api_client.get("/api/schema/", {"format": "json"}).json()
    for path in (CODE, TRACK, RATE, "/api/v1/exists/"):
        assert path in schema["paths"]
    assert "429" in schema["paths"][TRACK]["post"]["responses"]
