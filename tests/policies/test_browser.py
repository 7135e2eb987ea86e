"""The policy base in a real browser (Debian's Chromium): a caseworker follows the navigation to
政策法规库, searches, and opens an article showing its 摘要 badge and its version history.

Screenshots go to ``var/screenshots/policies/``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from tests.cases.test_browser import CHROMIUM, browser, page_as, server  # noqa: F401  (fixtures)

SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots" / "policies"

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed"),
]


@pytest.fixture(autouse=True)
def _today() -> Iterator[None]:
    yield  # the live server runs on the real clock (the shipped articles are all in force)


@pytest.fixture
def reader(make_user: Any) -> Any:
    if connection.vendor != "postgresql":
        pytest.skip("browser walks run on PostgreSQL only (slow); CI runs them there")
    connection.close()  # another walk's server may have ended this worker's sessions
    from policies.actions import do_load_policy_articles
    from policies.data import SHIPPED_ARTICLES
    from tests.cases.conftest import restore_demo_divisions

    restore_demo_divisions()
    do_load_policy_articles(SHIPPED_ARTICLES, actor=None)
    return make_user("caseworker", "caseworker", full_name="张经办")


def shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_a_caseworker_finds_an_article_and_sees_it_is_a_summary(
    server: str,  # noqa: F811
    browser: Any,  # noqa: F811
    reader: Any,
) -> None:
    page = page_as(browser, reader, server)
    page.goto(f"{server}/")
    page.click("#nav-policies")
    page.wait_for_url("**/policies/")
    assert "第二十二条" in page.inner_text("#policy-articles")
    shot(page, "1-list")
    page.fill("#q", "检举")
    page.click("#policy-search button[type=submit]")
    page.wait_for_url("**/policies/?q=*")
    assert "第三十条" in page.inner_text("#policy-articles")
    assert "第二十二条" not in page.inner_text("#policy-articles")
    page.click("#policy-articles a")
    page.wait_for_url("**/policies/*/")
    notice = page.inner_text("#summary-notice")
    assert "摘要" in notice and "产品领域说明摘要" in notice and "非正式文本" in notice
    assert "1" in page.inner_text("#policy-versions")
    shot(page, "2-article")


def test_an_administrator_reads_the_calendar_and_sees_a_later_year_is_provisional(
    server: str,  # noqa: F811
    browser: Any,  # noqa: F811
    make_user: Any,
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("browser walks run on PostgreSQL only (slow); CI runs them there")
    connection.close()
    from tests.cases.conftest import restore_demo_divisions

    restore_demo_divisions()
    admin = make_user("sysadmin", "sysadmin", full_name="王管理")
    page = page_as(browser, admin, server)
    page.goto(f"{server}/policies/calendar/?year=2026")
    table = page.inner_text("#calendar")
    assert "国庆节" in table and "国庆节调休上班" in table and "节假日数据包" in table
    shot(page, "3-calendar-2026")
    page.goto(f"{server}/policies/calendar/?year=2027")
    assert "暂按" in page.inner_text("#calendar-provisional")
    page.fill("#id_date", "2027-01-01")
    page.select_option("#id_is_working", "0")
    page.fill("#id_name", "元旦")
    page.click("#calendar-override button[type=submit]")
    page.wait_for_url("**/policies/calendar/?year=2027")
    assert "元旦" in page.inner_text("#calendar") and "管理员录入" in page.inner_text("#calendar")
    shot(page, "4-calendar-2027-provisional")
