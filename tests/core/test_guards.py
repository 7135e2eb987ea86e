"""The hostile-input guard: NUL characters and deep JSON are a 400 with a message everywhere."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from core.guards import MAX_JSON_DEPTH, json_depth, json_has_nul

pytestmark = pytest.mark.django_db

NUL_MESSAGE = "请求中含有 NUL 字符，任何字段都不允许。"


def test_json_depth_counts_brackets_outside_strings_only() -> None:
    assert json_depth(b'{"a": [1, {"b": "[[[[{{{{"}]}') == 3
    assert json_depth(b'"just a string with \\" and ["') == 0
    assert json_depth(b"[" * 100_000) == 100_000


def test_json_nul_is_found_as_an_escape_but_not_as_an_escaped_backslash() -> None:
    assert json_has_nul(b'{"name": "\\u0000"}')
    assert json_has_nul(b'{"name": "a\\\\\\u0000"}')  # an escaped backslash, then a NUL escape
    assert not json_has_nul(b'{"name": "a\\\\u0000"}')  # the text backslash-u0000
    assert not json_has_nul(json.dumps({"name": "王建国"}).encode())


def test_deeply_nested_json_to_the_unauthenticated_token_endpoint_is_400(api_client: Any) -> None:
    response = api_client.post("/api/v1/auth/token/", "[" * 100_000, content_type="application/json")
    assert response.status_code == 400
    assert str(MAX_JSON_DEPTH) in response.json()["detail"]


def test_nul_in_a_json_field_of_the_token_endpoint_is_400(api_client: Any) -> None:
    body = json.dumps({"username": "a\x00b", "password": "x"})
    response = api_client.post("/api/v1/auth/token/", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {"detail": NUL_MESSAGE}


def test_nul_in_a_query_parameter_is_400(api_as: Any, caseworker: Any) -> None:
    response = api_as(caseworker).get("/api/v1/cases/", {"q": "张\x00三"})
    assert response.status_code == 400
    assert response.json() == {"detail": NUL_MESSAGE}
    response = api_as(caseworker).get("/api/v1/subjects/", {"name\x00": "x"})
    assert response.status_code == 400


def test_nul_in_a_form_field_of_the_sign_in_page_is_the_400_page_with_the_reason() -> None:
    response = Client().post("/accounts/login/", {"username": "admin\x00", "password": "x"})
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert NUL_MESSAGE in response.content.decode()


def test_nul_in_an_authorization_header_is_400_before_any_token_lookup(api_client: Any) -> None:
    response = api_client.get("/api/v1/me/", HTTP_AUTHORIZATION="Token abc\x00def")
    assert response.status_code == 400


def test_ordinary_requests_pass_the_guard(api_as: Any, caseworker: Any) -> None:
    nested: Any = "叶"
    for _ in range(MAX_JSON_DEPTH - 1):
        nested = [nested]
    response = api_as(caseworker).post("/api/v1/cases/", {"title": nested}, format="json")
    assert response.status_code == 400 and "subject" in response.json()  # reached the serializer
    assert api_as(caseworker).get("/api/v1/cases/", {"q": "𫖯"}).status_code == 200
