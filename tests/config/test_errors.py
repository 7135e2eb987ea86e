"""Error pages speak Chinese: 400, 403, 404, 413 and 500 in production, friendly 403/404 in development."""

from __future__ import annotations

from typing import Any

import pytest
from django.http import HttpResponse
from django.test import Client

pytestmark = pytest.mark.django_db

TECHNICAL = ("DEBUG = True", "Traceback", "Django", "Page not found", "Using the URLconf")


def assert_friendly(response: Any, status: int, heading: str) -> str:
    page = response.content.decode()
    assert response.status_code == status
    assert response["Content-Type"].startswith("text/html")
    assert f"<h1>{heading}</h1>" in page
    assert 'lang="zh-CN"' in page
    assert not [word for word in TECHNICAL if word in page]
    return page


def test_an_unknown_address_is_the_chinese_404_page_in_the_standalone_layout(client: Client) -> None:
    page = assert_friendly(client.get("/no-such-page/"), 404, "未找到")
    assert "mainnav" not in page  # standalone: no navigation, no user


def test_an_unknown_api_address_stays_json() -> None:
    response = Client().get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response.json() == {"detail": "未找到。"}


def test_a_page_that_refuses_is_the_chinese_403_page_inside_the_layout(client: Client, caseworker: Any) -> None:
    client.force_login(caseworker)
    page = assert_friendly(client.get("/cases/settings/sla/"), 403, "无权操作")
    assert "mainnav" in page  # the user keeps the navigation
    assert "只有管理员" in page  # the reason given by the page


def test_a_domain_refusal_raised_by_a_page_is_the_403_page_with_its_reason(rf: Any, caseworker: Any) -> None:
    from config.errors import FriendlyErrorPagesMiddleware
    from core.errors import Forbidden

    request = rf.get("/somewhere/")
    request.user = caseworker
    response = FriendlyErrorPagesMiddleware(HttpResponse).process_exception(request, Forbidden("只有审批人可以审批。"))
    assert response is not None
    page = assert_friendly(response, 403, "无权操作")
    assert "只有审批人可以审批。" in page


def test_an_expired_form_is_a_chinese_403_not_the_csrf_technical_page(caseworker: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(caseworker)
    page = assert_friendly(client.post("/accounts/password/", {"old_password": "x"}), 403, "无权操作")
    assert "页面已过期" in page


def test_a_request_that_cannot_be_read_is_the_chinese_400_page_with_the_reason(client: Client) -> None:
    page = assert_friendly(
        client.post("/accounts/login/", {"username": "a\x00", "password": "x"}), 400, "无法处理该请求"
    )
    assert "NUL" in page


def test_a_body_larger_than_the_limit_is_the_chinese_413_page(client: Client, settings: Any) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    response = client.post("/accounts/login/", {"username": "x" * 20_000, "password": "x"})
    assert_friendly(response, 413, "提交的内容过大")


def test_a_body_larger_than_the_limit_is_413_json_on_the_api(settings: Any) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    response = Client().post("/api/v1/auth/token/", {"username": "x" * 20_000}, content_type="application/json")
    assert response.status_code == 413
    assert "detail" in response.json()


def test_a_server_error_is_the_chinese_500_page(caseworker: Any, monkeypatch: Any) -> None:
    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr("config.views.ancestors_of", broken)
    client = Client(raise_request_exception=False)
    client.force_login(caseworker)
    assert_friendly(client.get("/"), 500, "系统错误")


class TestInDevelopment:
    """DEBUG on: the same friendly pages inside the layout instead of Django's technical ones."""

    @pytest.fixture(autouse=True)
    def debug(self, settings: Any) -> None:
        settings.DEBUG = True

    def test_an_unknown_address_is_the_friendly_404_inside_the_layout(self, client: Client, caseworker: Any) -> None:
        client.force_login(caseworker)
        page = assert_friendly(client.get("/no-such-page/"), 404, "未找到")
        assert "mainnav" in page

    def test_an_object_outside_the_jurisdiction_is_the_friendly_404(self, client: Client, caseworker: Any) -> None:
        client.force_login(caseworker)
        assert_friendly(client.get("/cases/987654/"), 404, "未找到")

    def test_a_refusal_is_the_friendly_403(self, client: Client, caseworker: Any) -> None:
        client.force_login(caseworker)
        assert_friendly(client.get("/cases/settings/sla/"), 403, "无权操作")

    def test_the_api_keeps_json(self, client: Client) -> None:
        response = client.get("/api/v1/no-such-thing/")
        assert response.status_code == 404
        assert response.json() == {"detail": "未找到。"}
