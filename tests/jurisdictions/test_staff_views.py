"""Staff pages: reached from the navigation, in Chinese, scoped like the API."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from django.test import Client

from accounts.models import User
from jurisdictions.models import Membership, Role
from tests.conftest import COUNTY_A, COUNTY_B

from .conftest import STAFF_ID

Web = Callable[[Any], Client]


def test_administrators_reach_the_staff_pages_from_the_navigation(
    web_as: Web, sysadmin_a: Any, security_a: Any, caseworker: Any
) -> None:
    for admin in (sysadmin_a, security_a):
        home = web_as(admin).get("/").content.decode()
        assert 'href="/staff/"' in home and "人员" in home
    assert 'href="/staff/"' not in web_as(caseworker).get("/").content.decode()
    assert web_as(caseworker).get("/staff/").status_code == 403


def test_the_system_administrator_creates_an_account_and_sees_the_link_once(web_as: Web, sysadmin_a: Any) -> None:
    web = web_as(sysadmin_a)
    assert "新建账号" in web.get("/staff/").content.decode()
    form = web.get("/staff/new/").content.decode()
    assert "工作人员身份证号" in form and "真实姓名" in form
    response = web.post(
        "/staff/new/",
        {"division": COUNTY_A, "full_name": "张三", "username": "zhang", "staff_id_number": STAFF_ID, "phone": ""},
    )
    page = response.content.decode()
    assert response.status_code == 200 and "一次性登录链接" in page
    assert re.search(r"http://testserver/accounts/welcome/[\w-]+/", page)
    assert STAFF_ID not in page
    staff = User.objects.get(username="zhang")
    assert "张三" in web.get("/staff/").content.decode()
    assert "尚未登录" in web.get(f"/staff/{staff.pk}/").content.decode()


def test_form_errors_are_in_chinese_and_nothing_is_saved(web_as: Web, sysadmin_a: Any) -> None:
    response = web_as(sysadmin_a).post(
        "/staff/new/",
        {"division": COUNTY_A, "full_name": "", "username": "zhang", "staff_id_number": "123", "phone": "1"},
    )
    page = response.content.decode()
    assert "该字段是必填项" in page
    assert "公民身份号码为18位" in page
    assert not User.objects.filter(username="zhang").exists()


def test_creating_an_account_in_another_county_is_404(web_as: Web, sysadmin_a: Any) -> None:
    response = web_as(sysadmin_a).post(
        "/staff/new/",
        {"division": COUNTY_B, "full_name": "张三", "username": "zhang", "staff_id_number": STAFF_ID},
    )
    assert response.status_code == 404
    assert not User.objects.filter(username="zhang").exists()


def test_the_security_administrator_grants_and_ends_a_membership_on_the_page(
    web_as: Web, security_a: Any, placed: Callable[..., Any]
) -> None:
    person = placed("person", None, COUNTY_A)
    web = web_as(security_a)
    page = web.get(f"/staff/{person.pk}/").content.decode()
    assert "授予任职" in page and "尚无任职" in page
    response = web.post(
        f"/staff/{person.pk}/memberships/", {"division": COUNTY_A, "role": "caseworker", "starts_on": "2000-01-01"}
    )
    assert response.status_code == 400 and "开始日期不能早于今天" in response.content.decode()
    from django.utils import timezone

    today = timezone.localdate().isoformat()
    response = web.post(
        f"/staff/{person.pk}/memberships/", {"division": COUNTY_A, "role": "caseworker", "starts_on": today}
    )
    assert response.status_code == 302
    membership = Membership.objects.get(user=person)
    assert "有效" in web.get(f"/staff/{person.pk}/").content.decode()
    assert web.post(f"/staff/memberships/{membership.pk}/end/").status_code == 302
    assert "已结束" in web.get(f"/staff/{person.pk}/").content.decode()


def test_a_second_administrative_role_is_refused_on_the_page_naming_the_rule(
    web_as: Web, security_a: Any, placed: Callable[..., Any]
) -> None:
    from django.utils import timezone

    person = placed("person", Role.SYSADMIN, COUNTY_A)
    response = web_as(security_a).post(
        f"/staff/{person.pk}/memberships/",
        {"division": COUNTY_A, "role": "auditor", "starts_on": timezone.localdate().isoformat()},
    )
    assert response.status_code == 400 and "三员分立" in response.content.decode()
    assert Membership.objects.filter(user=person).count() == 1


def test_a_membership_outside_the_administrators_subtree_is_404_on_the_page(
    web_as: Web, security_a: Any, placed: Callable[..., Any]
) -> None:
    person = placed("person", None, COUNTY_A)
    response = web_as(security_a).post(f"/staff/{person.pk}/memberships/", {"division": COUNTY_B, "role": "caseworker"})
    assert response.status_code == 404


def test_another_countys_staff_pages_are_404(web_as: Web, sysadmin_a: Any, placed: Callable[..., Any]) -> None:
    theirs = placed("theirs", Role.CASEWORKER, COUNTY_B)
    web = web_as(sysadmin_a)
    assert web.get(f"/staff/{theirs.pk}/").status_code == 404
    assert web.post(f"/staff/{theirs.pk}/account/", {"do": "deactivate"}).status_code == 404
    assert web.post(f"/staff/{theirs.pk}/edit/", {"full_name": "x"}).status_code == 404
    assert "theirs" not in web.get("/staff/").content.decode()
    assert User.objects.get(pk=theirs.pk).is_active


def test_the_system_administrator_deactivates_and_edits_on_the_page(
    web_as: Web, sysadmin_a: Any, placed: Callable[..., Any]
) -> None:
    person = placed("person", Role.CASEWORKER, COUNTY_A)
    web = web_as(sysadmin_a)
    assert web.post(f"/staff/{person.pk}/edit/", {"full_name": "李四", "phone": "13900139000"}).status_code == 302
    assert web.post(f"/staff/{person.pk}/account/", {"do": "deactivate"}).status_code == 302
    person.refresh_from_db()
    assert person.first_name == "李四" and person.phone == "13900139000" and not person.is_active
    assert "已停用" in web.get(f"/staff/{person.pk}/").content.decode()
    response = web.post(f"/staff/{person.pk}/edit/", {"full_name": "李四", "phone": "abc"})
    assert response.status_code == 400 and "11位手机号码" in response.content.decode()


def test_the_system_administrator_records_a_declared_close_relative(
    web_as: Web, sysadmin_a: Any, placed: Callable[..., Any]
) -> None:
    from accounts.models import DeclaredRelative
    from core.national_id import blind_index

    person = placed("person", Role.APPROVER, COUNTY_A)
    web = web_as(sysadmin_a)
    assert "申报的近亲属" in web.get(f"/staff/{person.pk}/").content.decode()
    bad = web.post(f"/staff/{person.pk}/relatives/", {"relation": "", "id_number": "123"})
    assert bad.status_code == 400 and "公民身份号码为18位" in bad.content.decode()
    assert web.post(f"/staff/{person.pk}/relatives/", {"relation": "父亲", "id_number": STAFF_ID}).status_code == 302
    relative = DeclaredRelative.objects.get(user=person)
    assert relative.id_number_hmac == blind_index(STAFF_ID) and relative.relation == "父亲"
    assert STAFF_ID not in web.get(f"/staff/{person.pk}/").content.decode()
    assert web.post(f"/staff/{person.pk}/relatives/{relative.pk}/remove/").status_code == 302
    assert not DeclaredRelative.objects.exists()


def test_ending_the_last_security_administrator_is_refused_on_the_page_in_chinese(
    web_as: Web, security_a: Any, placed: Callable[..., Any]
) -> None:
    ministry = placed("ministry", Role.ADMIN, "CN")
    mine = Membership.objects.get(user=security_a)
    response = web_as(ministry).post(f"/staff/memberships/{mine.pk}/end/")
    assert response.status_code == 409 and "最后一名安全管理员" in response.content.decode()
    assert Membership.objects.get(pk=mine.pk).ends_on is None


def test_the_staff_list_pages_by_username_both_ways_without_offset(
    web_as: Web, sysadmin_a: Any, placed: Callable[..., User], monkeypatch: Any
) -> None:
    for n in range(5):
        placed(f"staff{n}", "caseworker", COUNTY_A)
    monkeypatch.setattr("jurisdictions.views.STAFF_PAGE_SIZE", 2)
    web = web_as(sysadmin_a)

    def names(html: str) -> list[str]:
        return re.findall(r"<td data-raw>([^<]+)</td>", html)

    def link(html: str, anchor: str) -> str | None:
        found = re.search(rf'<a href="([^"]+)"[^>]*id="{anchor}"', html)
        return found.group(1).replace("&amp;", "&") if found else None

    pages = [web.get("/staff/").content.decode()]
    while following := link(pages[-1], "page-next"):
        pages.append(web.get("/staff/" + following).content.decode())
    seen = [name for html in pages for name in names(html)]
    assert seen == sorted(seen) and {f"staff{n}" for n in range(5)} <= set(seen)
    assert "page=" not in "".join(pages)
    back = web.get("/staff/" + str(link(pages[-1], "page-previous"))).content.decode()
    assert names(back) == names(pages[-2])
