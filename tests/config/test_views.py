"""Health check and the home page."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import DatabaseError


@pytest.mark.django_db
def test_healthz_reports_the_database_without_login(client: Any) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


@pytest.mark.django_db
def test_healthz_is_503_when_the_database_fails(client: Any, monkeypatch: Any) -> None:
    from django.db.backends.utils import CursorWrapper

    def broken(self: Any, *args: Any, **kwargs: Any) -> None:
        raise DatabaseError("down")

    monkeypatch.setattr(CursorWrapper, "execute", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "error"


def test_home_requires_sign_in(client: Any, db: Any) -> None:
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_home_shows_the_users_jurisdiction_path(client: Any, caseworker: Any) -> None:
    client.force_login(caseworker)
    page = client.get("/").content.decode()
    assert "广东省 › 广州市 › 天河区" in page
    assert "440106" in page


def test_pages_are_served_in_chinese_by_default(client: Any, caseworker: Any) -> None:
    client.force_login(caseworker)
    response = client.get("/")
    assert response.headers["Content-Language"] == "zh-hans"
    assert "经办人" in response.content.decode()


def test_pages_carry_a_content_security_policy_without_third_party_sources(client: Any, db: Any) -> None:
    response = client.get("/accounts/login/")
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "http" not in policy
