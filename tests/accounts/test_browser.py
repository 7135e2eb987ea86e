"""In a real browser: the account menu's token page lists and revokes tokens, and a security
administrator issues an enrolment code (screenshots in var/screenshots/accounts/).

It shares the live server and browser fixtures of tests/cases/test_browser.py and runs in the same
process as the other browser walks (see the ``browser`` fixture there for why that once failed).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from accounts.actions import do_issue_api_token
from accounts.models import ApiToken
from tests.cases.conftest import restore_demo_divisions
from tests.cases.test_browser import CHROMIUM, browser, page_as, server  # noqa: F401  (fixtures)

SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots" / "accounts"

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="browser walks run on PostgreSQL only"),
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed"),
]


def test_a_user_revokes_a_token_and_an_administrator_issues_an_enrolment_code(
    server: str,  # noqa: F811
    browser: Any,  # noqa: F811
    make_user: Any,
) -> None:
    restore_demo_divisions()
    SHOTS.mkdir(parents=True, exist_ok=True)
    caseworker = make_user("caseworker", "caseworker")
    admin = make_user("security_admin", "admin")
    make_user("approver", "approver")

    page = page_as(browser, caseworker, server)
    do_issue_api_token(caseworker, two_factor=False, name="报表脚本")  # after the page's session (device) was set up
    page.goto(f"{server}/")
    page.click("text=API 令牌")
    page.wait_for_url("**/accounts/tokens/")
    assert "报表脚本" in page.inner_text("main")
    page.screenshot(path=str(SHOTS / "1-tokens.png"), full_page=True)
    page.click("button:has-text('撤销')")
    page.wait_for_url("**/accounts/tokens/")
    assert "令牌已撤销" in page.inner_text("main")
    assert not ApiToken.objects.filter(user=caseworker).exists()
    page.screenshot(path=str(SHOTS / "2-revoked.png"), full_page=True)

    page = page_as(browser, admin, server)
    page.goto(f"{server}/")
    page.click("text=注册码")
    page.fill("#id_username", "approver")
    page.click("button:has-text('签发注册码')")
    page.wait_for_load_state()
    assert "仅显示一次" in page.inner_text("main")
    page.screenshot(path=str(SHOTS / "3-enrolment-code.png"), full_page=True)
