"""A county office staffed in a real browser (Debian's Chromium): the system administrator creates a
caseworker and an approver, the security administrator gives them memberships, each signs in through
the one-time link and chooses a password, and the new caseworker sees the county's queue.

Screenshots of every step go to ``var/screenshots/staff/``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from tests.cases.test_browser import CHROMIUM, browser, page_as, server  # noqa: F401  (fixtures)

SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots" / "staff"
PASSWORD = "梅花-月光-4729-长城"
STAFF_IDS = {"xiaoli": "110105194912310021", "xiaozhao": "11010519491231002X"}

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed"),
]


@pytest.fixture
def office(make_user: Any) -> dict[str, Any]:
    if connection.vendor != "postgresql":
        pytest.skip("browser walks run on PostgreSQL only (slow); CI runs them there")
    from tests.cases.conftest import new_id, restore_demo_divisions

    # Another browser walk's server may have ended this worker's database sessions on its way
    # out (tests/cases/test_browser.py): start from a fresh connection.
    connection.close()
    restore_demo_divisions()
    from cases.actions import do_file_case
    from jurisdictions.actions import do_place_staff
    from jurisdictions.models import Division
    from subjects.actions import do_register_subject
    from subjects.models import Category

    county = Division.objects.get(code="440106")
    people = {
        "sysadmin": make_user("sysadmin", "sysadmin", full_name="吴系统"),
        "admin": make_user("admin", "admin", full_name="周管理"),
        "old_hand": make_user("old_hand", "caseworker", full_name="老张"),
    }
    for user in people.values():
        do_place_staff(user, division=county, actor=None)
    subject = do_register_subject(
        division="440106", id_number=new_id(), name="赵大勇", actor=None, category=Category.RETIRED_SOLDIER
    )
    people["case"] = do_file_case(
        subject, kind="grievance", title="反映优待证办理进度", actor=people["old_hand"], departments=()
    )
    return people


def shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def create_account(page: Any, base: str, username: str, name: str, number: str, step: str) -> str:
    page.goto(f"{base}/")
    page.click("#nav-staff")
    page.click("#new-staff")
    page.select_option("#id_division", "440106")
    page.fill("#id_full_name", name)
    page.fill("#id_username", username)
    page.fill("#id_staff_id_number", number)
    page.fill("#id_phone", "13800138000")
    shot(page, f"{step}a-sysadmin-new-{username}")
    page.click("#staff-form button[type=submit]")
    link = page.input_value("#initial-link")
    assert "/accounts/welcome/" in link
    shot(page, f"{step}b-sysadmin-link-{username}")
    return link


def grant(page: Any, base: str, name: str, role: str, step: str) -> None:
    page.goto(f"{base}/staff/")
    page.click(f"#staff-list >> text={name}")
    page.select_option("#membership-form #id_division", "440106")
    page.select_option("#membership-form #id_role", role)
    page.click("#membership-form button[type=submit]")
    assert "有效" in page.inner_text("#memberships")
    shot(page, f"{step}-admin-granted-{role}")


def first_sign_in(browser: Any, link: str, step: str) -> Any:  # noqa: F811
    page = browser.new_context(locale="zh-CN").new_page()
    page.goto(link)
    shot(page, f"{step}a-welcome")
    page.fill("#id_new_password1", "12345678")
    page.fill("#id_new_password2", "12345678")
    page.click("#welcome-form button[type=submit]")
    assert "密码" in page.inner_text("#welcome-form .errorlist")
    shot(page, f"{step}b-weak-password-refused")
    page.fill("#id_new_password1", PASSWORD)
    page.fill("#id_new_password2", PASSWORD)
    page.click("#welcome-form button[type=submit]")
    return page


def test_a_county_office_is_staffed_in_the_browser(server: str, browser: Any, office: dict[str, Any]) -> None:  # noqa: F811
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.models import User
    from tests.accounts.conftest import code_for

    base = server
    page = page_as(browser, office["sysadmin"], base)
    links = {
        "xiaoli": create_account(page, base, "xiaoli", "李小丽", STAFF_IDS["xiaoli"][:-1] + "X", "01"),
        "xiaozhao": create_account(page, base, "xiaozhao", "赵小兵", STAFF_IDS["xiaozhao"], "02"),
    }
    page.goto(f"{base}/staff/")
    assert "李小丽" in page.inner_text("#staff-list") and "尚未登录" in page.inner_text("#staff-list")
    shot(page, "03-sysadmin-staff-list")

    admin_page = page_as(browser, office["admin"], base)
    grant(admin_page, base, "李小丽", "caseworker", "04")
    grant(admin_page, base, "赵小兵", "approver", "05")

    page = first_sign_in(browser, links["xiaoli"], "06")
    page.wait_for_url(f"{base}/")
    assert "李小丽" in page.inner_text(".userbox")
    page.click("#nav-queue")
    assert office["case"].number in page.inner_text("#task-list")
    shot(page, "07-new-caseworker-sees-the-county-queue")
    assert page.goto(links["xiaoli"]).status == 404  # the link worked once
    assert User.objects.get(username="xiaoli").check_password(PASSWORD)

    page = first_sign_in(browser, links["xiaozhao"], "08")
    page.wait_for_url("**/accounts/two-factor/**")
    shot(page, "08c-approver-asked-for-an-enrolment-code")
    # Enrolling needs a one-time enrolment code from the security administrator (issue 15).
    admin_page.goto(f"{base}/")
    admin_page.click("text=注册码")
    admin_page.fill("#id_username", "xiaozhao")
    admin_page.click("button:has-text('签发注册码')")
    admin_page.wait_for_load_state()
    enrolment_code = admin_page.inner_text("main .notice code")
    shot(admin_page, "08d-admin-issues-the-enrolment-code")
    page.fill("#id_enrolment_code", enrolment_code)
    page.click("main button.primary")
    page.wait_for_selector("#id_token")
    shot(page, "09-approver-enrols-two-factor")
    device = TOTPDevice.objects.get(user__username="xiaozhao")
    page.fill("#id_token", code_for(device))
    page.click("main button.primary")
    page.wait_for_url(f"{base}/")
    assert "赵小兵" in page.inner_text(".userbox")
    shot(page, "10-approver-signed-in")
