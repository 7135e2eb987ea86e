"""A database outage answers 503 with Retry-After: JSON on the API, a Chinese page elsewhere."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import OperationalError
from django.test import Client

pytestmark = pytest.mark.django_db


def broken_database(*args: Any, **kwargs: Any) -> None:
    raise OperationalError("connection to server at 127.0.0.1, port 5432 failed: Connection refused")


@pytest.fixture
def outage(monkeypatch: pytest.MonkeyPatch) -> None:
    # The session lookup is the first database access of any signed-in request (a middleware).
    monkeypatch.setattr("django.contrib.sessions.backends.db.SessionStore.load", broken_database)


@pytest.fixture
def client_() -> Client:
    client = Client(raise_request_exception=False)
    client.cookies["sessionid"] = "x" * 32
    return client


def test_the_api_answers_503_json_with_retry_after_when_the_database_is_down(outage: None, client_: Client) -> None:
    response = client_.get("/api/v1/me/")
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "service_unavailable"
    assert int(response["Retry-After"]) > 0


def test_pages_answer_a_chinese_service_unavailable_page(outage: None, client_: Client) -> None:
    response = client_.get("/cases/")
    assert response.status_code == 503
    assert "服务暂时不可用" in response.content.decode()
    assert int(response["Retry-After"]) > 0


def test_a_database_error_raised_by_a_view_is_a_503_too(monkeypatch: pytest.MonkeyPatch, client_: Client) -> None:
    monkeypatch.setattr("config.views.connection.cursor", broken_database)
    assert client_.get("/healthz").status_code == 503  # the health check answers it itself
    monkeypatch.setattr("django.contrib.auth.models.AnonymousUser.is_authenticated", property(broken_database))
    assert client_.get("/").status_code == 503


def test_other_errors_stay_500(monkeypatch: pytest.MonkeyPatch, client_: Client) -> None:
    def bug(*args: Any, **kwargs: Any) -> None:
        raise ZeroDivisionError

    monkeypatch.setattr("django.contrib.sessions.backends.db.SessionStore.load", bug)
    response = client_.get("/api/v1/me/")
    assert response.status_code == 500 and "Retry-After" not in response


def test_postgresql_connections_are_checked_before_reuse() -> None:
    from config.settings import parse_database_url

    assert parse_database_url("postgresql://laurel@127.0.0.1:5432/laurel")["CONN_HEALTH_CHECKS"] is True
