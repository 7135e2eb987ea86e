"""The API's schema tells the truth: paginated lists, declared errors, filters and length limits.

(The fuzzing of every operation against it is tests/config/test_schemathesis.py, on PostgreSQL.)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from rest_framework.test import APIClient

from cases.models import Status

pytestmark = pytest.mark.django_db


@pytest.fixture
def make_subject(db: Any) -> Callable[[], Any]:
    from subjects.actions import do_register_subject
    from tests.cases.conftest import new_id
    from tests.conftest import COUNTY_A

    return lambda: do_register_subject(
        division=COUNTY_A, id_number=new_id(), name="王建国", category="retired_soldier", actor=None
    )


@pytest.fixture
def schema(api_client: APIClient) -> dict[str, Any]:
    response = api_client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    return response.json()


def resolve(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[-1]]
    return node


def test_the_case_list_is_declared_as_the_paginated_object_it_returns(schema: dict[str, Any]) -> None:
    declared = schema["paths"]["/api/v1/cases/"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    page = resolve(schema, declared)
    assert page["type"] == "object" and set(page["properties"]) == {"results", "next", "previous"}
    assert page["properties"]["next"].get("nullable") is True
    assert page["properties"]["previous"].get("nullable") is True


def test_every_operation_declares_its_error_statuses(schema: dict[str, Any]) -> None:
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            codes = set(operation["responses"])
            assert "400" in codes, (method, path)
            if path == "/api/v1/auth/token/" or path.startswith("/api/v1/public/"):
                assert "429" in codes
                continue
            assert {"401", "403", "404"} <= codes, (method, path)
            if method in ("post", "put", "patch", "delete"):
                assert "409" in codes, (method, path)


def test_list_filters_are_declared_from_their_filterset(schema: dict[str, Any]) -> None:
    parameters = {p["name"]: p["schema"] for p in schema["paths"]["/api/v1/cases/"]["get"]["parameters"]}
    assert parameters["status"]["enum"] == list(Status.values)
    assert parameters["q"]["maxLength"] == 40
    assert parameters["overdue"]["type"] == "boolean"
    subjects = {p["name"] for p in schema["paths"]["/api/v1/subjects/"]["get"]["parameters"]}
    assert {"name", "category", "status", "township", "division"} <= subjects
    tasks = {p["name"]: p["schema"] for p in schema["paths"]["/api/v1/tasks/"]["get"]["parameters"]}
    assert tasks["scope"]["enum"] == ["mine", "queue"]


def test_a_filter_value_outside_its_declaration_is_400_with_a_message(
    caseworker: Any, api_as: Callable[[Any], APIClient]
) -> None:
    client = api_as(caseworker)
    response = client.get("/api/v1/cases/", {"status": "bogus"})
    assert response.status_code == 400 and "status" in response.json()
    assert client.get("/api/v1/cases/", {"q": "张" * 41}).status_code == 400
    assert client.get("/api/v1/subjects/", {"category": "nobody"}).status_code == 400
    assert client.get("/api/v1/tasks/", {"scope": "everything"}).status_code == 400
    assert client.get("/api/v1/cases/", {"status": "submitted"}).status_code == 200


def test_lookup_and_reveal_keep_their_serializers_limits(
    caseworker: Any, api_as: Callable[[Any], APIClient], make_subject: Callable[..., Any]
) -> None:
    client = api_as(caseworker)
    subject = make_subject()
    response = client.post("/api/v1/subjects/lookup/", {"id_number": "1" * 41}, format="json")
    assert response.status_code == 400 and "id_number" in response.json()
    assert client.post("/api/v1/subjects/lookup/", {"id_number": ["x"]}, format="json").status_code == 400
    long_reason = client.post(f"/api/v1/subjects/{subject.pk}/reveal-id/", {"reason": "查" * 256}, format="json")
    assert long_reason.status_code == 400 and "reason" in long_reason.json()


def test_free_text_has_a_length_limit(caseworker: Any, api_as: Callable[[Any], APIClient], make_subject: Any) -> None:
    body = {"subject": make_subject().pk, "kind": "grievance", "title": "反映问题", "description": "很" * 100_000}
    response = api_as(caseworker).post("/api/v1/cases/", body, format="json")
    assert response.status_code == 400 and "description" in response.json()


def test_an_unknown_api_address_is_a_json_404(caseworker: Any, api_as: Callable[[Any], APIClient]) -> None:
    response = api_as(caseworker).get("/api/v1/cases/not-a-number/")
    assert response.status_code == 404
    assert response.json() == {"detail": "未找到。"}
