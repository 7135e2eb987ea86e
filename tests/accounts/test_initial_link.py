"""The one-time link: the new member of staff chooses a password with it, once, and is signed in."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

from django.test import Client
from freezegun import freeze_time

from accounts.actions import do_issue_initial_link
from accounts.couriers import register_initial_link_courier
from accounts.models import User
from audit.models import AuditEvent

NEW_PASSWORD = "梅花-月光-4729-长城"


def link_for(token: str) -> str:
    return f"/accounts/welcome/{token}/"


def path_of(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url)


def new_account(make_user: Callable[..., Any]) -> tuple[User, str]:
    user = make_user("newcomer", full_name="王五")
    url, _texted = do_issue_initial_link(user, actor=None, link_for=link_for)
    return User.objects.get(pk=user.pk), url


def test_the_link_sets_the_password_signs_in_and_works_once(make_user: Callable[..., Any]) -> None:
    user, url = new_account(make_user)
    assert user.must_change_password and not user.has_usable_password()
    client = Client()
    page = client.get(url).content.decode()
    assert "设置密码" in page and "newcomer" in page
    response = client.post(url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/"
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD) and not user.must_change_password
    assert client.get("/").status_code == 200  # signed in
    assert Client().get(url).status_code == 404  # used up
    assert AuditEvent.objects.filter(event_type="user.initial_link_used", actor_username="newcomer").exists()


def test_a_weak_or_mismatched_password_is_refused_in_chinese_and_the_link_still_works(
    make_user: Callable[..., Any],
) -> None:
    _user, url = new_account(make_user)
    client = Client()
    page = client.post(url, {"new_password1": "12345678", "new_password2": "12345678"}).content.decode()
    assert "密码太短：至少需要 10 个字符" in page and "这个密码太常见了" in page
    page = client.post(url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD + "x"}).content.decode()
    assert "不一致" in page or "不匹配" in page
    assert client.get(url).status_code == 200


def test_a_new_link_voids_the_old_one_and_links_expire(make_user: Callable[..., Any]) -> None:
    user, first = new_account(make_user)
    second, _texted = do_issue_initial_link(user, actor=None, link_for=link_for)
    assert Client().get(first).status_code == 404
    assert Client().get(second).status_code == 200
    with freeze_time(dt.datetime.now(dt.UTC) + dt.timedelta(days=4)):
        assert Client().get(second).status_code == 404


def test_a_deactivated_account_cannot_use_its_link(make_user: Callable[..., Any]) -> None:
    from accounts.actions import do_deactivate_user

    user, url = new_account(make_user)
    do_deactivate_user(user, actor=None)
    assert Client().get(url).status_code == 404


def test_unknown_links_are_404(db: Any) -> None:
    assert Client().get("/accounts/welcome/nonsense/").status_code == 404


def test_a_registered_courier_texts_the_link(make_user: Callable[..., Any]) -> None:
    sent: list[tuple[str, str]] = []

    def courier(user: User, url: str) -> bool:
        if not user.phone:
            return False
        sent.append((user.phone, url))
        return True

    register_initial_link_courier(courier)
    try:
        user = make_user("texted", phone="13800138000")
        url, texted = do_issue_initial_link(user, actor=None, link_for=link_for)
    finally:
        from accounts import couriers

        couriers._couriers.remove(courier)
    assert texted and sent == [("13800138000", url)]


def test_someone_who_must_change_their_password_reaches_nothing_else(make_user: Callable[..., Any]) -> None:
    user = make_user("reset")
    User.objects.filter(pk=user.pk).update(must_change_password=True)
    client = Client()
    client.force_login(user)
    response = client.get("/cases/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/password/")
    page = client.get("/accounts/password/").content.decode()
    assert "继续之前，请先设置您自己的密码" in page and "当前密码" not in page
    response = client.post(
        "/accounts/password/", {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD, "next": "/cases/"}
    )
    assert response.status_code == 302
    assert client.get("/cases/").status_code == 200


def test_anyone_can_change_their_password_with_the_current_one(make_user: Callable[..., Any]) -> None:
    user = make_user("someone")
    client = Client()
    client.force_login(user)
    page = client.post(
        "/accounts/password/",
        {"old_password": "wrong", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    ).content.decode()
    assert "旧密码不正确" in page or "原密码" in page
    response = client.post(
        "/accounts/password/",
        {"old_password": "correct-horse-battery", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
