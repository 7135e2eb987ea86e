"""Sign-in pages: lockout, two-factor, session limits."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from freezegun import freeze_time

from jurisdictions.models import Role
from tests.accounts.conftest import code_for
from tests.conftest import COUNTY_A

PASSWORD = "correct-horse-battery"


def sign_in(client: Any, username: str, password: str, ip: str = "10.0.0.1", **extra: Any) -> Any:
    return client.post("/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=ip, **extra)


def test_the_sign_in_page_is_in_chinese(client: Any, db: Any) -> None:
    page = client.get("/accounts/login/").content.decode()
    assert "登录" in page and "用户名" in page and "密码" in page


def test_signing_in_with_the_right_password_reaches_home(client: Any, caseworker: Any) -> None:
    response = sign_in(client, "caseworker", PASSWORD)
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_a_wrong_password_and_an_unknown_user_get_the_same_message(client: Any, caseworker: Any) -> None:
    def error_of(response: Any) -> str:
        return str(response.context["form"].non_field_errors())

    wrong_password = error_of(sign_in(client, "caseworker", "nope"))
    unknown_user = error_of(sign_in(client, "nobody-here", "nope"))
    assert "请输入一个正确的" in wrong_password  # Django's own zh-Hans message, generic on purpose
    assert wrong_password == unknown_user


def test_five_failures_lock_the_username_from_that_address(client: Any, caseworker: Any) -> None:
    for _ in range(5):
        sign_in(client, "caseworker", "wrong")
    locked = sign_in(client, "caseworker", PASSWORD)
    assert locked.status_code == 429
    assert "登录已锁定" in locked.content.decode()
    assert client.get("/").status_code == 302  # not signed in


def test_a_lockout_does_not_block_the_same_user_from_another_address(client: Any, caseworker: Any) -> None:
    for _ in range(5):
        sign_in(client, "caseworker", "wrong", ip="10.0.0.1")
    assert sign_in(client, "caseworker", PASSWORD, ip="10.0.0.2").status_code == 302


def test_a_forged_forwarded_for_header_does_not_escape_the_lockout(client: Any, caseworker: Any) -> None:
    for _ in range(5):
        sign_in(client, "caseworker", "wrong")
    response = sign_in(client, "caseworker", PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert response.status_code == 429


def test_unknown_usernames_lock_out_the_same_way(client: Any, db: Any) -> None:
    for _ in range(5):
        sign_in(client, "ghost", "wrong")
    assert sign_in(client, "ghost", "wrong").status_code == 429


def test_the_lockout_ends_after_the_cool_off(client: Any, caseworker: Any) -> None:
    for _ in range(5):
        sign_in(client, "caseworker", "wrong")
    with freeze_time(timezone.now() + timedelta(minutes=16)):
        assert sign_in(client, "caseworker", PASSWORD).status_code == 302


def test_an_approver_must_pass_two_factor_before_any_page(
    client: Any, make_user: Callable[..., Any], totp_device: Callable[[Any], TOTPDevice]
) -> None:
    approver = make_user("approver", Role.APPROVER, COUNTY_A)
    device = totp_device(approver)
    with freeze_time(timezone.now()) as frozen:
        sign_in(client, "approver", PASSWORD)
        response = client.get("/")
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/two-factor/")
        assert client.get("/api/v1/me/").status_code == 403
        wrong_code = "000000" if code_for(device) != "000000" else "111111"
        bad = client.post("/accounts/two-factor/", {"token": wrong_code})
        assert "验证码无效" in bad.content.decode()
        frozen.tick(timedelta(seconds=2))  # django-otp throttles retries after a failure
        assert client.post("/accounts/two-factor/", {"token": code_for(device), "next": "/"}).status_code == 302
        assert client.get("/").status_code == 200


def test_an_approver_without_a_device_enrols_only_with_an_enrolment_code(
    client: Any, make_user: Callable[..., Any]
) -> None:
    from accounts.actions import do_issue_enrolment_code
    from audit.models import AuditEvent

    approver = make_user("approver", Role.APPROVER, COUNTY_A)
    admin = make_user("security_admin", Role.ADMIN, COUNTY_A)
    sign_in(client, "approver", PASSWORD)
    page = client.get("/accounts/two-factor/").content.decode()
    assert "data:image/svg+xml;base64," not in page  # a password alone does not enrol
    assert "安全管理员" in page
    assert not TOTPDevice.objects.filter(user=approver).exists()
    refused = client.post("/accounts/two-factor/", {"enrolment_code": "AAAA-BBBB-CCCC"})
    assert "data:image/svg+xml;base64," not in refused.content.decode()
    assert not TOTPDevice.objects.filter(user=approver).exists()
    _, code = do_issue_enrolment_code(approver, actor=admin)
    assert client.post("/accounts/two-factor/", {"enrolment_code": code.lower()}).status_code == 302
    page = client.get("/accounts/two-factor/").content.decode()
    assert "data:image/svg+xml;base64," in page
    device = TOTPDevice.objects.get(user__username="approver", confirmed=False)
    client.post("/accounts/two-factor/", {"token": code_for(device)})
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/").status_code == 200
    recorded = list(
        AuditEvent.objects.filter(
            event_type__in=["auth.enrolment_code_issued", "auth.totp_enrolment_started", "auth.totp_enrolled"]
        )
        .order_by("pk")
        .values_list("event_type", flat=True)
    )
    assert recorded == ["auth.enrolment_code_issued", "auth.totp_enrolment_started", "auth.totp_enrolled"]
    used = AuditEvent.objects.get(event_type="auth.totp_enrolled").data["enrolment_code"]
    from accounts.models import EnrolmentCode

    assert EnrolmentCode.objects.get(pk=used).used_at is not None
    # The code is spent: another session cannot enrol a second device with it.
    other = type(client)()
    sign_in(other, "approver", PASSWORD, ip="10.0.0.2")
    TOTPDevice.objects.filter(user=approver).delete()
    assert "data:image" not in other.post("/accounts/two-factor/", {"enrolment_code": code}).content.decode()


@pytest.mark.parametrize("role", [Role.APPROVER, Role.AUDITOR, Role.ADMIN])
def test_two_factor_roles(role: str, make_user: Callable[..., Any]) -> None:
    assert make_user("someone", role, COUNTY_A).needs_two_factor()


@pytest.mark.parametrize("role", [Role.CASEWORKER, Role.SUPERVISOR])
def test_roles_without_two_factor(role: str, make_user: Callable[..., Any]) -> None:
    assert not make_user("someone", role, COUNTY_A).needs_two_factor()


def test_demo_users_are_exempt_only_where_the_setting_allows(make_user: Callable[..., Any], settings: Any) -> None:
    approver = make_user("approver", Role.APPROVER, COUNTY_A, is_demo=True)
    assert settings.LAUREL_2FA_EXEMPT_DEMO_USERS is False  # production behaviour in tests
    assert approver.needs_two_factor()
    settings.LAUREL_2FA_EXEMPT_DEMO_USERS = True
    assert not approver.needs_two_factor()


def test_a_session_expires_after_30_idle_minutes(client: Any, caseworker: Any) -> None:
    start = timezone.now()
    with freeze_time(start) as frozen:
        sign_in(client, "caseworker", PASSWORD)
        frozen.tick(timedelta(minutes=29))
        assert client.get("/").status_code == 200  # activity renews the idle timer
        frozen.tick(timedelta(minutes=29))
        assert client.get("/").status_code == 200
        frozen.tick(timedelta(minutes=31))
        assert client.get("/").status_code == 302


def test_a_session_ends_after_8_hours_however_active(client: Any, caseworker: Any) -> None:
    with freeze_time(timezone.now()) as frozen:
        sign_in(client, "caseworker", PASSWORD)
        for _ in range(8 * 3 - 1):  # a request every 20 minutes, up to 7 h 40 min
            frozen.tick(timedelta(minutes=20))
            assert client.get("/").status_code == 200
        frozen.tick(timedelta(minutes=25))  # 8 h 05 min after signing in, 25 min idle
        response = client.get("/")
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def _session_writes(client: Any) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        assert client.get("/cases/").status_code == 200
    return sum(1 for q in ctx.captured_queries if "django_session" in q["sql"] and not q["sql"].startswith("SELECT"))


def test_requests_within_a_minute_of_the_last_activity_write_no_session(client: Any, caseworker: Any) -> None:
    with freeze_time(timezone.now()) as frozen:
        sign_in(client, "caseworker", PASSWORD)
        frozen.tick(timedelta(seconds=59))
        assert _session_writes(client) == 0
        frozen.tick(timedelta(seconds=2))  # a minute after the last write: the idle clock moves on
        assert _session_writes(client) == 1
        assert _session_writes(client) == 0


def test_the_idle_limit_holds_to_the_minute_without_a_write_per_request(client: Any, caseworker: Any) -> None:
    with freeze_time(timezone.now()) as frozen:
        sign_in(client, "caseworker", PASSWORD)
        frozen.tick(timedelta(seconds=61))
        assert client.get("/cases/").status_code == 200  # written: last activity now
        frozen.tick(timedelta(seconds=50))
        assert client.get("/cases/").status_code == 200  # not written (within the minute)
        # 30 minutes after the last written activity the session has ended, 50 s early at most.
        frozen.tick(timedelta(minutes=30) - timedelta(seconds=50) + timedelta(seconds=1))
        assert client.get("/cases/").status_code == 302


def test_a_session_is_still_open_29_minutes_59_seconds_after_its_last_written_activity(
    client: Any, caseworker: Any
) -> None:
    with freeze_time(timezone.now()) as frozen:
        sign_in(client, "caseworker", PASSWORD)
        frozen.tick(timedelta(minutes=29, seconds=59))
        assert client.get("/cases/").status_code == 200


def test_session_cookies_are_secure_and_http_only_in_production(settings: Any) -> None:
    assert settings.SESSION_COOKIE_SECURE and settings.CSRF_COOKIE_SECURE
    assert settings.SESSION_COOKIE_HTTPONLY
    assert settings.SESSION_COOKIE_AGE == 30 * 60


def test_an_english_browser_still_gets_chinese_pages(client: Any, db: Any) -> None:
    page = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert "用户名" in page


def test_the_language_switcher_choice_wins(client: Any, db: Any, settings: Any) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert "Username" in client.get("/accounts/login/").content.decode()


def test_a_users_saved_language_applies_after_sign_in(client: Any, make_user: Callable[..., Any]) -> None:
    user = make_user("english_reader", Role.CASEWORKER, COUNTY_A, language="en")
    client.force_login(user)
    assert "Your jurisdictions" in client.get("/").content.decode()
